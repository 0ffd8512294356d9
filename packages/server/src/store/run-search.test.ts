import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import assert from 'node:assert/strict'
import { DIALECTS, createTestDatabase, type TestDatabase } from '../testing/databases.js'
import { Store } from './store.js'
import { chooseLead } from './run-search-lead.js'
import { parseFilter } from '../search/filter-parser.js'
import { parseOrderBy } from '../search/order-by-parser.js'
import { RUN_SEARCH } from '../search/policies.js'
import type { Comparison, OrderClause } from '../search/ast.js'

/**
 * Differential test: every search over a seeded data set (ties, NaN, ±Infinity, missing keys,
 * mixed case, deleted runs, a big and a small experiment) must return exactly the page a plain
 * in-memory model of MLflow's semantics returns, whichever way the SQL starts (see chooseLead).
 */

interface SeedRun {
  run_uuid: string
  experiment: 'big' | 'small'
  name: string
  status: string
  start_time: number
  end_time: number | null
  lifecycle_stage: string
  metrics: Record<string, number>
  params: Record<string, string>
  tags: Record<string, string>
}

function seed(): SeedRun[] {
  let state = 7
  const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]
  return Array.from({ length: 1300 }, (_, i) => {
    const metrics: Record<string, number> = { loss: i % 29 === 0 ? Infinity : i % 31 === 0 ? -Infinity : rand() }
    if (i % 11 !== 0) metrics.acc = i % 13 === 0 ? NaN : Math.round(rand() * 50) / 50
    const params: Record<string, string> = {}
    if (i % 9 !== 0) params.lr = pick(['0.1', '0.03', '0.01', '0.003', '0.001'])
    if (i % 5 !== 0) params.opt = pick(['adam', 'Adam', 'sgd'])
    const tags: Record<string, string> = {}
    if (i % 4 !== 1) tags.team = pick(['nlp', 'NLP', 'vision'])
    return {
      // Ids whose order has nothing to do with start order.
      run_uuid: ((i * 2654435761) % 2 ** 32).toString(16).padStart(8, '0') + String(i).padStart(24, '0'),
      experiment: i < 1200 ? 'big' : 'small',
      name: `${i % 7 === 0 ? 'Run' : 'run'}-${i % 50}`,
      status: ['RUNNING', 'FINISHED', 'FAILED'][i % 3],
      start_time: 1000 + Math.floor(i / 3),
      end_time: i % 4 === 0 ? null : 1000 + i,
      lifecycle_stage: i % 17 === 0 ? 'deleted' : 'active',
      metrics,
      params,
      tags,
    }
  })
}

// ---- the in-memory model ----

const likeRegex = (pattern: string, flags = '') =>
  new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, flags + 's')

function matches(run: SeedRun, c: Comparison): boolean {
  const v = c.value
  if (c.type === 'metric') {
    const x = run.metrics[c.key]
    if (x === undefined || v.kind !== 'number') return false
    // IEEE: NaN differs from every number and equals, exceeds and trails none.
    if (Number.isNaN(x)) return c.comparator === '!='
    return compare(x, c.comparator, v.value)
  }
  if (c.type === 'param' || c.type === 'tag') {
    const x = (c.type === 'param' ? run.params : run.tags)[c.key]
    if (c.comparator === 'IS NULL') return x === undefined
    if (c.comparator === 'IS NOT NULL') return x !== undefined
    return x !== undefined && compareText(x, c, v)
  }
  const x = { run_id: run.run_uuid, run_name: run.name, status: run.status, start_time: run.start_time, end_time: run.end_time }[c.key]
  if (x === null || x === undefined) return false
  return typeof x === 'number' && v.kind === 'number' ? compare(x, c.comparator, v.value) : compareText(String(x), c, v)
}

function compare(x: number, op: string, y: number): boolean {
  return op === '=' ? x === y : op === '!=' ? x !== y : op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y
}

function compareText(x: string, c: Comparison, v: Comparison['value']): boolean {
  if (v.kind === 'list') return c.comparator === 'IN' ? v.values.includes(x) : !v.values.includes(x)
  const y = v.kind === 'string' ? v.value : ''
  if (c.comparator === 'LIKE') return likeRegex(y).test(x)
  if (c.comparator === 'ILIKE') return likeRegex(y, 'i').test(x)
  return c.comparator === '=' ? x === y : x !== y
}

