import type { Store } from '../store/store.js'
import { ObjectStore } from '../objects/object-store.js'
import type { ArtifactsService } from './artifacts.js'
import type { ExperimentsService } from './experiments.js'
import type { RunsService } from './runs.js'
import { RegisteredModelsService } from './registry-models.js'
import { ModelVersionsService } from './registry-versions.js'
import { ModelSources } from './registry-sources.js'
import { RegistryLineage, type DatasetDiffer } from './registry-lineage.js'
import { ModelRegistration } from './registry-registration.js'
import { ModelFilesService } from './registry-files.js'
import { WebhooksService } from './webhooks.js'

export interface RegistryOptions {
  /** Where content-addressed objects live inside the artifact store. */
  objectsPrefix?: string
  /** How long a model-version create request waits for its files to be copied, ms. */
  registrationWaitMs?: number
  /** Where background failures (webhook sends, registrations) are reported. */
  onError?: (err: unknown) => void
}

/**
 * The model registry: registered models and versions (MLflow's API), their files as immutable
 * content-addressed copies, lineage, audit log and webhooks. Built over the tracking services and
 * the artifact store; `start()` resumes background work, `close()` waits for it.
 */
export class RegistryServices {
  readonly objects: ObjectStore
  readonly webhooks: WebhooksService
  readonly models: RegisteredModelsService
  readonly versions: ModelVersionsService
  readonly files: ModelFilesService
  private readonly registration: ModelRegistration
  private readonly lineage: RegistryLineage

  constructor(
    store: Store,
    deps: { runs: RunsService; experiments: ExperimentsService; artifacts: ArtifactsService },
    opts: RegistryOptions = {},
  ) {
    const onError = opts.onError ?? ((err: unknown) => console.error('registry:', err))
    this.objects = new ObjectStore(deps.artifacts.blobs, opts.objectsPrefix ?? 'objects/')
    this.webhooks = new WebhooksService(store, { onError })
    this.models = new RegisteredModelsService(store, this.webhooks)
    const sources = new ModelSources(store, deps.runs, deps.artifacts, this.objects)
    const lineage = new RegistryLineage(store, deps.runs, deps.experiments, this.objects)
    this.lineage = lineage
    this.registration = new ModelRegistration(
      store,
      sources,
      (modelId, version) => this.versions.announceReady(modelId, version),
      onError,
      opts.registrationWaitMs ?? 20_000,
    )
    this.versions = new ModelVersionsService(store, this.models, sources, lineage, this.registration, this.webhooks)
    this.files = new ModelFilesService(this.versions, this.objects)
  }

  /** Lets version comparisons summarize file changes between the dataset versions their runs used. */
  useDatasetDiffer(differ: DatasetDiffer): void {
    this.lineage.useDatasetDiffer(differ)
  }

  /** Resumes registrations and webhook deliveries that an earlier run of the server left pending. */
  async start(): Promise<void> {
    await this.registration.resume()
    this.webhooks.start()
  }

  /** Waits for copies under way and stops the webhook sender; call before closing the store. */
  async close(): Promise<void> {
    await this.registration.close()
    await this.webhooks.close()
  }
}

export async function createRegistryServices(
  store: Store,
  deps: { runs: RunsService; experiments: ExperimentsService; artifacts: ArtifactsService },
  opts?: RegistryOptions,
): Promise<RegistryServices> {
  const registry = new RegistryServices(store, deps, opts)
  await registry.start()
  return registry
}
