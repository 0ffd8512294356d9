import { getModel, lineage as loadLineage, modelVersions, versionFileUrl, versionFiles } from '../../api/registry.js'
import { PageHeader, Section } from '../../components/layout.js'
import { AliasBadge, VersionStatusBadge } from '../../components/badges.js'
import { Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatBytes, formatMetric, formatTime, shortId } from '../../lib/format.js'
import { path, useLocation } from '../../lib/router.js'
import { useAsync } from '../../lib/use-async.js'
import { CompareVersions } from './compare-versions.js'
import { GateResults } from './gate-results.js'
import { Lineage } from './lineage.js'
import { PRODUCTION, aliasTarget } from './model-facts.js'

/** One model version: its lineage, what it measured, its files, and how it differs from production. */
export function VersionPage({ name, version }: { name: string; version: string }) {
  const { query } = useLocation()
  const lineage = useAsync(() => loadLineage(name, version), [name, version])
  const model = useAsync(() => getModel(name), [name])
  const versions = useAsync(() => modelVersions(name), [name])

  if (lineage.error) return <ErrorMessage error={lineage.error} title="Could not load the model version" onRetry={lineage.reload} />
  if (!lineage.data) return <Loading what="Loading model version" />
  const l = lineage.data
  const v = l.model_version
  const production = model.data && aliasTarget(model.data, PRODUCTION)
  const previous = versions.data?.find((x) => Number(x.version) < Number(version))?.version
  const base = query.get('against') ?? (production && production !== version ? production : previous)
  return (
    <>
      <PageHeader
        crumbs={[
          { label: 'Models', href: '/models' },
          { label: name, href: path('models', name) },
        ]}
        title={`${name} v${v.version}`}
        badges={
          <>
            {(v.aliases ?? []).map((a) => (
              <AliasBadge key={a} alias={a} />
            ))}
            <VersionStatusBadge status={v.status} />
          </>
        }
        subtitle={
          <>
            Registered {formatTime(v.creation_timestamp)}
            {v.user_id && <> by {v.user_id}</>} · source <span className="mono">{v.source}</span>
            {v.description && <> · {v.description}</>}
          </>
        }
      />
      {v.status === 'FAILED_REGISTRATION' && <div className="error-box">Registration failed: {v.status_message ?? 'no reason recorded'}</div>}
      <Section title="Lineage" id="lineage">
        <Lineage lineage={l} />
      </Section>
      <Section title={production === version ? 'Compared with another version' : 'Compared with production'} id="compare">
        {versions.error && <ErrorMessage error={versions.error} />}
        {versions.data ? <CompareVersions name={name} version={version} base={base} versions={versions.data} production={production} /> : !versions.error && <Loading />}
      </Section>
      <div className="two-col">
        <Section title="Metrics at registration">
          {(l.metrics ?? []).length === 0 ? (
            <p className="muted">None recorded.</p>
          ) : (
            <table className="table kv" aria-label="Metrics at registration">
              <tbody>
                {l.metrics!.map((m) => (
                  <tr key={m.key}>
                    <th scope="row">{m.key}</th>
                    <td className="num">{formatMetric(m.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title="Parameters">
          {(l.params ?? []).length === 0 ? (
            <p className="muted">None recorded.</p>
          ) : (
            <table className="table kv" aria-label="Parameters at registration">
              <tbody>
                {l.params!.map((p) => (
                  <tr key={p.key}>
                    <th scope="row">{p.key}</th>
                    <td className="param-cell">{p.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>
      <Section title="Gate results" id="gates">
        <GateResults name={name} version={version} />
      </Section>
      <Section title="Files" id="files">
        <VersionFiles name={name} version={version} />
      </Section>
    </>
  )
}

function VersionFiles({ name, version }: { name: string; version: string }) {
  const files = useAsync(() => versionFiles(name, version), [name, version])
  if (files.error) return <ErrorMessage error={files.error} onRetry={files.reload} />
  if (!files.data) return <Loading what="Listing files" />
  const list = files.data.files ?? []
  if (list.length === 0) return <Empty title="No files." />
  const total = list.reduce((sum, f) => sum + f.size, 0)
  return (
    <>
      <p className="muted small">
        {list.length} files, {formatBytes(total)}; content id <span className="mono">{shortId(files.data.tree_oid, 16)}</span>. Every download is checked against its content id.
      </p>
      <div className="table-wrap">
        <table className="table" aria-label="Model files">
          <thead>
            <tr>
              <th>Path</th>
              <th className="num">Size</th>
              <th>Content id</th>
            </tr>
          </thead>
          <tbody>
            {list.map((f) => (
              <tr key={f.path}>
                <td>
                  <a href={versionFileUrl(name, version, f.path)} download={f.path.split('/').pop()}>
                    {f.path}
                  </a>
                </td>
                <td className="num">{formatBytes(f.size)}</td>
                <td className="mono muted small">{shortId(f.oid, 12)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
