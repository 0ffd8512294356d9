import type { ReactNode } from 'react'

/** Loading, error and empty states, the same on every page. */

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </div>
  )
}

/** The server's message as it sent it, with its MLflow error code. */
export function ErrorMessage({ error, title, onRetry }: { error: Error; title?: string; onRetry?: () => void }) {
  const code = (error as { code?: string }).code
  // Asking again for something that does not exist gets the same answer.
  const retry = onRetry && code !== 'RESOURCE_DOES_NOT_EXIST' ? onRetry : undefined
  return (
    <div className="error-box" role="alert">
      <div className="error-title">{title ?? 'The server answered with an error'}</div>
      <div className="error-text">{error.message}</div>
      {code && code !== 'INTERNAL_ERROR' && <div className="error-code">{code}</div>}
      {retry && (
        <button type="button" className="button small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  )
}

/** An empty list: say what would fill it, and how. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-title">{title}</div>
      {children && <div className="empty-body">{children}</div>}
    </div>
  )
}

/** A shell command to copy. */
export function Command({ children }: { children: string }) {
  return (
    <pre className="command">
      <code>{children}</code>
    </pre>
  )
}
