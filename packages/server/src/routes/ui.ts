import fsp from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fastifyStatic from '@fastify/static'

/** The web UI's production build: packages/ui/dist in this checkout (`npm ci` and `npm run build` make it). */
export const UI_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../ui/dist')

/**
 * The UI's pages (packages/ui/src/app.tsx). Each is answered with index.html and the browser
 * routes from there; everything else keeps the API's JSON 404, which MLflow clients rely on.
 */
const PAGES = ['/experiments', '/runs', '/models', '/datasets']

// The UI only talks to this origin; inline styles are uPlot's and React's.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

const NOT_BUILT = `Railyard's web UI has not been built, so there is no page to show here.

Build it in the Railyard checkout with

    npm run build

(npm ci builds it too), then reload this page; the server need not restart.

The API works without it: MLflow clients, the SDK and the railyard CLI use /api/2.0/mlflow.
`

/**
 * Serves the web UI at `/`: hashed assets under /assets/ (cached for a year), index.html for every
 * page URL (never cached, so a new build shows up on reload), and a plain-text explanation when
 * the UI was not built. Register with `app.register(uiRoutes())`.
 */
export function uiRoutes(distDir: string = UI_DIST) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(fastifyStatic, {
      root: path.join(distDir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      immutable: true,
      maxAge: '365d',
    })
    const page = async (_req: unknown, reply: FastifyReply) => sendIndex(reply, distDir)
    app.get('/', page)
    for (const prefix of PAGES) {
      app.get(prefix, page)
      app.get(`${prefix}/*`, page)
    }
  }
}

async function sendIndex(reply: FastifyReply, distDir: string): Promise<FastifyReply> {
  let html: Buffer
  try {
    html = await fsp.readFile(path.join(distDir, 'index.html'))
  } catch {
    return reply.status(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT)
  }
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .send(html)
}
