import { useCallback, useEffect, useRef, useState } from 'react'

export interface AsyncState<T> {
  data?: T
  error?: Error
  /** True while a load is in flight; `data` keeps the previous result meanwhile, so tables don't flicker. */
  loading: boolean
  /** Loads again (after a change, or on a timer). */
  reload: () => void
}

/**
 * Runs `load` whenever `deps` change and keeps its latest answer. Answers of superseded loads are
 * dropped, so a slow earlier request never overwrites a newer one.
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const generation = useRef(0)
  const [tick, setTick] = useState(0)

  useEffect(() => {
    const mine = ++generation.current
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: unknown) =>
        mine === generation.current &&
        setState((s) => ({ data: s.data, error: error instanceof Error ? error : new Error(String(error)), loading: false })),
    )
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { ...state, reload }
}

/** Calls `fn` every `ms` milliseconds while `ms` is not null (e.g. only while a run is RUNNING). */
export function useInterval(fn: () => void, ms: number | null): void {
  const latest = useRef(fn)
  latest.current = fn
  useEffect(() => {
    if (ms === null) return
    const id = window.setInterval(() => latest.current(), ms)
    return () => window.clearInterval(id)
  }, [ms])
}
