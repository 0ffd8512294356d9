import { badRequest, inputsOfSplit } from '../scoring-input.js'
import { fieldValue, inferKind, NA_VALUES, type ColumnKind } from './column-kinds.js'
import { parseCsv } from './parse.js'

/**
 * A `text/csv` request body as MLflow's scoring server reads it (pandas `read_csv`): a header row
 * naming the columns, then one row per input. Fields stay text until the served version is known,
 * because its signature decides how columns are typed.
 */
export class CsvTable {
  private constructor(
    readonly columns: readonly string[],
    /** The data rows; null where a field is empty or one of pandas' NA markers. */
    readonly rows: ReadonlyArray<ReadonlyArray<string | null>>,
    /** The line each data row starts on. */
    readonly lines: readonly number[],
  ) {}

  /**
   * Reads CSV text (see parseCsv). An empty header name is `Unnamed: <index>`, as pandas names it.
   * BAD_REQUEST for no header, a column named twice, or a row with more or fewer fields than the
   * header, naming the line.
   */
  static parse(text: string): CsvTable {
    const [header, ...records] = parseCsv(text)
    if (!header) throw badRequest('The CSV body is empty: send a header row with the column names, then one row per input')
    const columns = header.fields.map((name, i) => (name === '' ? `Unnamed: ${i}` : name))
    const seen = new Map<string, number>()
    columns.forEach((name, i) => {
      const first = seen.get(name)
      if (first !== undefined) throw badRequest(`The CSV header names the column '${name}' twice (columns ${first + 1} and ${i + 1})`)
      seen.set(name, i)
    })
    const rows = records.map(({ line, fields }) => {
      if (fields.length !== columns.length) {
        throw badRequest(
          `CSV line ${line} has ${fields.length} field${fields.length === 1 ? '' : 's'}, ` +
            `but the header (line ${header.line}) names ${columns.length} column${columns.length === 1 ? '' : 's'}`,
        )
      }
      return fields.map((f) => (NA_VALUES.has(f) ? null : f))
    })
    return new CsvTable(columns, rows, records.map((r) => r.line))
  }

  /**
   * The batch of inputs, as `dataframe_split` with these columns would give it. A column the
   * model's signature declares (see declaredKindsOf) gets that kind; any other is inferred as
   * pandas infers it.
   */
  inputs(declared: ReadonlyMap<string, ColumnKind>): unknown[] {
    const kinds = this.columns.map((name, c) => declared.get(name) ?? inferKind(this.rows.map((row) => row[c])))
    const data = this.rows.map((row) => row.map((field, c) => fieldValue(field, kinds[c])))
    return inputsOfSplit({ columns: [...this.columns], data })
  }

  /** Names input `index` by its CSV line, for the signature check's messages. */
  readonly inputName = (index: number): string => `CSV line ${this.lines[index]}`
}
