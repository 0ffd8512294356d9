import { useEffect, useRef, type ReactElement } from 'react'
import { Layout } from './components/layout.js'
import { Link } from './components/link.js'
import { Empty } from './components/states.js'
import { navigate, useLocation } from './lib/router.js'
import { ExperimentsPage } from './pages/experiments/experiments-page.js'
import { ExperimentPage } from './pages/experiments/experiment-page.js'
import { ComparePage } from './pages/experiments/compare-page.js'
import { RunPage } from './pages/runs/run-page.js'
import { ModelsPage } from './pages/models/models-page.js'
import { ModelPage } from './pages/models/model-page.js'
import { VersionPage } from './pages/models/version-page.js'
import { DatasetsPage } from './pages/datasets/datasets-page.js'
import { DatasetPage } from './pages/datasets/dataset-page.js'
import { DatasetVersionPage } from './pages/datasets/dataset-version-page.js'
import { DatasetDiffPage } from './pages/datasets/dataset-diff-page.js'
import { SignIn } from './components/sign-in.js'
import { useTokenRefused } from './api/auth-token.js'

type Params = string[]
type Route = [pattern: RegExp, title: string, render: (params: Params, query: URLSearchParams) => ReactElement]

const SEGMENT = '([^/]+)'
const route = (pattern: string, title: string, render: Route[2]): Route => [new RegExp(`^${pattern.replace(/:\w+/g, SEGMENT)}/?$`), title, render]

/** Every page and its URL; the server answers index.html for all of them (packages/server/src/routes/ui.ts). */
const ROUTES: Route[] = [
  route('/experiments', 'Experiments', () => <ExperimentsPage />),
  route('/experiments/:id/compare', 'Compare runs', ([id], q) => <ComparePage experimentId={id} runIds={(q.get('runs') ?? '').split(',').filter(Boolean)} />),
  route('/experiments/:id', 'Experiment', ([id]) => <ExperimentPage key={id} id={id} />),
  route('/runs/:id', 'Run', ([id]) => <RunPage key={id} runId={id} />),
  route('/models', 'Models', () => <ModelsPage />),
  route('/models/:name/versions/:version', 'Model version', ([name, version]) => <VersionPage key={`${name}/${version}`} name={name} version={version} />),
  route('/models/:name', 'Model', ([name]) => <ModelPage key={name} name={name} />),
  route('/datasets', 'Datasets', () => <DatasetsPage />),
  route('/datasets/:name/diff', 'Dataset diff', ([name]) => <DatasetDiffPage key={name} name={name} />),
  route('/datasets/:name/versions/:version', 'Dataset version', ([name, version]) => <DatasetVersionPage key={`${name}/${version}`} name={name} version={version} />),
  route('/datasets/:name', 'Dataset', ([name]) => <DatasetPage key={name} name={name} />),
]

export function App() {
  const { path, query } = useLocation()
  useEffect(() => {
    if (path === '/') navigate('/experiments', { replace: true })
  }, [path])
  let page: ReactElement | undefined
  let title = 'Not found'
  for (const [pattern, routeTitle, render] of ROUTES) {
    const m = pattern.exec(path)
    if (!m) continue
    page = render(m.slice(1).map(decodeURIComponent), query)
    title = routeTitle
    break
  }
  useEffect(() => {
    document.title = `${title} · Railyard`
  }, [title])
  // After a client-side page change, keyboard and screen-reader users start at the new content.
  const firstPath = useRef(path)
  useEffect(() => {
    if (path !== firstPath.current) document.getElementById('main')?.focus({ preventScroll: true })
  }, [path])
  const tokenRefused = useTokenRefused()
  return (
    <Layout path={path}>
      {tokenRefused ? <SignIn /> : page ??
        (path === '/' ? null : (
          <Empty title="There is no page here.">
            <Link href="/experiments">Go to the experiments</Link>
          </Empty>
        ))}
    </Layout>
  )
}
