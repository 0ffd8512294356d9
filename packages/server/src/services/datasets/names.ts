import { DATASET_LIMITS, InvalidParameterError } from '@railyard/api'

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/** Datastore and dataset names: letters, digits, `_`, `.`, `-`, starting with a letter or digit. */
export function checkName(name: string, what: 'datastore' | 'dataset'): void {
  if (typeof name !== 'string' || name === '') throw new InvalidParameterError(`Missing value for required parameter 'name' (${what} name).`)
  if (name.length > DATASET_LIMITS.nameLength) {
    throw new InvalidParameterError(`The ${what} name had length ${name.length}, which exceeded length limit of ${DATASET_LIMITS.nameLength}`)
  }
  if (!NAME.test(name)) {
    throw new InvalidParameterError(`Invalid ${what} name '${name}': use letters, digits, '_', '.' and '-', starting with a letter or digit`)
  }
}
