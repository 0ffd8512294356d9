import type { FixedKey, IdentifierPolicy, KeyRule } from './policy.js'

/**
 * What a logged-model search accepts (mlflow/utils/search_logged_model_utils.py): `metrics.<k>`
 * with numeric comparators, `params.<k>` / `tags.<k>` and the string attributes with string
 * comparators (MLflow 3's documented `IN` / `NOT IN` included), and the two timestamps as numbers.
 * Only attributes and metrics can be sorted on, as in MLflow.
 */

const NUMERIC: KeyRule = { comparators: ['=', '!=', '<', '<=', '>', '>='], value: 'number' }
const STRING: KeyRule = { comparators: ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'], value: 'string' }

const attribute = (name: string, filter: KeyRule): FixedKey => ({ name, filter, sortable: true })

const created = attribute('creation_timestamp_ms', NUMERIC)
const updated = attribute('last_updated_timestamp_ms', NUMERIC)

export const LOGGED_MODEL_SEARCH: IdentifierPolicy = {
  bare: 'attribute',
  types: {
    metric: { prefixes: ['metrics', 'metric'], anyKey: { ...NUMERIC, sortable: true } },
    param: { prefixes: ['params', 'param'], anyKey: { ...STRING, sortable: false } },
    tag: { prefixes: ['tags', 'tag'], anyKey: { ...STRING, sortable: false } },
    attribute: {
      prefixes: ['attributes', 'attribute', 'attr'],
      keys: {
        model_id: attribute('model_id', STRING),
        name: attribute('name', STRING),
        model_type: attribute('model_type', STRING),
        source_run_id: attribute('source_run_id', STRING),
        status: attribute('status', STRING),
        experiment_id: attribute('experiment_id', STRING),
        // MLflow's aliases (SqlLoggedModel.ALIASES) and the column names themselves.
        creation_time: created,
        creation_timestamp: created,
        creation_timestamp_ms: created,
        last_updated_timestamp: updated,
        last_updated_timestamp_ms: updated,
      },
    },
  },
}
