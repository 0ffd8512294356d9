import { InvalidParameterError, VIEW_TYPES, type ViewType } from '@railyard/api'

/** MLflow's ViewType by name or by its proto number (1, 2, 3); ACTIVE_ONLY when absent. */
export function parseViewType(value: string | undefined, field: string): ViewType {
  if (value === undefined || value === '') return 'ACTIVE_ONLY'
  const upper = value.toUpperCase()
  if ((VIEW_TYPES as readonly string[]).includes(upper)) return upper as ViewType
  const byNumber = VIEW_TYPES[Number(value) - 1]
  if (/^[123]$/.test(value) && byNumber) return byNumber
  throw new InvalidParameterError(`Invalid value '${value}' for parameter '${field}': expected one of ${VIEW_TYPES.join(', ')}.`)
}
