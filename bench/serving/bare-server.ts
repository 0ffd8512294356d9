// The baseline: a bare Fastify route that parses the JSON body and answers a constant, in its own
// process, configured like the serving app (no logger). Prints {"url": …} on stdout once listening.
import Fastify from 'fastify'

const CONSTANT = { predictions: [{ label: 'neutral', probabilities: { negative: 0.2, neutral: 0.6, positive: 0.2 } }] }

const app = Fastify({ logger: false })
app.post('/invocations', async () => CONSTANT)
const url = await app.listen({ host: '127.0.0.1', port: 0 })
console.log(JSON.stringify({ url }))
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
