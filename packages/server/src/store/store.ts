import type { Kysely } from 'kysely'
import { openDatabase, type DialectCaps } from './dialects.js'
import { migrateToLatest } from './migrate.js'
import type { Database } from './schema.js'
import { ExperimentsRepo } from './experiments-repo.js'
import { RunsRepo } from './runs-repo.js'
import { RegistryRepo } from './registry-repo.js'
import { RunLogsRepo } from './run-logs-repo.js'
import { DatasetsRepo } from './datasets-repo.js'
import { GatesRepo } from './gates-repo.js'
import { LoggedModelsRepo } from './logged-models-repo.js'
import { TokensRepo } from './tokens-repo.js'
import { searchRunRows, type RunSearchQuery } from './run-search.js'
import { searchExperimentRows, type ExperimentSearchQuery } from './experiment-search.js'

/**
 * The metadata store: one SQL implementation over Kysely, on SQLite or PostgreSQL.
 * Repositories hold SQL only; rules live in services/.
 */
export class Store {
  readonly experiments: ExperimentsRepo
  readonly runs: RunsRepo
  readonly registry: RegistryRepo
  readonly runLogs: RunLogsRepo
  readonly datasets: DatasetsRepo
  readonly gates: GatesRepo
  readonly loggedModels: LoggedModelsRepo
  readonly tokens: TokensRepo

  private constructor(
    readonly db: Kysely<Database>,
    readonly caps: DialectCaps,
  ) {
    this.experiments = new ExperimentsRepo(db, caps)
    this.registry = new RegistryRepo(db, caps)
    this.runs = new RunsRepo(db, caps)
    this.runLogs = new RunLogsRepo(db, caps)
    this.datasets = new DatasetsRepo(db, caps)
    this.gates = new GatesRepo(db, caps)
    this.loggedModels = new LoggedModelsRepo(db, caps)
    this.tokens = new TokensRepo(db)
  }

  /** Opens the database named by `uri` and migrates it to the latest schema. */
  static async open(uri: string): Promise<Store> {
    const { db, caps } = openDatabase(uri)
    try {
      await migrateToLatest(db, caps)
    } catch (err) {
      await db.destroy()
      throw err
    }
    return new Store(db, caps)
  }

  searchRuns(q: RunSearchQuery) {
    return searchRunRows(this.db, this.caps, q)
  }

  searchExperiments(q: ExperimentSearchQuery) {
    return searchExperimentRows(this.db, this.caps, q)
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }
}
