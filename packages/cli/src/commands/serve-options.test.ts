import { test } from 'node:test'
import assert from 'node:assert/strict'
import { closedPort, runCli } from '../testing/cli.js'

test('serve --poll-interval below 100ms is wrong usage (a tight loop against the tracking server), before anything starts', async () => {
  const env = { RAILYARD_TRACKING_URI: `http://127.0.0.1:${await closedPort()}` }
  for (const interval of ['0s', '1ms', '99ms']) {
    const r = await runCli(['serve', '--model', 'models:/toy@production', '--poll-interval', interval, '--port', '0'], { env })
    assert.equal(r.code, 2, `${interval}: ${r.stderr}`)
    assert.match(r.stderr, /--poll-interval.*must be at least 100ms/)
  }
})
