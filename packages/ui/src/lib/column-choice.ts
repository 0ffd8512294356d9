import type { Run } from '@railyard/api'
import { paramOf } from './run-columns.js'

/** The runs-table column groups a user picks from; the run's own columns (name, status…) always show. */
export type ColumnGroup = 'metric' | 'param' | 'tag'
export const COLUMN_GROUPS: ColumnGroup[] = ['metric', 'param', 'tag']

/** Keys per group, each in column order. */
export type GroupKeys = Record<ColumnGroup, string[]>

/**
 * What a user chose for one group: keys they showed or hid one by one, and what the other keys
 * do (`default`: the rule below; `shown`/`hidden`: after "Show all"/"Hide all"), so a key that a
 * later run logs follows the group's last "all".
 */
export interface GroupChoice {
  rest: 'default' | 'shown' | 'hidden'
  shown: string[]
  hidden: string[]
}
export type ColumnChoice = Record<ColumnGroup, GroupChoice>

/**
 * How many columns of each group show by default: every metric of a usual training script, a
 * handful of params and tags, so the table of an experiment with dozens of keys stays readable.
 */
export const DEFAULT_LIMITS: Record<ColumnGroup, number> = { metric: 15, param: 6, tag: 3 }

export function defaultChoice(): ColumnChoice {
  return { metric: emptyGroup(), param: emptyGroup(), tag: emptyGroup() }
}

function emptyGroup(): GroupChoice {
  return { rest: 'default', shown: [], hidden: [] }
}

export function isDefaultChoice(choice: ColumnChoice): boolean {
  return COLUMN_GROUPS.every((g) => choice[g].rest === 'default' && choice[g].shown.length === 0 && choice[g].hidden.length === 0)
}

/**
 * The keys a group shows when the user has not chosen: the first DEFAULT_LIMITS keys; for params,
 * those whose value differs between `runs` come first, since they are what tells runs apart.
 */
export function defaultShown(group: ColumnGroup, keys: string[], runs: Run[]): Set<string> {
  const limit = DEFAULT_LIMITS[group]
  if (group !== 'param' || keys.length <= limit) return new Set(keys.slice(0, limit))
  const differs = (key: string) => new Set(runs.map((r) => paramOf(r, key))).size > 1
  const ranked = [...keys.filter(differs), ...keys.filter((k) => !differs(k))]
  return new Set(ranked.slice(0, limit))
}

/** The columns to draw: `keys` narrowed to what the choice shows, in the same order. */
export function shownColumns(keys: GroupKeys, runs: Run[], choice: ColumnChoice): GroupKeys {
  const out = {} as GroupKeys
  for (const group of COLUMN_GROUPS) {
    const c = choice[group]
    const shown = new Set(c.shown)
    const hidden = new Set(c.hidden)
    const byDefault = c.rest === 'default' ? defaultShown(group, keys[group], runs) : undefined
    out[group] = keys[group].filter((k) => (shown.has(k) ? true : hidden.has(k) ? false : c.rest === 'shown' || (byDefault?.has(k) ?? false)))
  }
  return out
}

/** Shows or hides `keys` of one group, leaving the others as they are. */
export function setShown(choice: ColumnChoice, group: ColumnGroup, keys: string[], show: boolean): ColumnChoice {
  const c = choice[group]
  const set = new Set(keys)
  const shown = c.shown.filter((k) => !set.has(k))
  const hidden = c.hidden.filter((k) => !set.has(k))
  ;(show ? shown : hidden).push(...keys)
  return { ...choice, [group]: { rest: c.rest, shown, hidden } }
}

/** "Show all" / "Hide all": every key of the group, including keys that later runs log. */
export function setAll(choice: ColumnChoice, group: ColumnGroup, show: boolean): ColumnChoice {
  return { ...choice, [group]: { rest: show ? 'shown' : 'hidden', shown: [], hidden: [] } }
}

/** A stored choice (JSON); anything unreadable, or from another version of this shape, is the default. */
export function parseChoice(text: string | null): ColumnChoice {
  const choice = defaultChoice()
  if (!text) return choice
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return choice
  }
  if (typeof raw !== 'object' || raw === null) return choice
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [])
  for (const group of COLUMN_GROUPS) {
    const g = (raw as Record<string, unknown>)[group]
    if (typeof g !== 'object' || g === null) continue
    const { rest, shown, hidden } = g as Record<string, unknown>
    choice[group] = { rest: rest === 'shown' || rest === 'hidden' ? rest : 'default', shown: strings(shown), hidden: strings(hidden) }
  }
  return choice
}

/** Case-insensitive substring match, for the chooser's search box. */
export function matchingKeys(keys: string[], search: string): string[] {
  const needle = search.trim().toLowerCase()
  return needle ? keys.filter((k) => k.toLowerCase().includes(needle)) : keys
}
