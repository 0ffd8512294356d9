import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import {
  COLUMN_GROUPS,
  DEFAULT_LIMITS,
  defaultChoice,
  isDefaultChoice,
  matchingKeys,
  setAll,
  setShown,
  type ColumnChoice,
  type ColumnGroup,
  type GroupKeys,
} from '../../lib/column-choice.js'

const TITLES: Record<ColumnGroup, { title: string; plural: string }> = {
  metric: { title: 'Metrics', plural: 'metrics' },
  param: { title: 'Parameters', plural: 'parameters' },
  tag: { title: 'Tags', plural: 'tags' },
}

/**
 * The "Columns" button of the runs table and its panel: a checkbox per metric, param and tag, a
 * search box for long lists, and Show all / Hide all per group (for the matching keys while
 * searching). Escape or a click outside closes it; focus goes back to the button.
 */
export function ColumnChooser({
  keys,
  shown,
  choice,
  onChange,
}: {
  keys: GroupKeys
  shown: GroupKeys
  choice: ColumnChoice
  onChange: (choice: ColumnChoice) => void
}) {
  const [open, setOpen] = useState(false)
  const [search, setSearch] = useState('')
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const panelId = useId()
  const total = COLUMN_GROUPS.reduce((n, g) => n + keys[g].length, 0)
  const showing = COLUMN_GROUPS.reduce((n, g) => n + shown[g].length, 0)

  useEffect(() => {
    if (!open) return
    const outside = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', outside)
    return () => document.removeEventListener('mousedown', outside)
  }, [open])

  const close = () => {
    setOpen(false)
    button.current?.focus()
  }
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return
    e.preventDefault()
    close()
  }
  const anyMatch = COLUMN_GROUPS.some((g) => matchingKeys(keys[g], search).length > 0)

  return (
    <div className="column-chooser" ref={root} onKeyDown={onKeyDown}>
      <button
        ref={button}
        type="button"
        className="button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`Columns: ${showing} of ${total} shown`}
        onClick={() => setOpen(!open)}
        disabled={total === 0}
        title={total === 0 ? 'These runs logged no metrics, params or tags' : 'Choose the metric, param and tag columns'}
      >
        Columns{' '}
        <span className="muted">
          {showing}/{total}
        </span>
      </button>
      {open && (
        <div
          id={panelId}
          className="chooser-panel"
          role="group"
          aria-label="Choose columns"
          onBlur={(e) => {
            // Tabbing out of the panel closes it; a click on its own text moves focus nowhere.
            if (e.relatedTarget && !root.current?.contains(e.relatedTarget as Node)) setOpen(false)
          }}
        >
          <label className="chooser-search">
            <span className="visually-hidden">Search columns</span>
            <input type="search" placeholder="Search columns" value={search} onChange={(e) => setSearch(e.target.value)} autoFocus spellCheck={false} />
          </label>
          <div className="chooser-groups">
            {COLUMN_GROUPS.map((group) => (
              <ChooserGroup key={group} group={group} keys={keys[group]} shown={shown[group]} search={search} choice={choice} onChange={onChange} />
            ))}
            {!anyMatch && <p className="muted small chooser-none">No column matches “{search.trim()}”.</p>}
          </div>
          <div className="chooser-footer">
            <span className="muted small">
              Default: up to {DEFAULT_LIMITS.metric} metrics, {DEFAULT_LIMITS.param} params (those that differ first), {DEFAULT_LIMITS.tag} tags. Kept in this
              browser for this experiment.
            </span>
            <button type="button" className="link-button small" onClick={() => onChange(defaultChoice())} disabled={isDefaultChoice(choice)}>
              Reset
            </button>
          </div>
        </div>
      )}
    </div>
  )
}

function ChooserGroup({
  group,
  keys,
  shown,
  search,
  choice,
  onChange,
}: {
  group: ColumnGroup
  keys: string[]
  shown: string[]
  search: string
  choice: ColumnChoice
  onChange: (choice: ColumnChoice) => void
}) {
  const matches = matchingKeys(keys, search)
  if (matches.length === 0) return null
  const { title, plural } = TITLES[group]
  const visible = new Set(shown)
  const searching = search.trim() !== ''
  // While searching, "all" means all that match; otherwise the whole group, later keys included.
  const all = (show: boolean) => onChange(searching ? setShown(choice, group, matches, show) : setAll(choice, group, show))
  return (
    <fieldset className="chooser-group">
      <legend>
        {title}{' '}
        <span className="muted small">
          {shown.length} of {keys.length} shown
        </span>
      </legend>
      <div className="chooser-actions">
        <button type="button" className="link-button" onClick={() => all(true)} aria-label={`Show all ${searching ? 'matching ' : ''}${plural}`}>
          Show all
        </button>
        <button type="button" className="link-button" onClick={() => all(false)} aria-label={`Hide all ${searching ? 'matching ' : ''}${plural}`}>
          Hide all
        </button>
      </div>
      <ul className="chooser-list">
        {matches.map((key) => (
          <li key={key}>
            <label className="chooser-option">
              <input type="checkbox" checked={visible.has(key)} onChange={(e) => onChange(setShown(choice, group, [key], e.target.checked))} />
              <span className="mono">{key}</span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  )
}
