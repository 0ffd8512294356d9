import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cdEndpoints, datasetEndpoints, railyardRegistry, registry, runLogEndpoints, tracking, type Endpoint } from '@railyard/api'
import { cdRoutes, datasetRoutes, railyardRegistryRoutes, registryRoutes, runLogRoutes, trackingRoutes, type Route } from '../src/api/routes.js'

// The UI keeps its own copy of the endpoints it calls (the contract's tables would put typebox in
// the page); this is what keeps the copy honest.
const PAIRS: Array<[string, Record<string, Route>, Record<string, Endpoint>]> = [
  ['tracking', trackingRoutes, tracking],
  ['registry', registryRoutes, registry],
  ['railyard registry', railyardRegistryRoutes, railyardRegistry],
  ['continuous delivery', cdRoutes, cdEndpoints],
  ['datasets', datasetRoutes, datasetEndpoints],
  ['run logs', runLogRoutes, runLogEndpoints],
]

test("every endpoint the UI calls has the contract's method and path", () => {
  for (const [table, mine, contract] of PAIRS) {
    for (const [name, route] of Object.entries(mine)) {
      const endpoint = contract[name]
      assert.ok(endpoint, `${table}.${name} is not in @railyard/api`)
      assert.deepEqual({ method: route.method, path: route.path }, { method: endpoint.method, path: endpoint.path }, `${table}.${name}`)
    }
  }
})

test('the UI has every tracking endpoint, so the SDK clients it reuses can call any of them', () => {
  assert.deepEqual(Object.keys(trackingRoutes).sort(), Object.keys(tracking).sort())
})
