// The browser-safe parts of @railyard/sdk, imported by file: the package's entry also exports the
// node-only pieces (artifact and dataset transfers on fs and streams, model loading), which a
// browser bundle cannot include.
export { Transport, queryString } from '../../../sdk/src/http.js'
export { ExperimentsClient } from '../../../sdk/src/experiments-client.js'
export { RunsClient } from '../../../sdk/src/runs-client.js'
export type { Call } from '../../../sdk/src/call.js'
export type { FileInfo, Page, TrackingResponses } from '../../../sdk/src/responses.js'
