import { InvalidParameterError } from '@railyard/api'

/** Opaque page tokens in MLflow's own format: base64 of `{"offset": N}`. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64')
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'))
  } catch {
    throw new InvalidParameterError('Invalid page token, could not base64-decode')
  }
  const offset = (parsed as { offset?: unknown })?.offset
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new InvalidParameterError(`Invalid page token, could not find a valid offset in '${token}'`)
  }
  return offset
}

/** Takes a page from rows fetched with limit + 1, and the token of the next page if there is one. */
export function page<T>(rows: T[], offset: number, size: number): { items: T[]; nextPageToken?: string } {
  if (rows.length > size) return { items: rows.slice(0, size), nextPageToken: encodePageToken(offset + size) }
  return { items: rows }
}
