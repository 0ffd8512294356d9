import type { FixedKey, IdentifierPolicy, KeyRule, TypeRule } from './policy.js'

/**
 * What each MLflow search accepts (mlflow/utils/search_utils.py): which identifiers, which
 * comparators for each, and which keys order_by may use.
 */

const NUMERIC: KeyRule = { comparators: ['=', '!=', '<', '<=', '>', '>='], value: 'number' }
const STRING: KeyRule = { comparators: ['=', '!=', 'LIKE', 'ILIKE'], value: 'string' }
const STRING_OR_LIST: KeyRule = { comparators: ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'], value: 'string' }
/** Params and tags: absent keys can be asked for with IS NULL, present ones with IS NOT NULL. */
const KEY_VALUE: KeyRule = { comparators: [...STRING.comparators, 'IS NULL', 'IS NOT NULL'], value: 'string' }

const ATTRIBUTE_PREFIXES = ['attributes', 'attribute', 'attr'] as const

const tags = (sortable: boolean): TypeRule => ({ prefixes: ['tags', 'tag'], anyKey: { ...KEY_VALUE, sortable } })

function key(name: string, filter: KeyRule | undefined, sortable = true): FixedKey {
  return { name, filter, sortable }
}

const runName = key('run_name', STRING)
const startTime = key('start_time', NUMERIC)

export const RUN_SEARCH: IdentifierPolicy = {
  bare: 'attribute',
  types: {
    metric: { prefixes: ['metrics', 'metric'], anyKey: { ...NUMERIC, sortable: true } },
    param: { prefixes: ['params', 'param', 'parameters', 'parameter'], anyKey: { ...KEY_VALUE, sortable: true } },
    tag: tags(true),
    attribute: {
      prefixes: [...ATTRIBUTE_PREFIXES, 'run'],
      keys: {
        run_id: key('run_id', STRING_OR_LIST),
        run_name: runName,
        'run name': runName,
        'Run name': runName,
        'Run Name': runName,
        user_id: key('user_id', STRING),
        status: key('status', STRING),
        artifact_uri: key('artifact_uri', STRING),
        start_time: startTime,
        created: startTime,
        Created: startTime,
        end_time: key('end_time', NUMERIC),
      },
    },
    dataset: {
      prefixes: ['datasets', 'dataset'],
      keys: {
        name: key('name', STRING_OR_LIST, false),
        digest: key('digest', STRING_OR_LIST, false),
        context: key('context', STRING_OR_LIST, false),
      },
    },
  },
}

export const EXPERIMENT_SEARCH: IdentifierPolicy = {
  bare: 'attribute',
  types: {
    attribute: {
      prefixes: ATTRIBUTE_PREFIXES,
      keys: {
        name: key('name', STRING),
        experiment_id: key('experiment_id', undefined),
        creation_time: key('creation_time', NUMERIC),
        last_update_time: key('last_update_time', NUMERIC),
      },
    },
    tag: tags(false),
  },
}

/** For the registry's search (registered-models/search). */
export const REGISTERED_MODEL_SEARCH: IdentifierPolicy = {
  bare: 'attribute',
  types: {
    attribute: {
      prefixes: ATTRIBUTE_PREFIXES,
      keys: {
        name: key('name', STRING),
        creation_timestamp: key('creation_timestamp', undefined),
        timestamp: key('creation_timestamp', undefined),
        last_updated_timestamp: key('last_updated_timestamp', undefined),
      },
    },
    tag: tags(false),
  },
}

/** For the registry's search (model-versions/search). */
export const MODEL_VERSION_SEARCH: IdentifierPolicy = {
  bare: 'attribute',
  types: {
    attribute: {
      prefixes: ATTRIBUTE_PREFIXES,
      keys: {
        name: key('name', STRING),
        run_id: key('run_id', { comparators: ['=', '!=', 'IN', 'NOT IN'], value: 'string' }),
        source_path: key('source_path', STRING),
        version_number: key('version_number', NUMERIC),
        creation_timestamp: key('creation_timestamp', undefined),
        timestamp: key('creation_timestamp', undefined),
        last_updated_timestamp: key('last_updated_timestamp', undefined),
      },
    },
    tag: tags(false),
  },
}
