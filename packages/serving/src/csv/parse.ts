import { badRequest } from '../scoring-input.js'

/** One record of a CSV text: its fields, and the line it starts on (1-based, for error messages). */
export interface CsvRecord {
  line: number
  fields: string[]
}

const COMMA = 0x2c
const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d
const BOM = 0xfeff

/**
 * Splits CSV text into records as RFC 4180 writes them: fields separated by commas, records by
 * CRLF, LF or a lone CR; a field in double quotes may hold commas, line breaks and doubled quotes
 * (`""` is one `"`). A leading byte-order mark and empty lines are skipped (as pandas does) and the
 * last line break is optional. A quote inside an unquoted field is text, as in pandas. BAD_REQUEST
 * naming the line for a quoted field that is never closed or is followed by more text.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = []
  const end = text.length
  let at = text.charCodeAt(0) === BOM ? 1 : 0
  let line = 1

  const afterBreak = (i: number) => (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? i + 2 : i + 1)

  const quotedField = (fields: string[]) => {
    const opensOn = line
    let value = ''
    let from = at + 1
    for (;;) {
      const close = text.indexOf('"', from)
      if (close === -1) throw badRequest(`CSV line ${opensOn}: a quoted field starts there and is never closed (a '"' is missing)`)
      value += text.slice(from, close)
      line += lineBreaks(text, from, close)
      if (text.charCodeAt(close + 1) !== QUOTE) {
        at = close + 1
        break
      }
      value += '"'
      from = close + 2
    }
    const next = text.charCodeAt(at)
    if (at < end && next !== COMMA && next !== LF && next !== CR) {
      throw badRequest(
        `CSV line ${line}: field ${fields.length + 1} has text after its closing quote; ` + 'inside a quoted field write a quote as two quotes ("")',
      )
    }
    fields.push(value)
  }

  const plainField = (fields: string[]) => {
    let i = at
    while (i < end) {
      const c = text.charCodeAt(i)
      if (c === COMMA || c === LF || c === CR) break
      i++
    }
    fields.push(text.slice(at, i))
    at = i
  }

  while (at < end) {
    const first = text.charCodeAt(at)
    if (first === LF || first === CR) {
      at = afterBreak(at)
      line++
      continue
    }
    const record: CsvRecord = { line, fields: [] }
    for (;;) {
      if (text.charCodeAt(at) === QUOTE) quotedField(record.fields)
      else plainField(record.fields)
      if (at >= end) break
      if (text.charCodeAt(at) === COMMA) {
        at++
        continue
      }
      at = afterBreak(at)
      line++
      break
    }
    records.push(record)
  }
  return records
}

/** Line breaks (CRLF, LF or a lone CR) in text[from, to). */
function lineBreaks(text: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c === LF) n++
    else if (c === CR && text.charCodeAt(i + 1) !== LF) n++
  }
  return n
}
