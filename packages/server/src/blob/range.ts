/** A byte range as BlobStore.get takes it: [start, end), end optional. */
export interface ByteRange {
  start: number
  end?: number
}

/** Throws RangeError for a negative, fractional or inverted range. */
export function checkRange(range: ByteRange | undefined): void {
  if (!range) return
  const { start, end } = range
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`Invalid range start ${start}`)
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError(`Invalid range end ${end} for start ${start}`)
  }
}

/** The range cut to an object of `size` bytes, as [start, end) with start <= end <= size. */
export function clampRange(range: ByteRange | undefined, size: number): { start: number; end: number } {
  checkRange(range)
  const start = Math.min(range?.start ?? 0, size)
  const end = Math.min(range?.end ?? size, size)
  return { start, end: Math.max(start, end) }
}
