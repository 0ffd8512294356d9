import { InvalidParameterError } from '@railyard/api'
import type { RegistryComparison, RegistryOrder } from '../store/registry-search.js'

/**
 * A small parser for the registry's search filters and order_by clauses, covering MLflow's forms
 * for registered models (`name`, `tags.<k>`) and model versions (`name`, `run_id`, `source_path`,
 * `version_number`, `tags.<k>`), joined by AND. It yields the same shapes as the shared parser in
 * search/, which replaces it once that lands.
 */

export type RegistryEntity = 'registered_model' | 'model_version'

interface KeyRule {
  key: string
  ops: string[]
  number?: boolean
}

const TEXT = ['=', '!=', 'LIKE', 'ILIKE']
const ATTRIBUTES: Record<RegistryEntity, Record<string, KeyRule>> = {
  registered_model: { name: { key: 'name', ops: TEXT } },
  model_version: {
    name: { key: 'name', ops: TEXT },
    run_id: { key: 'run_id', ops: ['=', '!=', 'IN', 'NOT IN'] },
    source_path: { key: 'source_path', ops: TEXT },
    version_number: { key: 'version_number', ops: ['=', '!=', '<', '<=', '>', '>='], number: true },
  },
}
const SORT_KEYS: Record<RegistryEntity, Record<string, string>> = {
  registered_model: { name: 'name', creation_timestamp: 'creation_timestamp', timestamp: 'creation_timestamp', last_updated_timestamp: 'last_updated_timestamp' },
  model_version: {
    name: 'name',
    version_number: 'version_number',
    creation_timestamp: 'creation_timestamp',
    timestamp: 'creation_timestamp',
    last_updated_timestamp: 'last_updated_timestamp',
  },
}

const TOKEN =
  /\s*(?:(?<str>'(?:[^']|'')*'|"(?:[^"]|"")*")|(?<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w.])|(?<op>!=|<=|>=|=|<|>|\(|\)|,)|(?<id>(?:[A-Za-z_][\w]*\.)?(?:`[^`]+`|[A-Za-z_][\w.]*)))/y

interface Token {
  kind: 'str' | 'num' | 'op' | 'id' | 'end'
  text: string
  pos: number
}

function tokenize(source: string): Token[] {
  const out: Token[] = []
  TOKEN.lastIndex = 0
  let pos = 0
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break
    TOKEN.lastIndex = pos
    const m = TOKEN.exec(source)
    if (!m || !m.groups) throw bad(`unexpected character at position ${pos}: '${source.slice(pos, pos + 10)}'`)
    const kind = (['str', 'num', 'op', 'id'] as const).find((k) => m.groups![k] !== undefined)!
    out.push({ kind, text: m.groups[kind], pos: m.index + m[0].length - m.groups[kind].length })
    pos = TOKEN.lastIndex
  }
  out.push({ kind: 'end', text: '', pos: source.length })
  return out
}

function bad(detail: string): InvalidParameterError {
  return new InvalidParameterError(`Invalid filter: ${detail}`)
}

function unquote(text: string): string {
  const q = text[0]
  return text.slice(1, -1).split(q + q).join(q)
}

