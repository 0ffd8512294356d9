import { formatMetric } from '../lib/format.js'
import { barGeometry } from '../lib/single-values.js'

export interface BarRow {
  label: string
  color: string
  /** Missing when this row has no value; NaN and ±Infinity get no bar and say what they are. */
  value?: number
}

/**
 * One value per row as horizontal bars on a shared scale from zero: for metrics with a single
 * value per run, where a line chart would draw one dot each. A table underneath, so screen
 * readers read each label with its value; the bars are decoration.
 */
export function BarChart({ title, rows }: { title: string; rows: BarRow[] }) {
  const { bars, zero } = barGeometry(rows.map((r) => r.value))
  return (
    <table className="bar-chart" aria-label={`${title} by run`}>
      <tbody>
        {rows.map((row, i) => {
          const bar = bars[i]
          return (
            <tr key={`${row.label}:${i}`}>
              <th scope="row" title={row.label}>
                <span className="swatch" style={{ background: row.color }} aria-hidden="true" />
                {row.label}
              </th>
              <td className="bar-track" aria-hidden="true">
                {zero > 0 && zero < 100 && <span className="bar-zero" style={{ left: `${zero}%` }} />}
                {bar && <span className="bar" style={{ left: `${bar.start}%`, width: `${bar.width}%`, background: row.color }} />}
              </td>
              <td className="num">{formatMetric(row.value)}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
