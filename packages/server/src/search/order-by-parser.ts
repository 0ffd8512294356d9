import { InvalidParameterError } from '@railyard/api'
import type { OrderClause } from './ast.js'
import { TokenCursor, isIdentifierToken, isKeyword } from './cursor.js'
import { resolveIdentifier, type IdentifierPolicy } from './policy.js'

/**
 * Parses MLflow order_by clauses (`metrics.acc DESC`, `attributes.start_time`, `name ASC`), most
 * significant first. Blank clauses are skipped; a key named twice is an error, as in MLflow.
 * Throws InvalidParameterError naming the clause, the offending token and its position.
 */
export function parseOrderBy(clauses: readonly string[] | undefined, policy: IdentifierPolicy): OrderClause[] {
  const parsed: OrderClause[] = []
  const seen = new Set<string>()
  for (const clause of clauses ?? []) {
    if (clause.trim() === '') continue
    const order = parseOrderClause(clause, policy)
    const id = `${order.type}\u0000${order.key}`
    if (seen.has(id)) {
      throw new InvalidParameterError(`\`order_by\` contains duplicate fields: ${JSON.stringify(clauses)}`)
    }
    seen.add(id)
    parsed.push(order)
  }
  return parsed
}

function parseOrderClause(clause: string, policy: IdentifierPolicy): OrderClause {
  const cursor = new TokenCursor(clause, 'order_by clause')
  const idToken = cursor.next()
  if (!isIdentifierToken(idToken)) cursor.unexpected(idToken, 'a sort key such as metrics.<key> or start_time')
  const id = resolveIdentifier(idToken, policy, 'order_by', (detail) => cursor.fail(detail))
  let ascending = true
  const direction = cursor.next()
  if (isKeyword(direction, 'DESC')) ascending = false
  else if (!isKeyword(direction, 'ASC') && direction.kind !== 'end') cursor.unexpected(direction, 'ASC or DESC')
  if (direction.kind !== 'end') {
    const extra = cursor.next()
    if (extra.kind !== 'end') cursor.unexpected(extra, 'the end of the clause')
  }
  return { type: id.type, key: id.key, ascending }
}
