import fsp from 'node:fs/promises'
import path from 'node:path'
import { InvalidParameterError, type ModelManifest } from '@railyard/api'
import YAML from 'yaml'
import { ModelNotFoundError } from './model-load-error.js'

/** The manifest's file name inside a model directory. */
export const MANIFEST_FILE = 'MLmodel'

// MLflow writes MLmodel with PyYAML, which follows YAML 1.1: reading with 1.1 resolves plain
// scalars as PyYAML does (`yes` is a boolean, `1.10` a float it would have quoted), and writing
// with 1.1 quotes whatever a YAML 1.1 or 1.2 reader could take for a number or a boolean.
const YAML_VERSION = '1.1' as const

// PyYAML's floats need a dot and a signed exponent; the yaml package's 1.1 schema also takes
// `1234e567`, which PyYAML leaves unquoted as a string (a hex run id can look like that).
const PYYAML_EXP_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)[eE][-+][0-9]+$/
const readTags = (tags: YAML.Tags): YAML.Tags =>
  tags.map((t) => (typeof t === 'object' && 'format' in t && t.format === 'EXP' ? ({ ...t, test: PYYAML_EXP_FLOAT } as YAML.ScalarTag) : t))

// Fields that are strings whatever YAML made of them (an all-digit uuid would parse as a number).
const STRING_FIELDS = ['artifact_path', 'run_id', 'model_uuid', 'utc_time_created', 'mlflow_version', 'railyard_version'] as const

/**
 * Reads `<dir>/MLmodel`. ModelNotFoundError (a NotFoundError) when the directory has no manifest;
 * InvalidParameterError when it is not YAML or has no `flavors` mapping. Unknown fields are kept.
 * With `description` (`the model at runs:/…/model`), errors name the model by it rather than by
 * `dir` (a download's cache or scratch folder).
 */
export async function readManifest(dir: string, opts: { description?: string } = {}): Promise<ModelManifest> {
  const file = path.join(dir, MANIFEST_FILE)
  let text: string
  try {
    text = await fsp.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new ModelNotFoundError({ reason: `there is no ${MANIFEST_FILE} file`, dir, file: MANIFEST_FILE, model: opts.description })
    }
    throw err
  }
  return parseManifest(text, opts.description ? `the ${MANIFEST_FILE} of ${opts.description}` : file)
}

/** Parses MLmodel text (YAML, as MLflow or Railyard writes it); `where` names it in errors. */
export function parseManifest(text: string, where = MANIFEST_FILE): ModelManifest {
  let doc: unknown
  try {
    doc = YAML.parse(text, { version: YAML_VERSION, customTags: readTags })
  } catch (err) {
    throw new InvalidParameterError(`${where} is not valid YAML: ${(err as Error).message}`)
  }
  if (!isPlainObject(doc)) throw new InvalidParameterError(`${where} must be a YAML mapping`)
  const flavors = doc.flavors
  if (!isPlainObject(flavors) || Object.keys(flavors).length === 0) {
    throw new InvalidParameterError(`${where} has no flavors: a model needs at least one`)
  }
  for (const [name, config] of Object.entries(flavors)) {
    // MLflow writes `flavor: {}` for flavors without options; a YAML null means the same.
    if (config === null || config === undefined) flavors[name] = {}
    else if (!isPlainObject(config)) throw new InvalidParameterError(`${where}: flavor '${name}' must be a mapping`)
  }
  for (const field of STRING_FIELDS) {
    if (doc[field] !== undefined && doc[field] !== null) doc[field] = String(doc[field])
  }
  if (doc.signature !== undefined && doc.signature !== null && !isPlainObject(doc.signature)) {
    throw new InvalidParameterError(`${where}: signature must be a mapping of inputs/outputs/params`)
  }
  return doc as unknown as ModelManifest
}

/** The manifest as MLflow writes it: YAML with sorted keys and block style; unset fields left out. */
export function formatManifest(manifest: ModelManifest): string {
  const clean = JSON.parse(JSON.stringify(manifest)) as unknown
  return YAML.stringify(clean, { version: YAML_VERSION, sortMapEntries: true, lineWidth: 0 })
}

/** Writes `<dir>/MLmodel` (the directory must exist). */
export async function writeManifest(dir: string, manifest: ModelManifest): Promise<void> {
  await fsp.writeFile(path.join(dir, MANIFEST_FILE), formatManifest(manifest))
}

/** Flavor names of a manifest, in file order. */
export function flavorsOf(manifest: ModelManifest): string[] {
  return Object.keys(manifest.flavors)
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)
}
