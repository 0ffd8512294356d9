import type { Kysely } from 'kysely'
import type { DialectCaps } from '../dialects.js'
import * as tracking from './001-tracking.js'
import * as registry from './003-registry.js'
import * as datasets from './004-datasets.js'
import * as gates from './005-gates.js'
import * as loggedModels from './006-logged-models.js'
import * as versionLoggedModel from './007-model-version-logged-model.js'
import * as apiTokens from './008-api-tokens.js'

type Up = (db: Kysely<unknown>, caps: DialectCaps) => Promise<void>

/** Every migration, in order. Names are permanent: never rename or edit a released one. */
export const MIGRATIONS: Array<[name: string, up: Up]> = [
  ['001-tracking', tracking.up],
  ['003-registry', registry.up],
  ['004-datasets', datasets.up],
  ['005-gates', gates.up],
  ['006-logged-models', loggedModels.up],
  ['007-model-version-logged-model', versionLoggedModel.up],
  ['008-api-tokens', apiTokens.up],
]
