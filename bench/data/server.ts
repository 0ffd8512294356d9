// The server under test, in its own process so its RSS is its own.
// Usage: node --import tsx bench/data/server.ts <backend-store-uri> <artifacts-dir>
// Prints one JSON line {"url": …} when listening; SIGTERM closes it.
import { buildApp } from '../../packages/server/src/app.js'

const [backendStoreUri, artifactsDestination] = process.argv.slice(2)
if (!backendStoreUri || !artifactsDestination) {
  console.error('usage: server.ts <backend-store-uri> <artifacts-dir>')
  process.exit(2)
}
const app = await buildApp({ backendStoreUri, artifactsDestination, defaultArtifactRoot: 'mlflow-artifacts:' })
const url = await app.app.listen({ host: '127.0.0.1', port: 0 })
console.log(JSON.stringify({ url }))
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
