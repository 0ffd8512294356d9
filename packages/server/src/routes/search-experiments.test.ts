import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { DIALECTS } from '../testing/databases.js'
import { createTestApp, type TestApp } from '../testing/test-app.js'
import { mlflow } from '../testing/http.js'

interface WireExperiment {
  experiment_id: string
  name: string
  creation_time: number
  last_update_time: number
}

for (const dialect of DIALECTS) {
  describe(`experiments/search filters and order (${dialect})`, () => {
    let t: TestApp
    let api: ReturnType<typeof mlflow>
    const created: Record<string, WireExperiment> = {}

    async function search(body: Record<string, unknown> = {}): Promise<WireExperiment[]> {
      const res = await api('POST', '/experiments/search', { max_results: 1000, ...body })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.experiments ?? []
    }
    const names = (body: Record<string, unknown> = {}) => search(body).then((list) => list.map((e) => e.name))
    const matching = (filter: string) => names({ filter }).then((n) => n.sort())

    before(async () => {
      t = await createTestApp(dialect)
      api = mlflow(t.app)
      const specs: Array<[string, Record<string, string>]> = [
        ['exp-Alpha', { team: 'NLP', tier: 'gold' }],
        ['exp-beta', { team: 'nlp' }],
        ['exp-gamma', {}],
        ['other', { team: 'vision' }],
      ]
      for (const [name, tags] of specs) {
        const tagList = Object.entries(tags).map(([key, value]) => ({ key, value }))
        const { body } = await api('POST', '/experiments/create', { name, tags: tagList })
        created[name] = (await api('GET', '/experiments/get', { experiment_id: body.experiment_id })).body.experiment
        // Distinct creation times make the time filters below meaningful.
        await sleep(3)
      }
      await api('POST', '/experiments/delete', { experiment_id: created['exp-gamma'].experiment_id })
    })
    after(() => t.dispose())

    test('no filter: active experiments, creation_time DESC, then experiment_id', async () => {
      const expected = [created.other, created['exp-beta'], created['exp-Alpha']]
      const list = await search()
      assert.deepEqual(list.slice(0, 3).map((e) => e.name), expected.map((e) => e.name))
      assert.equal(list.at(-1)!.name, 'Default')
    })

    test('name: =, !=, case-sensitive LIKE, case-insensitive ILIKE', async () => {
      assert.deepEqual(await matching("name = 'exp-beta'"), ['exp-beta'])
      assert.deepEqual(await matching("attributes.name != 'other' AND name LIKE 'exp-%'"), ['exp-Alpha', 'exp-beta'])
      assert.deepEqual(await matching("name LIKE 'exp-a%'"), [])
      assert.deepEqual(await matching("name ILIKE 'EXP-A%'"), ['exp-Alpha'])
      assert.deepEqual(await matching("name LIKE 'exp-_eta'"), ['exp-beta'])
    })

    test('creation_time and last_update_time compare as numbers', async () => {
      const alpha = created['exp-Alpha'].creation_time
      assert.deepEqual(await matching(`creation_time = ${alpha}`), ['exp-Alpha'])
      assert.deepEqual(await matching(`creation_time > ${alpha} AND name LIKE 'exp-%'`), ['exp-beta'])
      assert.deepEqual(await matching(`creation_time <= ${alpha + 0.5} AND name != 'Default'`), ['exp-Alpha'])
      assert.deepEqual(await matching(`last_update_time >= ${created.other.last_update_time}`), ['other'])
    })

    test('tags: =, !=, LIKE, ILIKE, IS NULL, IS NOT NULL', async () => {
      assert.deepEqual(await matching("tags.team = 'nlp'"), ['exp-beta'])
      assert.deepEqual(await matching("tags.team != 'nlp'"), ['exp-Alpha', 'other'])
      assert.deepEqual(await matching("tags.team LIKE 'N%'"), ['exp-Alpha'])
      assert.deepEqual(await matching("tags.team ILIKE 'n%'"), ['exp-Alpha', 'exp-beta'])
      assert.deepEqual(await matching("tag.tier IS NOT NULL"), ['exp-Alpha'])
      assert.deepEqual(await matching('tags.team IS NULL'), ['Default'])
      assert.deepEqual(await matching("tags.`team` = 'vision' AND name = 'other'"), ['other'])
    })

    test('order_by: name, experiment_id, times; either direction', async () => {
      assert.deepEqual(await names({ filter: "name LIKE 'exp-%'", order_by: ['name'] }), ['exp-Alpha', 'exp-beta'])
      assert.deepEqual(await names({ order_by: ['name DESC'], max_results: 2 }), ['other', 'exp-beta'])
      // Code-point order on both dialects: upper case sorts before lower case.
      assert.deepEqual(await names({ order_by: ['name ASC'] }), ['Default', 'exp-Alpha', 'exp-beta', 'other'])
      assert.deepEqual(await names({ order_by: ['experiment_id DESC'] }), ['other', 'exp-beta', 'exp-Alpha', 'Default'])
      assert.deepEqual(await names({ order_by: ['attributes.creation_time ASC'], filter: "name != 'Default'" }), ['exp-Alpha', 'exp-beta', 'other'])
      assert.deepEqual(await names({ order_by: ['last_update_time DESC'], max_results: 1 }), ['other'])
    })

    test('page tokens walk every experiment exactly once', async () => {
      for (const order_by of [[], ['name'], ['creation_time ASC']]) {
        const all = await names({ order_by, view_type: 'ALL' })
        const seen: string[] = []
        let page_token: string | undefined
        do {
          const res = await api('POST', '/experiments/search', { order_by, view_type: 'ALL', max_results: 2, page_token })
          seen.push(...res.body.experiments.map((e: WireExperiment) => e.name))
          page_token = res.body.next_page_token
        } while (page_token)
        assert.equal(all.length, 5)
        assert.deepEqual(seen, all)
      }
    })

    test('view_type selects active, deleted or all experiments', async () => {
      assert.deepEqual(await names({ view_type: 'DELETED_ONLY' }), ['exp-gamma'])
      assert.deepEqual(await matching("name LIKE 'exp-%'"), ['exp-Alpha', 'exp-beta'])
      assert.deepEqual((await names({ view_type: 'ALL', filter: "name LIKE 'exp-%'" })).sort(), ['exp-Alpha', 'exp-beta', 'exp-gamma'])
    })

    test('GET works too, with order_by repeated', async () => {
      const res = await api('GET', '/experiments/search', { filter: "name LIKE 'exp-%'", order_by: ['name DESC'] })
      assert.equal(res.status, 200)
      assert.deepEqual(res.body.experiments.map((e: WireExperiment) => e.name), ['exp-beta', 'exp-Alpha'])
    })

    test('malformed filters and order_by are 400 INVALID_PARAMETER_VALUE naming the token, and change nothing', async () => {
      const snapshot = () => api('POST', '/experiments/search', { view_type: 'ALL', max_results: 1000 })
      const before = await snapshot()
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ filter: "name = 'a' OR name = 'b'" }, /^Invalid clause\(s\) in filter string: 'OR'/],
        [{ filter: "name === 'a'" }, /^Invalid filter 'name === 'a'': unexpected token '===' at position 5/],
        [{ filter: 'metrics.acc > 1' }, /invalid entity type 'metrics' at position 0/],
        [{ filter: "experiment_id = '1'" }, /invalid attribute key 'experiment_id'/],
        [{ filter: "creation_time > 'yesterday'" }, /expected a number for 'creation_time', got the string 'yesterday' at position 16/],
        [{ filter: "name IN ('a')" }, /comparator 'IN' at position 5/],
        [{ order_by: ['tags.team'] }, /cannot order by tags/],
        [{ order_by: ['name UP'] }, /^Invalid order_by clause 'name UP': unexpected token 'UP' at position 5/],
      ]
      for (const [body, message] of cases) {
        const res = await api('POST', '/experiments/search', body)
        assert.equal(res.status, 400, JSON.stringify(body))
        assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE')
        assert.match(res.body.message, message)
      }
      assert.deepEqual((await snapshot()).body, before.body)
    })
  })
}
