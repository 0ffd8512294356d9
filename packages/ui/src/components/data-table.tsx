import { useMemo, useState, type ReactNode } from 'react'

export interface Column<T> {
  key: string
  label: ReactNode
  render: (row: T) => ReactNode
  /** The value to sort by; columns without one are not sortable. */
  sortValue?: (row: T) => number | string | undefined
  numeric?: boolean
}

export interface SortState {
  key: string
  desc: boolean
}

/**
 * A table sorted in the browser (for lists the server returns whole). Headers are buttons, so
 * sorting works from the keyboard, and `aria-sort` tells screen readers the order.
 */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  initialSort,
  label,
  rowClassName,
}: {
  rows: T[]
  columns: Column<T>[]
  rowKey: (row: T) => string
  initialSort?: SortState
  label: string
  rowClassName?: (row: T) => string | undefined
}) {
  const [sort, setSort] = useState<SortState | undefined>(initialSort)
  const sorted = useMemo(() => {
    const col = sort && columns.find((c) => c.key === sort.key)
    if (!col?.sortValue || !sort) return rows
    const value = col.sortValue
    return [...rows].sort((a, b) => compareValues(value(a), value(b), sort.desc))
  }, [rows, columns, sort])

  return (
    <div className="table-wrap">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <SortHeader key={c.key} column={c} sort={sort} onSort={setSort} />
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {columns.map((c) => (
                <td key={c.key} className={c.numeric ? 'num' : undefined}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function SortHeader<T>({ column, sort, onSort }: { column: Column<T>; sort?: SortState; onSort: (s: SortState) => void }) {
  if (!column.sortValue) return <th className={column.numeric ? 'num' : undefined}>{column.label}</th>
  const active = sort?.key === column.key
  return (
    <th className={column.numeric ? 'num' : undefined} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort({ key: column.key, desc: active ? !sort.desc : column.numeric ?? false })}>
        {column.label}
        <SortArrow active={active} desc={sort?.desc} />
      </button>
    </th>
  )
}

export function SortArrow({ active, desc }: { active: boolean; desc?: boolean }) {
  return (
    <span className={`sort-arrow${active ? ' active' : ''}`} aria-hidden="true">
      {active ? (desc ? '▼' : '▲') : '↕'}
    </span>
  )
}

/** Missing values sort last in either direction. */
export function compareValues(a: number | string | undefined, b: number | string | undefined, desc: boolean): number {
  const missingA = a === undefined || (typeof a === 'number' && Number.isNaN(a))
  const missingB = b === undefined || (typeof b === 'number' && Number.isNaN(b))
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1
  const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true })
  return desc ? -c : c
}
