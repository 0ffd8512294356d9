import { useCallback, useEffect, useState } from 'react'
import { isDefaultChoice, parseChoice, type ColumnChoice } from '../../lib/column-choice.js'

const storageKey = (experimentId: string) => `railyard.runs-columns.${experimentId}`

/**
 * The runs-table columns a user chose for an experiment, kept in this browser's localStorage so
 * they survive a reload. The default choice is not stored, so it keeps following the defaults.
 */
export function useColumnChoice(experimentId: string): [ColumnChoice, (choice: ColumnChoice) => void] {
  const [choice, setChoice] = useState(() => read(experimentId))
  useEffect(() => setChoice(read(experimentId)), [experimentId])
  const update = useCallback(
    (next: ColumnChoice) => {
      setChoice(next)
      try {
        if (isDefaultChoice(next)) localStorage.removeItem(storageKey(experimentId))
        else localStorage.setItem(storageKey(experimentId), JSON.stringify(next))
      } catch {
        // Storage turned off or full: the choice lasts until the page closes.
      }
    },
    [experimentId],
  )
  return [choice, update]
}

function read(experimentId: string): ColumnChoice {
  try {
    return parseChoice(localStorage.getItem(storageKey(experimentId)))
  } catch {
    return parseChoice(null)
  }
}
