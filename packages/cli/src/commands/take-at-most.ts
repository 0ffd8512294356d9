/**
 * The first `max` items (max ≥ 1) of a paged listing; stopping the iteration there stops the
 * fetching, so `--max 5` reads one page, not the whole listing.
 */
export async function takeAtMost<T>(items: AsyncIterable<T>, max: number): Promise<T[]> {
  const taken: T[] = []
  for await (const item of items) {
    taken.push(item)
    if (taken.length >= max) break
  }
  return taken
}
