import type { FastifyInstance } from 'fastify'
import { CsvTable } from './csv/table.js'
import { badRequest } from './scoring-input.js'

// `fatal`: a body in another encoding (an Excel export in Windows-1252) is refused, not garbled.
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * `Content-Type: text/csv` bodies, as MLflow's scoring server takes them: UTF-8 text (a `charset`
 * parameter, if any, must say so) parsed into a CsvTable. The app's body limit applies. BAD_REQUEST
 * naming the problem for another charset, bytes that are not UTF-8 and malformed CSV.
 */
export function installCsvBody(app: FastifyInstance): void {
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (req, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]
    if (charset && !/^(?:utf-?8|us-ascii)$/i.test(charset)) {
      return done(badRequest(`CSV bodies must be UTF-8; got charset=${charset}`), undefined)
    }
    let text: string
    try {
      text = utf8.decode(body as Buffer)
    } catch {
      return done(badRequest('The CSV body is not valid UTF-8 text; save it as UTF-8'), undefined)
    }
    try {
      done(null, CsvTable.parse(text))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
}
