import { useState } from 'react'
import { artifactDownloadUrl, trackingCall } from '../../api/client.js'
import type { FileInfo } from '../../api/sdk.js'
import { Empty, ErrorMessage, Loading } from '../../components/states.js'
import { formatBytes } from '../../lib/format.js'
import { useAsync } from '../../lib/use-async.js'

/** Every entry of one artifact folder, following the listing's pages. */
async function listFolder(runId: string, folder: string): Promise<FileInfo[]> {
  const out: FileInfo[] = []
  let pageToken: string | undefined
  do {
    const res = await trackingCall('listArtifacts', { run_id: runId, path: folder || undefined, page_token: pageToken })
    out.push(...(res.files ?? []))
    pageToken = res.next_page_token
  } while (pageToken)
  // Folders first, then files, each by name.
  return out.sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path))
}

/** The run's artifacts as nested lists: folders open in place (buttons with aria-expanded), files download. */
export function RunArtifacts({ runId }: { runId: string }) {
  const root = useAsync(() => listFolder(runId, ''), [runId])
  if (root.error) return <ErrorMessage error={root.error} title="Could not list the artifacts" onRetry={root.reload} />
  if (!root.data) return <Loading what="Listing artifacts" />
  if (root.data.length === 0) {
    return <Empty title="No artifacts.">Files a run saves (models, plots, reports) appear here, e.g. with <code>mlflow.log_artifact(path)</code> or the SDK's <code>run.logArtifact</code>.</Empty>
  }
  return (
    <ul className="tree" aria-label="Artifacts">
      {root.data.map((f) => (
        <Entry key={f.path} runId={runId} file={f} depth={0} />
      ))}
    </ul>
  )
}

function Entry({ runId, file, depth }: { runId: string; file: FileInfo; depth: number }) {
  const [open, setOpen] = useState(false)
  const name = file.path.split('/').pop() ?? file.path
  if (!file.is_dir) {
    return (
      <li className="tree-item" style={{ paddingLeft: depth * 18 }}>
        <span className="tree-icon" aria-hidden="true">
          ▫
        </span>
        <a href={artifactDownloadUrl(runId, file.path)} download={name} title={`Download ${file.path}`}>
          {name}
        </a>
        <span className="muted small">{formatBytes(file.file_size ?? 0)}</span>
      </li>
    )
  }
  return (
    <li className="tree-item-dir">
      <button type="button" className="tree-toggle" style={{ paddingLeft: depth * 18 }} aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <span className="tree-icon" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        {name}/
      </button>
      {open && <Folder runId={runId} folder={file.path} depth={depth + 1} />}
    </li>
  )
}

function Folder({ runId, folder, depth }: { runId: string; folder: string; depth: number }) {
  const list = useAsync(() => listFolder(runId, folder), [runId, folder])
  if (list.error) return <ErrorMessage error={list.error} />
  if (!list.data) return <div style={{ paddingLeft: depth * 18 }} className="muted small">Loading…</div>
  return (
    <ul className="tree" aria-label={folder}>
      {list.data.length === 0 && <li className="muted small" style={{ paddingLeft: depth * 18 }}>(empty)</li>}
      {list.data.map((f) => (
        <Entry key={f.path} runId={runId} file={f} depth={depth} />
      ))}
    </ul>
  )
}
