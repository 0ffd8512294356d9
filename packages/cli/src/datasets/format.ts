/** `0 B`, `812 B`, `14.2 kB`, `3.40 MB`, `2.15 GB` (powers of 1000, like most storage tools). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '-'
  if (n < 1000) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB', 'PB']
  let value = n
  let unit = -1
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/** `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** The 12-digit short form of a version id, as `railyard datasets versions` lists them. */
export function shortVersion(id: string): string {
  return id.replace(/^(sha256|blake3):/, '').slice(0, 12)
}
