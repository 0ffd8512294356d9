import { InvalidArgumentError } from 'commander'
import type { ViewType } from '@railyard/sdk'

/** Parses option values that must be whole numbers ≥ 1. */
export function positiveInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1')
  return n
}

/** Parses option values that must be whole numbers ≥ 0. */
export function nonNegativeInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number ≥ 0')
  return n
}

/** `--all` / `--deleted` as MLflow's view type. */
export function viewTypeOf(opts: { all?: boolean; deleted?: boolean }): ViewType {
  if (opts.all) return 'ALL'
  if (opts.deleted) return 'DELETED_ONLY'
  return 'ACTIVE_ONLY'
}
