import { useSyncExternalStore } from 'react'

/**
 * Client-side routing on the History API: every page has a real URL (shareable, reloadable; the
 * server answers index.html for these paths), and query parameters hold a page's state
 * (filter, sort order, selected runs) so a copied link opens the same view.
 */

const NAVIGATE = 'railyard:navigate'

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange)
  window.addEventListener(NAVIGATE, onChange)
  return () => {
    window.removeEventListener('popstate', onChange)
    window.removeEventListener(NAVIGATE, onChange)
  }
}

const snapshot = () => window.location.pathname + window.location.search

export interface Location {
  path: string
  query: URLSearchParams
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot)
  const url = new URL(href, window.location.origin)
  return { path: url.pathname, query: url.searchParams }
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return
  if (opts.replace) window.history.replaceState(null, '', to)
  else {
    window.history.pushState(null, '', to)
    window.scrollTo(0, 0)
  }
  window.dispatchEvent(new Event(NAVIGATE))
}

/** Changes query parameters of the current page (undefined or '' removes one); replaces the history entry by default. */
export function setQuery(updates: Record<string, string | undefined>, opts: { push?: boolean } = {}): void {
  const url = new URL(window.location.href)
  for (const [key, value] of Object.entries(updates)) {
    if (value === undefined || value === '') url.searchParams.delete(key)
    else url.searchParams.set(key, value)
  }
  const to = url.pathname + url.search
  if (to === snapshot()) return
  if (opts.push) window.history.pushState(null, '', to)
  else window.history.replaceState(null, '', to)
  window.dispatchEvent(new Event(NAVIGATE))
}

/** A path with its segments URL-encoded: `path('models', name, 'versions', v)`. */
export function path(...segments: Array<string | number>): string {
  return '/' + segments.map((s) => encodeURIComponent(String(s))).join('/')
}

/** `path` plus a query string of the defined values. */
export function withQuery(base: string, query: Record<string, string | undefined>): string {
  const qs = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') qs.set(key, value)
  const s = qs.toString()
  return s ? `${base}?${s}` : base
}
