import {
  ApiError,
  DATASET_LIMITS,
  InvalidParameterError,
  LIMITS,
  NotFoundError,
  toInt,
  type DatasetRequestOf,
  type Tag,
  type TableSource,
  type VersionedDataset,
} from '@railyard/api'
import type { Store } from '../../store/store.js'
import type { DatasetRow, DatastoreRow } from '../../store/datasets-repo.js'
import type { DatasetVersionRow } from '../../store/dataset-versions-repo.js'
import { decodePageToken, page } from '../page-token.js'
import { pageSize } from '../validation.js'
import type { DatastoresService } from './datastores.js'
import { checkGlob, normalizeFolder, selectionOf, splitGlob, type Selection } from './glob.js'
import { checkName } from './names.js'
import { checkTableSource, describeTable } from './table-source.js'
import { versionToWire } from './versions.js'

const MAX_PATTERNS = 100

/** Dataset definitions: a selection of datastore files, or a SQL query. */
export class DatasetDefinitions {
  constructor(
    private readonly store: Store,
    private readonly datastores: DatastoresService,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async create(req: DatasetRequestOf<'createDataset'>, who: string): Promise<VersionedDataset> {
    checkName(req.name, 'dataset')
    const tags = checkTags(req.tags ?? [])
    const common = { name: req.name, description: req.description ?? null, tags: JSON.stringify(tags), created_by: who, creation_timestamp: Date.now() }
    if (req.table) {
      const extra = (['datastore', 'path', 'glob', 'include', 'exclude'] as const).filter((k) => req[k] !== undefined)
      if (extra.length) throw new InvalidParameterError(`A table dataset takes no ${extra.join(', ')}`)
      const table = checkTableSource(req.table)
      await describeTable(table, this.env)
      const row = await this.store.datasets.insertDataset({
        ...common,
        type: 'table',
        datastore_id: null,
        path: '',
        glob: null,
        include: '[]',
        exclude: '[]',
        table_source: JSON.stringify(table),
      })
      return this.toWire(row)
    }
    if (!req.datastore) throw new InvalidParameterError("A dataset needs a 'datastore' (or a 'table' source)")
    const datastore = await this.datastores.row(req.datastore)
    let path = normalizeFolder(relativeToDatastore(req.path, datastore), 'path')
    if (req.glob !== undefined) {
      if (req.path !== undefined) throw new InvalidParameterError("Give 'path' or 'glob', not both: a glob's folder part is the dataset's path")
      checkGlob(req.glob, 'glob')
      path = normalizeFolder(splitGlob(req.glob).folder, 'glob folder')
    }
    const include = checkPatterns(req.include, 'include')
    const exclude = checkPatterns(req.exclude, 'exclude')
    const row = await this.store.datasets.insertDataset({
      ...common,
      type: 'files',
      datastore_id: datastore.datastore_id,
      path,
      glob: req.glob ?? null,
      include: JSON.stringify(include),
      exclude: JSON.stringify(exclude),
      table_source: null,
    })
    return this.toWire(row, undefined, datastore.name)
  }

  async get(name: string): Promise<VersionedDataset> {
    const row = await this.row(name)
    return this.toWire(row, await this.store.datasets.versions.latest(row.dataset_id))
  }

  /** Deletes a dataset nothing has used (see the deleteDataset endpoint). */
  async delete(name: string): Promise<void> {
    const row = await this.row(name)
    const users = await this.store.datasets.deleteDataset(row.dataset_id, row.name.slice(0, LIMITS.datasetNameLength))
    if (!users) return
    const parts = [
      users.experiments.length ? `experiment(s) ${users.experiments.map((e) => `'${e}'`).join(', ')} froze it` : '',
      users.runs.length ? `run(s) ${users.runs.join(', ')} logged its versions as inputs` : '',
    ].filter(Boolean)
    throw new ApiError(
      'RESOURCE_CONFLICT',
      `Dataset '${name}' was used: ${parts.join('; ')}. Deleting it would lose which files they used, so nothing was deleted.`,
    )
  }

  async row(name: string): Promise<DatasetRow> {
    if (typeof name !== 'string' || name === '') throw new InvalidParameterError("Missing value for required parameter 'name' (dataset name).")
    const row = await this.store.datasets.datasetByName(name)
    if (!row) throw new NotFoundError(`Dataset '${name}' does not exist`)
    return row
  }

  async list(req: DatasetRequestOf<'listDatasets'>): Promise<{ datasets: VersionedDataset[]; next_page_token?: string }> {
    const size = pageSize(toInt(req.max_results), DATASET_LIMITS.listDefault, DATASET_LIMITS.listMax)
    const offset = decodePageToken(req.page_token)
    const datastoreId = req.datastore ? (await this.datastores.row(req.datastore)).datastore_id : undefined
    const rows = await this.store.datasets.listDatasets({ datastoreId }, offset, size + 1)
    const { items, nextPageToken } = page(rows, offset, size)
    const latest = await this.store.datasets.versions.latestOf(items.map((r) => r.dataset_id))
    const datasets = []
    for (const r of items) datasets.push(await this.toWire(r, latest.get(r.dataset_id)))
    return { datasets, next_page_token: nextPageToken }
  }

  async toWire(row: DatasetRow, latest?: DatasetVersionRow, datastoreName?: string): Promise<VersionedDataset> {
    const include = JSON.parse(row.include) as string[]
    const exclude = JSON.parse(row.exclude) as string[]
    const tags = JSON.parse(row.tags) as Tag[]
    const datastore = row.datastore_id === null ? undefined : (datastoreName ?? (await this.datastores.rowById(row.datastore_id)).name)
    return {
      name: row.name,
      type: row.type as 'files' | 'table',
      datastore,
      path: row.type === 'files' ? row.path : undefined,
      glob: row.glob ?? undefined,
      include: include.length ? include : undefined,
      exclude: exclude.length ? exclude : undefined,
      table: tableOf(row),
      description: row.description ?? undefined,
      tags: tags.length ? tags : undefined,
      creation_timestamp: row.creation_timestamp,
      created_by: row.created_by ?? undefined,
      latest_version: latest && versionToWire(row.name, latest),
    }
  }
}

export function tableOf(row: DatasetRow): TableSource | undefined {
  return row.table_source ? (JSON.parse(row.table_source) as TableSource) : undefined
}

export function selectionOfRow(row: DatasetRow): Selection {
  return selectionOf({
    path: row.path,
    glob: row.glob,
    include: JSON.parse(row.include) as string[],
    exclude: JSON.parse(row.exclude) as string[],
  })
}

function checkPatterns(patterns: string[] | undefined, what: string): string[] {
  const list = patterns ?? []
  if (list.length > MAX_PATTERNS) throw new InvalidParameterError(`At most ${MAX_PATTERNS} ${what} patterns`)
  for (const p of list) checkGlob(p, `${what} pattern`)
  return list
}

function checkTags(tags: Tag[]): Tag[] {
  for (const t of tags) {
    if (!t.key) throw new InvalidParameterError('A dataset tag needs a key')
    if (t.key.length > 250 || t.value.length > 5000) throw new InvalidParameterError(`Dataset tag '${t.key.slice(0, 40)}' is too long`)
  }
  return tags
}

/**
 * A dataset's path is a folder inside its datastore. An absolute path inside a local datastore's
 * root is taken as the folder it names there; any other leading `/` is refused rather than
 * silently dropped, as `/etc` was read as `etc/` below the root.
 */
function relativeToDatastore(path: string | undefined, datastore: DatastoreRow): string | undefined {
  if (path === undefined || !path.startsWith('/')) return path
  const root = datastore.kind === 'local' ? String((JSON.parse(datastore.config) as { root?: string }).root ?? '').replace(/\/+$/, '') : ''
  if (root && (path === root || path.startsWith(`${root}/`))) return path.slice(root.length)
  const where = root ? ` (whose root is ${root})` : ''
  throw new InvalidParameterError(
    `Invalid path '${path}': a dataset's path is a folder inside datastore '${datastore.name}'${where}, given without a leading '/'`,
  )
}
