/**
 * The gate could not reach a verdict (exit code 2): mismatched or missing evaluation data, an
 * unknown metric, a model that cannot be loaded or predicted with. The message says why in
 * words a pipeline log reader can act on.
 */
export class GateError extends Error {}

/**
 * A GateError caused by what the user gave the gate (flags, the policy, and the files, datasets,
 * modules and metric names it names), not by the candidate: an unknown version or alias, a
 * missing dataset or label field, a metric no model reports. Exit code 2 like any GateError, but
 * never recorded on the candidate, since it says nothing about that version.
 */
export class InputError extends GateError {}
