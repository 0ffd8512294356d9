import type { BlobStat, BlobStore } from './blob.js'

export const DEFAULT_PAGE_SIZE = 1000

/** The page token of stores that list in key order: the last key of the page, made opaque. */
export function tokenAfter(key: string): string {
  return Buffer.from(key).toString('base64url')
}

/** The key a token was made from; listing resumes strictly after it. */
export function keyOfToken(token: string | undefined): string | undefined {
  return token === undefined || token === '' ? undefined : Buffer.from(token, 'base64url').toString()
}

/** Throws RangeError unless `limit` is a positive integer; undefined means the default. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`Invalid page limit ${limit}`)
  return limit
}

/** BlobStore.list on top of listPage, for any adapter. */
export async function* listAllPages(store: Pick<BlobStore, 'listPage'>, prefix: string): AsyncIterable<BlobStat> {
  let token: string | undefined
  do {
    const page = await store.listPage(prefix, { token })
    yield* page.items
    token = page.nextToken
  } while (token)
}
