import { searchSyntaxError, type SearchInput } from './syntax-error.js'

/**
 * - `word`: a bare name or keyword (`AND`, `start_time`)
 * - `dotted`: `<prefix>.<key>`, with the key bare (`metrics.acc`, `tags.mlflow.runName`) or quoted
 *   (``metrics.`f1 score` ``, `params."batch size"`)
 * - `string`: a value in single or double quotes (double quotes also name identifiers, as in MLflow)
 * - `backtick`: a name in backticks (``` `Run name` ```)
 */
export type TokenKind = 'word' | 'dotted' | 'string' | 'backtick' | 'number' | 'operator' | '(' | ')' | ',' | 'end'

export interface Token {
  kind: TokenKind
  /** The token as written. */
  text: string
  /** 0-based offset of the token in the input. */
  pos: number
  /** The unquoted text (strings, backticks), the key (dotted), the number's digits, else `text`. */
  value: string
  /** `dotted` only: the part before the first dot, e.g. `metrics`. */
  prefix?: string
  /** `string` only: the quote character used. */
  quote?: "'" | '"'
}

const WORD_START = /[\p{L}_]/u
const WORD_CHAR = /[\p{L}\p{N}_]/u
// MLflow allows `/ - . : space` in metric, param and tag names; all but the space may go unquoted.
const BARE_KEY_CHAR = /[\p{L}\p{N}_./:-]/u
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const OPERATOR_CHARS = /[<>=!]+/y

/** Splits a filter or order_by clause into tokens; the list always ends with an `end` token. */
export function tokenize(source: string, input: SearchInput): Token[] {
  const tokens: Token[] = []
  let i = 0
  const fail = (detail: string) => {
    throw searchSyntaxError(input, source, detail)
  }

  /** Reads a quoted run starting at `start` (on the quote); returns its content and the index after it. */
  const readQuoted = (start: number, what: string): [content: string, end: number] => {
    const quote = source[start]
    let content = ''
    let j = start + 1
    for (;;) {
      if (j >= source.length) fail(`unterminated ${what} starting at position ${start}`)
      const ch = source[j]
      // A doubled quote or a backslash-escaped one stands for the quote itself (SQL and sqlparse agree).
      if (ch === quote && source[j + 1] === quote) {
        content += quote
        j += 2
      } else if (ch === '\\' && (source[j + 1] === quote || source[j + 1] === '\\') && quote !== '`') {
        content += source[j + 1]
        j += 2
      } else if (ch === quote) {
        return [content, j + 1]
      } else {
        content += ch
        j++
      }
    }
  }

  while (i < source.length) {
    const ch = source[i]
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const start = i
    if (ch === "'" || ch === '"') {
      const [value, end] = readQuoted(i, 'string')
      tokens.push({ kind: 'string', text: source.slice(start, end), pos: start, value, quote: ch })
      i = end
    } else if (ch === '`') {
      const [value, end] = readQuoted(i, 'quoted name')
      tokens.push({ kind: 'backtick', text: source.slice(start, end), pos: start, value })
      i = end
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, text: ch, pos: start, value: ch })
      i++
    } else if (WORD_START.test(ch)) {
      let j = i + 1
      while (j < source.length && WORD_CHAR.test(source[j])) j++
      const word = source.slice(i, j)
      if (source[j] !== '.') {
        tokens.push({ kind: 'word', text: word, pos: start, value: word })
        i = j
        continue
      }
      const keyStart = j + 1
      let key: string
      let end: number
      const next = source[keyStart]
      if (next === '`' || next === '"' || next === "'") {
        ;[key, end] = readQuoted(keyStart, 'quoted name')
      } else {
        end = keyStart
        while (end < source.length && BARE_KEY_CHAR.test(source[end])) end++
        key = source.slice(keyStart, end)
      }
      if (key === '') fail(`missing key after '${word}.' at position ${keyStart}`)
      tokens.push({ kind: 'dotted', text: source.slice(start, end), pos: start, value: key, prefix: word })
      i = end
    } else if (/[\d.+-]/.test(ch) && matchAt(NUMBER, source, i)) {
      const text = matchAt(NUMBER, source, i)!
      const end = i + text.length
      // `1abc` or `1.2.3` is no number; report the whole run rather than a confusing split.
      if (end < source.length && /[\p{L}\p{N}_.]/u.test(source[end])) {
        let j = end
        while (j < source.length && /[\p{L}\p{N}_.]/u.test(source[j])) j++
        fail(`unexpected token '${source.slice(start, j)}' at position ${start}`)
      }
      tokens.push({ kind: 'number', text, pos: start, value: text })
      i = end
    } else if (matchAt(OPERATOR_CHARS, source, i)) {
      const text = matchAt(OPERATOR_CHARS, source, i)!
      tokens.push({ kind: 'operator', text, pos: start, value: text })
      i += text.length
    } else {
      fail(`unexpected character '${ch}' at position ${start}`)
    }
  }
  tokens.push({ kind: 'end', text: '', pos: source.length, value: '' })
  return tokens
}

function matchAt(re: RegExp, source: string, at: number): string | undefined {
  re.lastIndex = at
  return re.exec(source)?.[0]
}
