import { InvalidParameterError } from '@railyard/api'
import type { Comparator, Comparison, FilterValue } from './ast.js'
import { TokenCursor, isIdentifierToken, isKeyword, show } from './cursor.js'
import { resolveIdentifier, type IdentifierPolicy, type ResolvedIdentifier } from './policy.js'
import type { Token } from './tokenizer.js'

const OPERATORS: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>='])
const EXPECTED_COMPARATOR = 'a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL)'

/**
 * Parses an MLflow filter string, e.g. `metrics.acc > 0.9 AND params.lr = '0.1'`, into the
 * comparisons that must all hold. An empty or blank filter has none.
 * Throws InvalidParameterError naming the offending token and its 0-based position.
 */
export function parseFilter(source: string | undefined, policy: IdentifierPolicy): Comparison[] {
  if (source === undefined || source.trim() === '') return []
  const cursor = new TokenCursor(source, 'filter')
  const comparisons: Comparison[] = []
  for (;;) {
    comparisons.push(parseComparison(cursor, policy))
    const token = cursor.next()
    if (token.kind === 'end') return comparisons
    if (isKeyword(token, 'OR')) {
      // MLflow's own wording, so clients that match on it keep working.
      throw new InvalidParameterError(
        `Invalid clause(s) in filter string: '${token.text}' (at position ${token.pos}; comparisons can only be joined with AND)`,
      )
    }
    if (!isKeyword(token, 'AND')) cursor.unexpected(token, 'AND or the end of the filter')
  }
}

function parseComparison(cursor: TokenCursor, policy: IdentifierPolicy): Comparison {
  const idToken = cursor.next()
  if (!isIdentifierToken(idToken)) cursor.unexpected(idToken, 'an identifier such as metrics.<key> or params.<key>')
  const id = resolveIdentifier(idToken, policy, 'filter', (detail) => cursor.fail(detail))
  const [comparator, comparatorToken] = parseComparator(cursor)
  const rule = id.rule!
  if (!rule.comparators.includes(comparator)) {
    cursor.fail(
      `comparator '${comparator}' at position ${comparatorToken.pos} cannot be used with '${idToken.text}'; ` +
        `use one of ${rule.comparators.join(', ')}`,
    )
  }
  const value = parseValue(cursor, comparator, id, idToken)
  return { type: id.type, key: id.key, comparator, value }
}

function parseComparator(cursor: TokenCursor): [Comparator, Token] {
  const token = cursor.next()
  if (token.kind === 'operator' && OPERATORS.has(token.text)) return [token.text as Comparator, token]
  if (isKeyword(token, 'LIKE') || isKeyword(token, 'ILIKE') || isKeyword(token, 'IN')) {
    return [token.value.toUpperCase() as Comparator, token]
  }
  if (isKeyword(token, 'NOT')) {
    const after = cursor.next()
    if (!isKeyword(after, 'IN')) cursor.unexpected(after, "IN after 'NOT'")
    return ['NOT IN', token]
  }
  if (isKeyword(token, 'IS')) {
    let after = cursor.next()
    const negated = isKeyword(after, 'NOT')
    if (negated) after = cursor.next()
    if (!isKeyword(after, 'NULL')) cursor.unexpected(after, negated ? "NULL after 'IS NOT'" : "NULL or NOT NULL after 'IS'")
    return [negated ? 'IS NOT NULL' : 'IS NULL', token]
  }
  return cursor.unexpected(token, EXPECTED_COMPARATOR)
}

function parseValue(cursor: TokenCursor, comparator: Comparator, id: ResolvedIdentifier, idToken: Token): FilterValue {
  if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return { kind: 'none' }
  if (comparator === 'IN' || comparator === 'NOT IN') return parseList(cursor)
  const token = cursor.next()
  const wantsNumber = id.rule!.value === 'number'
  if (token.kind === 'number') {
    if (!wantsNumber) {
      cursor.fail(`expected a quoted string for '${idToken.text}' (e.g. '${token.text}'), got the number ${token.text} at position ${token.pos}`)
    }
    return { kind: 'number', value: Number(token.value) }
  }
  if (token.kind === 'string') {
    if (wantsNumber) cursor.fail(`expected a number for '${idToken.text}', got the string ${show(token)} at position ${token.pos}`)
    return { kind: 'string', value: token.value }
  }
  return cursor.unexpected(token, wantsNumber ? 'a number' : 'a quoted string')
}

function parseList(cursor: TokenCursor): FilterValue {
  const open = cursor.next()
  if (open.kind !== '(') cursor.unexpected(open, "a list of quoted strings such as ('a', 'b')")
  const values: string[] = []
  for (;;) {
    const item = cursor.next()
    if (item.kind !== 'string') {
      if (item.kind === ')' && values.length === 0) cursor.fail(`empty list at position ${open.pos}; a list needs at least one quoted string`)
      cursor.unexpected(item, 'a quoted string')
    }
    values.push(item.value)
    const sep = cursor.next()
    if (sep.kind === ')') return { kind: 'list', values }
    if (sep.kind !== ',') cursor.unexpected(sep, "',' or ')'")
  }
}
