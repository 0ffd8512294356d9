import type { Store } from '../store/store.js'
import type { ModelSources } from './registry-sources.js'

/** Says that a version finished registration and is READY. */
export type OnReady = (modelId: number, version: number) => Promise<void>

/**
 * Copies versions' files into registry storage in the background: PENDING_REGISTRATION becomes
 * READY (with the tree id as storage location) or FAILED_REGISTRATION (with the reason). The
 * request that creates a version waits a while for its copy, so small models are READY in the
 * response and large ones finish while clients poll (as MLflow clients do). Copies interrupted by
 * a restart are resumed on start; content addressing makes a repeated copy harmless.
 */
export class ModelRegistration {
  private readonly inFlight = new Set<Promise<void>>()

  constructor(
    private readonly store: Store,
    private readonly sources: ModelSources,
    private readonly onReady: OnReady,
    private readonly onError: (err: unknown) => void,
    /** How long a create request waits for its copy, ms. */
    private readonly waitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts copying the files under `key` for the version and waits up to waitMs for it. */
  async run(modelId: number, version: number, key: string): Promise<void> {
    const task = this.track(this.copy(modelId, version, key))
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.waitMs)
      timer.unref()
    })
    await Promise.race([task, timeout])
    clearTimeout(timer)
  }

  /** Resumes the registrations a previous run of the server left PENDING. */
  async resume(): Promise<void> {
    for (const row of await this.store.registry.versions.pending()) {
      this.track(
        (async () => {
          try {
            const resolved = await this.sources.resolve(row.source, row.run_id ?? undefined)
            if (resolved.kind !== 'artifacts') throw new Error(`source '${row.source}' needs no copy`)
            await this.copy(row.model_id, row.version, resolved.key)
          } catch (err) {
            await this.fail(row.model_id, row.version, err)
          }
        })(),
      )
    }
  }

  /** Waits for the copies under way. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight])
  }

  private async copy(modelId: number, version: number, key: string): Promise<void> {
    try {
      const tree = await this.sources.copy(key)
      const changed = await this.store.registry.versions.finishRegistration(modelId, version, {
        status: 'READY',
        storageLocation: tree.oid,
        now: this.now(),
      })
      if (changed) await this.onReady(modelId, version)
    } catch (err) {
      await this.fail(modelId, version, err)
    }
  }

  private async fail(modelId: number, version: number, err: unknown): Promise<void> {
    try {
      const message = `Copying the model files into registry storage failed: ${(err as Error)?.message ?? String(err)}`
      await this.store.registry.versions.finishRegistration(modelId, version, {
        status: 'FAILED_REGISTRATION',
        message: message.slice(0, 2000),
        now: this.now(),
      })
    } catch (inner) {
      this.onError(inner)
    }
  }

  private track(task: Promise<void>): Promise<void> {
    const guarded = task.catch(this.onError)
    this.inFlight.add(guarded)
    void guarded.finally(() => this.inFlight.delete(guarded))
    return guarded
  }
}
