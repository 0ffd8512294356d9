import { useEffect, useState, type FormEvent } from 'react'

const EXAMPLES = [
  "metrics.auc > 0.9",
  "params.lr = '0.01' and status = 'FINISHED'",
  "tags.team = 'churn' and metrics.loss < 0.3",
  "datasets.name = 'tweets'",
  "attributes.run_name LIKE 'baseline%'",
]

/**
 * The search box: MLflow's filter grammar, checked by the server. A filter the server refuses
 * shows its message right under the box, where the mistake is.
 */
export function RunFilter({ value, onApply, error }: { value: string; onApply: (filter: string) => void; error?: Error }) {
  const [text, setText] = useState(value)
  useEffect(() => setText(value), [value])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    onApply(text.trim())
  }
  return (
    <form className="filter-form" onSubmit={submit} role="search" aria-label="Filter runs">
      <div className="filter-row">
        <label className="filter-input">
          <span className="visually-hidden">Filter runs (MLflow search syntax)</span>
          <input
            type="search"
            className={error ? 'invalid' : undefined}
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Filter: metrics.auc > 0.9 and params.lr = '0.01'"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'filter-error' : undefined}
            spellCheck={false}
          />
        </label>
        <button type="submit" className="button">
          Apply
        </button>
        {value && (
          <button type="button" className="button subtle" onClick={() => onApply('')}>
            Clear
          </button>
        )}
      </div>
      {error && (
        <div id="filter-error" className="filter-error" role="alert">
          {error.message}
        </div>
      )}
      <details className="filter-help">
        <summary>Filter syntax</summary>
        <p>
          Conditions on <code>metrics.</code>, <code>params.</code>, <code>tags.</code>, <code>attributes.</code> (run_name, status,
          start_time, user_id, run_id) and <code>datasets.</code> (name, digest, context), joined with <code>and</code>. Strings in single
          quotes; keys with spaces in backticks. For example:
        </p>
        <ul>
          {EXAMPLES.map((ex) => (
            <li key={ex}>
              <button type="button" className="link-button mono" onClick={() => onApply(ex)}>
                {ex}
              </button>
            </li>
          ))}
        </ul>
      </details>
    </form>
  )
}
