import { InvalidParameterError } from '@railyard/api'

/** What is being parsed, as it appears in messages: `Invalid filter '…'`, `Invalid order_by clause '…'`. */
export type SearchInput = 'filter' | 'order_by clause'

// Echo long inputs only in part: the position still points into the full text.
const ECHO_LIMIT = 200

/** An INVALID_PARAMETER_VALUE that quotes the input and says what is wrong and where. */
export function searchSyntaxError(input: SearchInput, source: string, detail: string): InvalidParameterError {
  const echo = source.length > ECHO_LIMIT ? `${source.slice(0, ECHO_LIMIT)}…` : source
  return new InvalidParameterError(`Invalid ${input} '${echo}': ${detail}`)
}
