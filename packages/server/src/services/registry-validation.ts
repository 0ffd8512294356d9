import { InvalidParameterError, LIMITS, MODEL_STAGES, type ModelStage, type Tag } from '@railyard/api'
import { validateKey, validateLength } from './validation.js'

/** MLflow's registry limits (mlflow/utils/validation.py) and the sizes of our columns. */
export const REGISTRY_LIMITS = {
  modelNameLength: 256,
  tagKeyLength: LIMITS.keyLength,
  tagValueLength: 100_000,
  aliasLength: 255,
  descriptionLength: 100_000,
  reasonLength: 5000,
  sourceLength: 10_000,
  searchModelsDefault: 100,
  searchModelsMax: 1000,
  searchVersionsDefault: 10_000,
  searchVersionsMax: 200_000,
} as const

const ALIAS = /^[\w-]*$/
// Control characters have no place in a name that ends up in URIs, logs and file names.
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * A registered model name: not empty, and free of `/` and `:` so `models:/NAME/VERSION` and
 * `models:/NAME@ALIAS` stay unambiguous.
 */
export function validateModelName(name: string | undefined, field = 'name'): string {
  if (name === undefined || name === '') {
    throw new InvalidParameterError(`Registered model name cannot be empty (parameter '${field}').`)
  }
  if (name.includes('/') || name.includes(':') || CONTROL.test(name)) {
    throw new InvalidParameterError(
      `Invalid registered model name '${name}' (parameter '${field}'): names cannot contain '/', ':' or control characters.`,
    )
  }
  validateLength(name, REGISTRY_LIMITS.modelNameLength, `Registered model name '${name.slice(0, 40)}…'`)
  return name
}

/** A version number from a request ("3" or 3); INVALID_PARAMETER_VALUE unless a positive integer. */
export function parseVersion(version: string | number | undefined, field = 'version'): number {
  if (version === undefined || version === '') throw new InvalidParameterError(`Missing value for required parameter '${field}'.`)
  const text = String(version)
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidParameterError(`Model version must be an integer, got '${text}' (parameter '${field}').`)
  }
  return n
}

/** An alias: letters, digits, `_` and `-`; `latest` and `v<digits>` are reserved for version references. */
export function validateAlias(alias: string | undefined): string {
  if (alias === undefined || alias === '') throw new InvalidParameterError('Registered model alias name cannot be empty.')
  if (!ALIAS.test(alias)) {
    throw new InvalidParameterError(
      `Invalid alias name: '${alias}'. Alias names may only contain alphanumerics, underscores (_) and dashes (-).`,
    )
  }
  validateLength(alias, REGISTRY_LIMITS.aliasLength, `Registered model alias name '${alias.slice(0, 40)}…'`)
  if (alias.toLowerCase() === 'latest') {
    throw new InvalidParameterError(`'${alias}' alias name (case insensitive) is reserved.`)
  }
  if (/^v\d+$/i.test(alias)) {
    throw new InvalidParameterError(`Version alias name '${alias}' is reserved: aliases of the form v<number> name versions.`)
  }
  return alias
}

/** Registered model and model version tags: MLflow's key rules, values up to 100,000 characters. */
export function validateRegistryTag(tag: Tag): void {
  validateKey(tag.key, 'tag')
  validateLength(tag.value, REGISTRY_LIMITS.tagValueLength, `Tag '${tag.key}' value`)
}

/** A stage in any case ("production") as its canonical spelling ("Production"). */
export function parseStage(stage: string | undefined): ModelStage {
  const match = MODEL_STAGES.find((s) => s.toLowerCase() === (stage ?? '').toLowerCase())
  if (!match) {
    throw new InvalidParameterError(`Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_STAGES.join(', ')}.`)
  }
  return match
}

export function validateDescription(description: string): void {
  validateLength(description, REGISTRY_LIMITS.descriptionLength, 'Description')
}
