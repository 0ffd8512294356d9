import { useCallback, useEffect, useRef, useState } from 'react'
import type { Run } from '@railyard/api'
import { runs as runsApi } from '../../api/client.js'

const PAGE = 100

export interface RunSearch {
  runs?: Run[]
  error?: Error
  loading: boolean
  hasMore: boolean
  loadMore: () => void
  /** Loads the rows shown so far again (new runs, new metric values). */
  refresh: () => void
}

/**
 * An experiment's runs for a filter and order, a page at a time. A refresh asks again for as many
 * rows as are shown, so live updates don't collapse a long list back to its first page.
 */
export function useRunSearch(experimentId: string, filter: string, order: string): RunSearch {
  const [state, setState] = useState<{ runs?: Run[]; next?: string; error?: Error; loading: boolean }>({ loading: true })
  const generation = useRef(0)
  const shown = useRef(0)

  const load = useCallback(
    async (mode: 'fresh' | 'more' | 'refresh', pageToken?: string) => {
      const mine = ++generation.current
      setState((s) => ({ ...s, loading: true }))
      try {
        const size = mode === 'refresh' ? Math.min(1000, Math.max(PAGE, shown.current)) : PAGE
        const page = await runsApi.search({
          experiment_ids: [experimentId],
          filter: filter || undefined,
          order_by: [order],
          max_results: size,
          page_token: mode === 'more' ? pageToken : undefined,
        })
        if (mine !== generation.current) return
        setState((s) => {
          const rows = mode === 'more' ? [...(s.runs ?? []), ...page.items] : page.items
          shown.current = rows.length
          return { runs: rows, next: page.nextPageToken, loading: false }
        })
      } catch (err) {
        if (mine !== generation.current) return
        // A refused filter or order leaves no rows that match it; other errors keep what is shown.
        setState((s) => ({ runs: mode === 'fresh' ? undefined : s.runs, next: s.next, error: err as Error, loading: false }))
      }
    },
    [experimentId, filter, order],
  )

  useEffect(() => {
    shown.current = 0
    setState({ loading: true })
    void load('fresh')
  }, [load])

  return {
    ...state,
    hasMore: state.next !== undefined,
    loadMore: () => void load('more', state.next),
    refresh: () => void load('refresh'),
  }
}
