import type { FastifyReply } from 'fastify'
import type { Readable } from 'node:stream'

/** A stored file on its way to a browser or client: run artifacts, model version files. */
export interface FileToSend {
  stream: Readable
  /** Offered as the download's name. */
  fileName: string
  contentType: string
  /**
   * Known up front for model files (from the tree): sent as Content-Length, so a transfer cut
   * short by a failed hash check is visibly incomplete.
   */
  size?: number
}

/** Sends a stored file as a download. */
export function sendFile(reply: FastifyReply, file: FileToSend): FastifyReply {
  reply.header('content-type', file.contentType)
  if (file.size !== undefined) reply.header('content-length', String(file.size))
  return (
    reply
      .header('content-disposition', attachment(file.fileName))
      // Stored files are user content: never let a browser sniff or run them as a page of this origin.
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(file.stream)
  )
}

/** RFC 6266: a plain ASCII fallback name and the exact UTF-8 name. */
function attachment(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')
  const exact = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}
