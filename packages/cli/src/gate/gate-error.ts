/**
 * The gate could not reach a verdict (exit code 2): mismatched or missing evaluation data, an
 * unknown metric, a model that cannot be loaded or predicted with. The message says why in
 * words a pipeline log reader can act on.
 */
export class GateError extends Error {}
