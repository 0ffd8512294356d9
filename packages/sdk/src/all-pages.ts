import type { Page } from './responses.js'

/** Every item of a paged listing, fetching the next page as the iteration reaches it. */
export async function* allPages<T>(fetchPage: (pageToken?: string) => Promise<Page<T>>): AsyncGenerator<T> {
  let pageToken: string | undefined
  do {
    const page = await fetchPage(pageToken)
    yield* page.items
    pageToken = page.nextPageToken
  } while (pageToken)
}
