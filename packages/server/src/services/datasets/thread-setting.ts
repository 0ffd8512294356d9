/** A thread count from an environment variable: a whole number ≥ 0, else `fallback`. */
export function threadSetting(setting: string | undefined, fallback: number): number {
  const n = Number(setting)
  return setting !== undefined && setting !== '' && Number.isInteger(n) && n >= 0 ? n : fallback
}
