// Child side of app-process.ts: a test app on SQLite, listening on a free port until told to stop.
import { createTestApp } from './test-app.js'

const t = await createTestApp('sqlite')
const url = await t.app.listen({ host: '127.0.0.1', port: 0 })
let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await t.dispose()
  process.exit(0)
}
process.on('message', (message) => message === 'stop' && void stop())
// The parent went away without saying stop (a crashed test): clean up anyway.
process.on('disconnect', () => void stop())
process.send!({ url, artifactsDir: t.artifactsDir })
