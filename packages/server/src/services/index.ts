import type { Store } from '../store/store.js'
import type { ServerConfig } from '../config.js'
import { ExperimentsService } from './experiments.js'
import { RunsService } from './runs.js'
import { ArtifactsService } from './artifacts.js'
import { createBlobStore } from '../blob/create-blob-store.js'
import { RunLogsService } from './run-logs.js'
import { createRegistryServices, type RegistryServices } from './registry.js'
import { DatasetServices } from './datasets/dataset-services.js'
import { DeliveryServices } from './delivery.js'
import { LoggedModelsService } from './logged-models.js'
import { TokensService } from './tokens.js'

/** All services of one server, built over one store. */
export interface Services {
  experiments: ExperimentsService
  runs: RunsService
  artifacts: ArtifactsService
  runLogs: RunLogsService
  registry: RegistryServices
  datasets: DatasetServices
  delivery: DeliveryServices
  loggedModels: LoggedModelsService
  tokens: TokensService
}

export async function createServices(store: Store, config: ServerConfig): Promise<Services> {
  const experiments = new ExperimentsService(store, config.defaultArtifactRoot)
  await experiments.ensureDefault()
  const runs = new RunsService(store, experiments)
  const artifacts = new ArtifactsService(await createBlobStore(config.artifactsDestination), runs)
  const runLogs = new RunLogsService(store, runs)
  const registry = await createRegistryServices(store, { runs, experiments, artifacts })
  const datasets = new DatasetServices(store, { runs, experiments, objects: registry.objects })
  registry.useDatasetDiffer(async (name, from, to) => (await datasets.diff({ name, from, to, max_results: 1 })).summary)
  const delivery = new DeliveryServices(store, registry)
  const loggedModels = new LoggedModelsService(store, experiments, runs, artifacts)
  const tokens = new TokensService(store)
  return { experiments, runs, runLogs, artifacts, registry, datasets, delivery, loggedModels, tokens }
}