/** Parses a filter into comparisons that must all hold; blank means none. */
export function parseRegistryFilter(source: string | undefined, entity: RegistryEntity): RegistryComparison[] {
  if (source === undefined || source.trim() === '') return []
  const tokens = tokenize(source)
  let i = 0
  const next = () => tokens[i++]
  const out: RegistryComparison[] = []
  for (;;) {
    const id = next()
    if (id.kind !== 'id') throw bad(`expected an identifier at position ${id.pos}, got '${id.text}'`)
    const { type, key, rule } = identifier(id, entity)
    let op = next()
    let comparator = op.text.toUpperCase()
    if (op.kind === 'id' && comparator === 'NOT') {
      op = next()
      if (op.text.toUpperCase() !== 'IN') throw bad(`expected IN after NOT at position ${op.pos}`)
      comparator = 'NOT IN'
    }
    if (!rule.ops.includes(comparator)) {
      throw bad(`comparator '${op.text || 'end of filter'}' at position ${op.pos} cannot be used with '${id.text}'; use one of ${rule.ops.join(', ')}`)
    }
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (next().text !== '(') throw bad(`expected '(' after ${comparator}`)
      const values: string[] = []
      for (;;) {
        const v = next()
        if (v.kind !== 'str') throw bad(`expected a quoted string at position ${v.pos}`)
        values.push(unquote(v.text))
        const sep = next()
        if (sep.text === ')') break
        if (sep.text !== ',') throw bad(`expected ',' or ')' at position ${sep.pos}`)
      }
      out.push({ type, key, comparator, value: { kind: 'list', values } })
    } else {
      const v = next()
      if (rule.number) {
        if (v.kind !== 'num') throw bad(`expected a number for '${id.text}' at position ${v.pos}`)
        out.push({ type, key, comparator, value: { kind: 'number', value: Number(v.text) } })
      } else {
        if (v.kind !== 'str') throw bad(`expected a quoted string for '${id.text}' at position ${v.pos}`)
        out.push({ type, key, comparator, value: { kind: 'string', value: unquote(v.text) } })
      }
    }
    const joiner = next()
    if (joiner.kind === 'end') return out
    if (joiner.text.toUpperCase() === 'OR') throw new InvalidParameterError(`Invalid clause(s) in filter string: 'OR'`)
    if (joiner.text.toUpperCase() !== 'AND') throw bad(`expected AND at position ${joiner.pos}, got '${joiner.text}'`)
  }
}

function identifier(token: Token, entity: RegistryEntity): { type: 'attribute' | 'tag'; key: string; rule: KeyRule } {
  const m = /^(?:([A-Za-z_]\w*)\.)?(.+)$/.exec(token.text)!
  const prefix = m[1]?.toLowerCase()
  const rawKey = m[2].startsWith('`') ? m[2].slice(1, -1) : m[2]
  if (prefix === 'tags' || prefix === 'tag') {
    return { type: 'tag', key: rawKey, rule: { key: rawKey, ops: TEXT } }
  }
  if (prefix === undefined || prefix === 'attributes' || prefix === 'attribute' || prefix === 'attr') {
    const rule = ATTRIBUTES[entity][rawKey]
    if (rule) return { type: 'attribute', key: rule.key, rule }
    throw bad(`invalid attribute key '${rawKey}' at position ${token.pos}; valid keys are ${Object.keys(ATTRIBUTES[entity]).join(', ')}`)
  }
  throw bad(`invalid entity type '${m[1]}' at position ${token.pos}; valid types are attributes, tags`)
}

/** Parses order_by clauses (`name ASC`, `version_number DESC`), most significant first. */
export function parseRegistryOrderBy(clauses: readonly string[] | undefined, entity: RegistryEntity): RegistryOrder[] {
  const out: RegistryOrder[] = []
  for (const clause of clauses ?? []) {
    if (clause.trim() === '') continue
    const m = /^\s*(?:(?:attributes|attribute|attr)\.)?(\w+)\s*(?:\s(ASC|DESC))?\s*$/i.exec(clause)
    const key = m ? SORT_KEYS[entity][m[1]] : undefined
    if (!m || !key) {
      throw new InvalidParameterError(
        `Invalid order_by clause '${clause}'. Only ${Object.keys(SORT_KEYS[entity]).join(', ')} (with ASC or DESC) are allowed.`,
      )
    }
    if (out.some((o) => o.key === key)) throw new InvalidParameterError(`\`order_by\` contains duplicate fields: ${JSON.stringify(clauses)}`)
    out.push({ type: 'attribute', key, ascending: (m[2] ?? 'ASC').toUpperCase() === 'ASC' })
  }
  return out
}
