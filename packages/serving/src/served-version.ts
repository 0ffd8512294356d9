import type { Predictor } from '@railyard/api'
import { MicroBatcher, type BatchingOptions } from './micro-batcher.js'
import { inputCheckOf, type InputCheck } from './signature-check.js'
import { declaredKindsOf, type ColumnKind } from './csv/column-kinds.js'

/** A dataset version the model was trained or evaluated on (from its run's inputs). */
export interface DatasetVersionRef {
  name: string
  /** The dataset version's digest. */
  digest: string
  source_type?: string
  source?: string
  /** `mlflow.data.context` of the input: training, validation, evaluation … */
  context?: string
}

/**
 * Which model version to serve, and where it came from. Plain JSON: it travels from the cluster
 * primary to the workers.
 */
export interface VersionTarget {
  /** What loadModel loads: `models:/NAME/VERSION` for a registered version, else the served URI. */
  loadUri: string
  /** The URI being served, e.g. `models:/tweets@production`. */
  uri: string
  /** Registered model name; for runs:/ and local models the last path segment. */
  name: string
  /** Registered version number; `run:<id>` or `local` for unregistered models. */
  version: string
  runId?: string
  /** The alias being followed, when the URI names one. */
  alias?: string
  datasets: DatasetVersionRef[]
}

/** A target's identity as a string (one per version of one model). */
export function targetKey(t: Pick<VersionTarget, 'name' | 'version'>): string {
  return `${t.name}\n${t.version}`
}

/** `tweets version 3`, or `the model at runs:/…` for one that is not registered. */
export function describeTarget(t: VersionTarget): string {
  return t.loadUri.startsWith('models:/') ? `${t.name} version ${t.version}` : `the model at ${t.uri}`
}

/**
 * One loaded version while it is served: its predictor behind a MicroBatcher, and a count of the
 * requests using it. Once retired (another version took its place) it closes its predictor when
 * the last of those requests is done, never before.
 */
export class ServedVersion {
  /** When it began serving (set by the swap). */
  since = new Date()
  readonly check: InputCheck | undefined
  /** How the signature types CSV columns, by name (see CsvTable.inputs). */
  readonly csvKinds: ReadonlyMap<string, ColumnKind>
  private readonly batcher: MicroBatcher
  private inFlight = 0
  private retired = false
  private closing?: Promise<void>
  private drained?: () => void

  constructor(
    readonly target: VersionTarget,
    readonly predictor: Predictor,
    batching: BatchingOptions = {},
  ) {
    this.batcher = new MicroBatcher((inputs) => predictor.predict(inputs), batching)
    this.check = inputCheckOf(predictor.manifest)
    this.csvKinds = declaredKindsOf(predictor.manifest)
  }

  /** Requests using this version right now. */
  get activeRequests(): number {
    return this.inFlight
  }

  /** Marks a request as using this version; pair with release(). */
  acquire(): void {
    this.inFlight++
  }

  release(): void {
    this.inFlight--
    if (this.retired && this.inFlight === 0) this.drained?.()
  }

  /** One output per input, through the batcher. */
  predict(inputs: unknown[]): Promise<unknown[]> {
    return this.batcher.predict(inputs)
  }

  /**
   * Stops taking part in new requests (the caller has already swapped it out) and closes the
   * predictor once the requests still using it are done. Resolves when closed.
   */
  retire(): Promise<void> {
    if (this.closing) return this.closing
    this.retired = true
    const drained = this.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.drained = resolve))
    this.closing = drained.then(() => this.predictor.close?.())
    return this.closing
  }
}
