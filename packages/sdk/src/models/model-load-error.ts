/**
 * A model could not be loaded: its flavor is not supported here, its flavor's runtime is not
 * installed, or its own code failed while loading or predicting. `cause` holds the underlying error.
 */
export class ModelLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ModelLoadError'
  }
}

/** The runtime package a flavor needs (e.g. @railyard/flavor-onnx) is not installed. */
export class RuntimeMissingError extends ModelLoadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RuntimeMissingError'
  }
}
