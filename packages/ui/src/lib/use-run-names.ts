import { useEffect, useState } from 'react'
import { runs } from '../api/client.js'
import { runName } from './run-columns.js'

/** Names already looked up, for the life of the page: a run's name rarely changes. */
const known = new Map<string, string>()

/**
 * Display names of runs that other records point at by id (model versions, dataset freezes).
 * Run ids are time-ordered, so ids created close together share their first characters; until
 * the name arrives, the id's random tail is the label that tells them apart.
 */
export function useRunNames(ids: Array<string | undefined>): (id: string) => string {
  const wanted = [...new Set(ids.filter((id): id is string => id !== undefined))].slice(0, 100)
  const key = wanted.join(',')
  const [, setVersion] = useState(0)
  useEffect(() => {
    const queue = wanted.filter((id) => !known.has(id))
    if (queue.length === 0) return
    let cancelled = false
    const worker = async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          known.set(id, runName(await runs.get(id)))
        } catch {
          known.set(id, `…${id.slice(-8)}`)
        }
        if (!cancelled) setVersion((v) => v + 1)
      }
    }
    void Promise.all(Array.from({ length: 4 }, worker))
    return () => {
      cancelled = true
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key])
  return (id) => known.get(id) ?? `…${id.slice(-8)}`
}
