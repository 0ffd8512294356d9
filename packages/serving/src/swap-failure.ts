/** A new version failed to load or failed its check; the version serving now is untouched. */
export class SwapFailure extends Error {
  /** Network or server trouble rather than a broken model: worth trying again later. */
  readonly transient: boolean

  constructor(message: string, opts: { cause?: unknown; transient?: boolean } = {}) {
    super(message, { cause: opts.cause })
    this.name = 'SwapFailure'
    this.transient = opts.transient ?? false
  }
}
