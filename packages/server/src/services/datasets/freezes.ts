import {
  DATASET_LIMITS,
  InvalidParameterError,
  LIMITS,
  toInt,
  type DatasetFreeze,
  type DatasetRequestOf,
  type FreezeEvent,
  type ResolveDatasetResponse,
} from '@railyard/api'
import type { Store } from '../../store/store.js'
import type { DatasetRow } from '../../store/datasets-repo.js'
import type { DatasetVersionRow } from '../../store/dataset-versions-repo.js'
import type { FreezeEventRow, FreezeRow } from '../../store/dataset-freezes-repo.js'
import type { ExperimentsService } from '../experiments.js'
import type { RunsService } from '../runs.js'
import { decodePageToken, page } from '../page-token.js'
import { pageSize, parseExperimentId } from '../validation.js'
import { ApiError } from '@railyard/api'
import { monotonicNow } from './clock.js'
import type { DatasetDefinitions } from './definitions.js'
import type { DatastoresService } from './datastores.js'
import type { SnapshotEngine, SnapshotResult } from './snapshot.js'
import { shortId, versionToWire, type DatasetVersions } from './versions.js'

export interface Actor {
  who: string
  reason?: string
}

/**
 * Freezing within an experiment: the first run that uses a dataset fixes the version every later
 * run of the experiment gets; a refresh moves it, on the record. Parallel first uses agree through
 * the freeze table's primary key; within one server they also share one snapshot.
 */
export class DatasetFreezes {
  private readonly inFlight = new Map<number, Promise<SnapshotResult>>()

  constructor(
    private readonly store: Store,
    private readonly deps: {
      experiments: ExperimentsService
      runs: RunsService
      definitions: DatasetDefinitions
      datastores: DatastoresService
      versions: DatasetVersions
      snapshots: SnapshotEngine
    },
  ) {}

  async resolve(req: DatasetRequestOf<'resolveDataset'>, actor: Actor): Promise<ResolveDatasetResponse> {
    const experimentId = await this.experimentId(req.experiment_id)
    if (req.run_id) {
      const run = await this.deps.runs.activeRow({ run_id: req.run_id })
      if (run.experiment_id !== experimentId) {
        throw new InvalidParameterError(`Run ${req.run_id} belongs to experiment ${run.experiment_id}, not ${req.experiment_id}`)
      }
    }
    const dataset = await this.deps.definitions.row(req.dataset)
    let freeze = await this.store.datasets.freezes.get(experimentId, dataset.dataset_id)
    let created = false
    if (!freeze) {
      const version = await this.chooseVersion(dataset, req, actor.who)
      const result = await this.store.datasets.freezes.freezeFirst({
        experimentId,
        datasetId: dataset.dataset_id,
        datasetName: dataset.name,
        versionId: version.version_id,
        who: actor.who,
        runId: req.run_id,
        at: monotonicNow(),
      })
      freeze = result.row
      created = result.created
    } else if (req.version !== undefined) {
      const asked = await this.deps.versions.resolve(dataset, req.version)
      if (asked.version_id !== freeze.version_id) {
        throw new ApiError(
          'RESOURCE_CONFLICT',
          `Experiment ${req.experiment_id} is frozen at version ${shortId(freeze.version_id)} of dataset '${dataset.name}', not ${shortId(asked.version_id)}; refresh the freeze to move it`,
        )
      }
    }
    const version = (await this.store.datasets.versions.get(dataset.dataset_id, freeze.version_id))!
    const out: ResolveDatasetResponse = { freeze: this.freezeToWire(dataset, freeze, version), created }
    if (req.run_id) out.run_input = await this.logInput(req.run_id, dataset, version, req.context)
    return out
  }

  async refresh(req: DatasetRequestOf<'refreshDatasetFreeze'>, actor: Actor): Promise<{ freezes: DatasetFreeze[] }> {
    const experimentId = await this.experimentId(req.experiment_id)
    let datasets: DatasetRow[]
    if (req.dataset !== undefined) {
      datasets = [await this.deps.definitions.row(req.dataset)]
    } else {
      if (req.version !== undefined) throw new InvalidParameterError("'version' needs 'dataset': versions belong to one dataset")
      const frozen = await this.store.datasets.freezes.list(experimentId)
      datasets = []
      for (const f of frozen) {
        const row = await this.store.datasets.datasetById(f.dataset_id)
        if (row) datasets.push(row)
      }
    }
    const freezes: DatasetFreeze[] = []
    for (const dataset of datasets) {
      const version = req.version !== undefined ? await this.deps.versions.resolve(dataset, req.version) : (await this.snapshotOnce(dataset, actor.who)).row
      const row = await this.store.datasets.freezes.move({
        experimentId,
        datasetId: dataset.dataset_id,
        datasetName: dataset.name,
        versionId: version.version_id,
        who: actor.who,
        reason: actor.reason,
        at: monotonicNow(),
      })
      freezes.push(this.freezeToWire(dataset, row, version))
    }
    return { freezes }
  }

