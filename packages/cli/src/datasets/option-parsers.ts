import { InvalidArgumentError } from 'commander'

/** Repeatable option: every value, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** Repeatable `KEY=VALUE` option as a record. */
export function collectKeyValue(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=VALUE')
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) }
}