/** [group, value] per order clause: present values first, then NaN, then missing, in either direction. */
function sortKey(run: SeedRun, o: OrderClause): [number, number | string] {
  if (o.type === 'metric') {
    const x = run.metrics[o.key]
    return x === undefined ? [2, 0] : Number.isNaN(x) ? [1, 0] : [0, x]
  }
  if (o.type === 'param' || o.type === 'tag') {
    const x = (o.type === 'param' ? run.params : run.tags)[o.key]
    return x === undefined ? [1, ''] : [0, x]
  }
  const x = { run_id: run.run_uuid, run_name: run.name, status: run.status, start_time: run.start_time, end_time: run.end_time }[o.key]
  return x === null || x === undefined ? [1, 0] : [0, x]
}

function expected(runs: SeedRun[], filter: Comparison[], order: OrderClause[], experiments: string[], view: string): SeedRun[] {
  const clauses = [...order]
  if (!order.some((o) => o.type === 'attribute' && o.key === 'start_time')) clauses.push({ type: 'attribute', key: 'start_time', ascending: false })
  clauses.push({ type: 'attribute', key: 'run_id', ascending: true })
  return runs
    .filter((r) => experiments.includes(r.experiment))
    .filter((r) => view === 'ALL' || (view === 'DELETED_ONLY') === (r.lifecycle_stage === 'deleted'))
    .filter((r) => filter.every((c) => matches(r, c)))
    .sort((a, b) => {
      for (const o of clauses) {
        const [ga, va] = sortKey(a, o)
        const [gb, vb] = sortKey(b, o)
        if (ga !== gb) return ga - gb
        if (va !== vb) return (va < vb ? -1 : 1) * (o.ascending ? 1 : -1)
      }
      return 0
    })
}

// ---- the cases ----

const FILTERS = [
  '',
  'metrics.acc > 0.5',
  "metrics.acc > 0.5 AND params.opt = 'adam'",
  'metrics.acc >= 0.98',
  "metrics.acc < 0.3 AND params.lr = '0.001'",
  'metrics.acc != 0.5 AND metrics.loss <= 0.5',
  'metrics.loss > 1e308',
  "params.opt LIKE 'a%' AND tags.team ILIKE 'nlp'",
  "tags.team IS NULL AND params.lr != '0.1'",
  "status = 'FAILED' AND end_time > 1100",
  "run_name LIKE 'Run-1%'",
]
const ORDERS = [[], ['metrics.acc DESC'], ['metrics.acc'], ['params.lr DESC', 'metrics.loss'], ['tags.team', 'end_time DESC'], ['start_time ASC'], ['metrics.loss DESC', 'params.opt']]

