import type { Comparator, EntityType, Identifier } from './ast.js'
import type { Token } from './tokenizer.js'

/** How one key may be compared: which comparators, and whether its value is a number or a string. */
export interface KeyRule {
  comparators: readonly Comparator[]
  value: 'number' | 'string'
}

/** One key of a fixed set (attributes, dataset fields). */
export interface FixedKey {
  /** The key compilers see; an alias names its target here (`created` → `start_time`). */
  name: string
  /** How filters may compare it; absent when it can only be sorted on. */
  filter?: KeyRule
  /** Whether order_by may name it. */
  sortable?: boolean
}

/** One identifier type of a search: how it is written and which keys it takes. */
export interface TypeRule {
  /** Prefixes that introduce it, the canonical one first: `['metrics', 'metric']`. Matched case-insensitively. */
  prefixes: readonly string[]
  /** Any key, one rule for all (metrics, params, tags). */
  anyKey?: KeyRule & { sortable?: boolean }
  /** Or a fixed set of keys, spelled as users write them (aliases included). */
  keys?: Readonly<Record<string, FixedKey>>
}

/**
 * Which identifiers one search understands (runs, experiments, registered models, model
 * versions): the parser is shared, the policy says what each entity allows.
 */
export interface IdentifierPolicy {
  types: Partial<Record<EntityType, TypeRule>>
  /** The type of an identifier written without a prefix; MLflow reads those as attributes. */
  bare?: EntityType
}

export interface ResolvedIdentifier extends Identifier {
  /** How it may be compared; undefined for sort-only keys. */
  rule?: KeyRule
  sortable: boolean
}

/**
 * Resolves an identifier token (`metrics.acc`, `start_time`, `` `Run name` ``) against a policy,
 * for use in a filter or in order_by. Calls `fail` with a message naming the token and its
 * position when the type or key is unknown or not usable for that purpose.
 */
export function resolveIdentifier(
  token: Token,
  policy: IdentifierPolicy,
  purpose: 'filter' | 'order_by',
  fail: (detail: string) => never,
): ResolvedIdentifier {
  let type: EntityType | undefined
  let key: string
  let keyPos = token.pos
  if (token.kind === 'dotted') {
    const prefix = token.prefix!.toLowerCase()
    type = (Object.keys(policy.types) as EntityType[]).find((t) => policy.types[t]!.prefixes.includes(prefix))
    if (!type) {
      return fail(`invalid entity type '${token.prefix}' at position ${token.pos}; valid types are ${validPrefixes(policy)}`)
    }
    key = token.value
    keyPos = token.pos + token.prefix!.length + 1
  } else {
    type = policy.bare
    key = token.value
    if (!type) {
      return fail(`'${token.value}' at position ${token.pos} needs a type prefix; valid types are ${validPrefixes(policy)}`)
    }
  }
  const rule = policy.types[type]!
  const typeName = rule.prefixes[0]
  if (rule.anyKey) {
    const { sortable = false, ...keyRule } = rule.anyKey
    if (purpose === 'order_by' && !sortable) {
      return fail(`cannot order by ${typeName} ('${token.text}' at position ${token.pos})`)
    }
    return { type, key, rule: keyRule, sortable }
  }
  const fixed = rule.keys ?? {}
  const usable = (k: FixedKey) => (purpose === 'filter' ? k.filter !== undefined : k.sortable === true)
  const entry = Object.hasOwn(fixed, key) ? fixed[key] : undefined
  if (!entry || !usable(entry)) {
    const valid = Object.keys(fixed).filter((k) => usable(fixed[k]))
    const singular = typeName.replace(/s$/, '')
    const detail = valid.length
      ? `valid keys are ${valid.join(', ')}`
      : `${typeName} cannot be used in ${purpose === 'filter' ? 'a filter' : 'order_by'}`
    return fail(`invalid ${singular} key '${key}' at position ${keyPos}; ${detail}`)
  }
  return { type, key: entry.name, rule: entry.filter, sortable: entry.sortable === true }
}

function validPrefixes(policy: IdentifierPolicy): string {
  return Object.values(policy.types)
    .map((t) => t.prefixes[0])
    .join(', ')
}