  async list(req: DatasetRequestOf<'listDatasetFreezes'>): Promise<{ freezes: DatasetFreeze[] }> {
    if (!req.experiment_id && !req.dataset) {
      throw new InvalidParameterError(`Name the freezes to list: parameter 'experiment_id', 'dataset', or both`)
    }
    const experimentId = req.experiment_id ? await this.experimentId(req.experiment_id) : undefined
    const datasetId = req.dataset ? (await this.deps.definitions.row(req.dataset)).dataset_id : undefined
    const rows = await this.store.datasets.freezes.list(experimentId, datasetId)
    const experiments = new Map<number, { name: string; active: boolean } | undefined>()
    const freezes: DatasetFreeze[] = []
    for (const f of rows) {
      if (!experiments.has(f.experiment_id)) {
        const exp = await this.deps.experiments.get(String(f.experiment_id)).catch(() => undefined)
        experiments.set(f.experiment_id, exp && { name: exp.name, active: exp.lifecycle_stage === 'active' })
      }
      const exp = experiments.get(f.experiment_id)
      // Across experiments, deleted ones are left out (as MLflow's listings do); asked by id, it is shown.
      if (!exp || (experimentId === undefined && !exp.active)) continue
      const dataset = await this.store.datasets.datasetById(f.dataset_id)
      const version = dataset && (await this.store.datasets.versions.get(f.dataset_id, f.version_id))
      if (dataset && version) freezes.push({ ...this.freezeToWire(dataset, f, version), experiment_name: exp.name })
    }
    return { freezes }
  }

  async history(req: DatasetRequestOf<'getDatasetFreezeHistory'>): Promise<{ events: FreezeEvent[]; next_page_token?: string }> {
    const experimentId = await this.experimentId(req.experiment_id)
    const datasetId = req.dataset !== undefined ? (await this.deps.definitions.row(req.dataset)).dataset_id : undefined
    const size = pageSize(toInt(req.max_results), DATASET_LIMITS.listDefault, DATASET_LIMITS.listMax)
    const offset = decodePageToken(req.page_token)
    const rows = await this.store.datasets.freezes.history(experimentId, datasetId, offset, size + 1)
    const { items, nextPageToken } = page(rows, offset, size)
    return { events: items.map(eventToWire), next_page_token: nextPageToken }
  }

  /** One snapshot per dataset at a time in this server: parallel first runs share it. */
  snapshotOnce(dataset: DatasetRow, who: string, pin?: boolean): Promise<SnapshotResult> {
    const running = this.inFlight.get(dataset.dataset_id)
    if (running && !pin) return running
    const job = (async () => (await this.deps.snapshots.prepare(dataset, { who, pin, message: 'snapshot for an experiment' })).run())()
    const tracked = job.finally(() => {
      if (this.inFlight.get(dataset.dataset_id) === tracked) this.inFlight.delete(dataset.dataset_id)
    })
    this.inFlight.set(dataset.dataset_id, tracked)
    return tracked
  }

  private async chooseVersion(dataset: DatasetRow, req: DatasetRequestOf<'resolveDataset'>, who: string): Promise<DatasetVersionRow> {
    if (req.version !== undefined) return this.deps.versions.resolve(dataset, req.version)
    if (req.reuse_latest) return this.deps.versions.resolve(dataset, 'latest')
    return (await this.snapshotOnce(dataset, who, req.pin)).row
  }

  private async experimentId(id: string): Promise<number> {
    const experimentId = parseExperimentId(id)
    await this.deps.experiments.get(id)
    return experimentId
  }

  /** MLflow's run input: the digest is the short id (MLflow allows 36 characters), the source says where and what. */
  private async logInput(runId: string, dataset: DatasetRow, version: DatasetVersionRow, context?: string) {
    let datastore: string | undefined
    let uri: string | undefined
    if (dataset.datastore_id !== null) {
      const row = await this.deps.datastores.rowById(dataset.datastore_id)
      datastore = row.name
      const base = this.deps.datastores.uri(row)
      uri = dataset.path ? appendPath(base, dataset.path) : base
    } else {
      uri = `railyard-table:${dataset.name}`
    }
    const source = JSON.stringify({ datastore, uri, dataset: dataset.name, version_id: version.version_id })
    const input = { name: dataset.name.slice(0, LIMITS.datasetNameLength), digest: shortId(version.version_id), source_type: 'railyard' as const, source }
    const tags = context ? [{ key: 'mlflow.data.context', value: context }] : undefined
    await this.deps.runs.logInputs({ run_id: runId, datasets: [{ dataset: input, tags }] })
    return input
  }

  private freezeToWire(dataset: DatasetRow, f: FreezeRow, version: DatasetVersionRow): DatasetFreeze {
    return {
      experiment_id: String(f.experiment_id),
      dataset: dataset.name,
      version: versionToWire(dataset.name, version),
      frozen_at: f.frozen_at,
      frozen_by: f.frozen_by ?? undefined,
      run_id: f.run_id ?? undefined,
    }
  }
}

function eventToWire(e: FreezeEventRow): FreezeEvent {
  return {
    experiment_id: String(e.experiment_id),
    dataset: e.dataset_name,
    action: e.action as FreezeEvent['action'],
    from_version: e.from_version ?? undefined,
    to_version: e.to_version,
    who: e.who ?? undefined,
    reason: e.reason ?? undefined,
    run_id: e.run_id ?? undefined,
    timestamp: e.at,
  }
}

/** Adds a folder to a datastore URL, before its query string. */
function appendPath(uri: string, folder: string): string {
  const q = uri.indexOf('?')
  const base = q === -1 ? uri : uri.slice(0, q)
  const query = q === -1 ? '' : uri.slice(q)
  const encoded = folder.split('/').map(encodeURIComponent).join('/')
  return `${base.replace(/\/$/, '')}/${encoded}${query}`
}