for (const dialect of DIALECTS) {
  describe(`run search against an in-memory model (${dialect})`, () => {
    let database: TestDatabase
    let store: Store
    const runs = seed()
    const experimentIds: Record<string, number> = {}

    before(async () => {
      database = await createTestDatabase(dialect)
      store = await Store.open(database.uri)
      for (const name of ['big', 'small'] as const) {
        experimentIds[name] = Number(await store.experiments.create({ name, artifactLocation: () => 'x', tags: [], now: 1 }))
      }
      await store.db.transaction().execute(async (tx) => {
        for (let i = 0; i < runs.length; i += 200) {
          const chunk = runs.slice(i, i + 200)
          await tx
            .insertInto('runs')
            .values(chunk.map((r) => ({
              run_uuid: r.run_uuid, name: r.name, experiment_id: experimentIds[r.experiment], user_id: 'u', status: r.status,
              start_time: r.start_time, end_time: r.end_time, lifecycle_stage: r.lifecycle_stage, artifact_uri: 'x', deleted_time: null,
            })))
            .execute()
          const pairs = (pick: (r: SeedRun) => Record<string, string>) =>
            chunk.flatMap((r) => Object.entries(pick(r)).map(([key, value]) => ({ run_uuid: r.run_uuid, key, value })))
          await tx.insertInto('params').values(pairs((r) => r.params)).execute()
          await tx.insertInto('tags').values(pairs((r) => r.tags)).execute()
          await tx
            .insertInto('latest_metrics')
            .values(chunk.flatMap((r) => Object.entries(r.metrics).map(([key, value]) => ({
              run_uuid: r.run_uuid, key, value: Number.isNaN(value) ? 0 : value, timestamp: 0, step: 0, is_nan: Number.isNaN(value) ? 1 : 0,
            }))))
            .execute()
        }
      })
      // As autovacuum would shortly after a bulk load; without statistics PostgreSQL guesses
      // one row per table and nests loops that are quadratic at this size.
      if (dialect === 'postgres') await sql`analyze`.execute(store.db)
    })
    after(async () => {
      await store.close()
      await database.drop()
    })

    async function check(filter: string, orderBy: string[], experiments: Array<'big' | 'small'>, view = 'ACTIVE_ONLY') {
      const all = expected(runs, parseFilter(filter, RUN_SEARCH), parseOrderBy(orderBy, RUN_SEARCH), experiments, view).map((r) => r.run_uuid)
      const limit = 11
      for (const offset of [...new Set([0, 400, Math.max(0, all.length - 5)])]) {
        const rows = await store.searchRuns({
          experimentIds: experiments.map((e) => experimentIds[e]),
          filter,
          orderBy,
          viewType: view as 'ACTIVE_ONLY',
          offset,
          limit,
        })
        const context = `filter=${filter} order_by=${orderBy} experiments=${experiments} offset=${offset}`
        assert.deepEqual(rows.map((r) => r.run_uuid), all.slice(offset, offset + limit), context)
      }
    }

    test('every filter with every order, at the first page, a middle page and the last', async () => {
      for (const filter of FILTERS) for (const orderBy of ORDERS) await check(filter, orderBy, ['big'])
    })

    test('a small experiment next to a big one, and both at once', async () => {
      for (const filter of FILTERS.slice(0, 4)) {
        for (const orderBy of ORDERS.slice(0, 3)) {
          await check(filter, orderBy, ['small'])
          await check(filter, orderBy, ['big', 'small'])
        }
      }
    })

    test('deleted and all runs', async () => {
      await check('metrics.acc > 0.2', ['metrics.acc DESC'], ['big'], 'DELETED_ONLY')
      await check('', ['params.opt'], ['big', 'small'], 'ALL')
    })

    test('run ids pinned by IN', async () => {
      const ids = runs.filter((_, i) => i % 97 === 3).map((r) => `'${r.run_uuid}'`)
      await check(`run_id IN (${ids.join(', ')})`, ['metrics.acc DESC'], ['big', 'small'])
      await check(`attributes.run_id NOT IN (${ids.join(', ')}) AND metrics.acc > 0.9`, [], ['big'])
    })

    test('SQLite starts where it is cheapest; PostgreSQL leaves that to its planner', async () => {
      const lead = (filter: string, orderBy: string[], experiment: 'big' | 'small') =>
        chooseLead(store.db, dialect, [experimentIds[experiment]], parseFilter(filter, RUN_SEARCH), parseOrderBy(orderBy, RUN_SEARCH)[0], 11).then(
          (l) => (l.kind === 'filter' ? `filter ${l.comparison.key}` : l.kind),
        )
      if (dialect === 'postgres') {
        assert.equal(await lead('metrics.acc > 0.5', ['metrics.loss'], 'big'), 'runs')
        return
      }
      // Most runs match: walk the sort key's index and stop when the page is full.
      assert.equal(await lead("metrics.acc > 0.1 AND params.opt = 'adam'", ['metrics.loss'], 'big'), 'sort')
      // Few runs match: start from them.
      assert.equal(await lead("metrics.acc >= 0.98 AND params.opt = 'adam'", ['metrics.loss'], 'big'), 'filter acc')
      // A small experiment: its own runs are fewer than any index walk.
      assert.equal(await lead('metrics.acc > 0.1', ['metrics.loss'], 'small'), 'runs')
      assert.equal(await lead('', [], 'big'), 'runs')
    })
  })
}
