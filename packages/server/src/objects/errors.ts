import { ApiError, InvalidParameterError, NotFoundError } from '@railyard/api'

/** An object id that is not `sha256:` or `blake3:` followed by 64 lowercase hex digits. */
export class InvalidOidError extends InvalidParameterError {
  constructor(readonly oid: string) {
    super(`Invalid object id '${oid}': expected 'sha256:' or 'blake3:' followed by 64 lowercase hex digits`)
  }
}

/** No object with this id is stored. */
export class ObjectNotFoundError extends NotFoundError {
  constructor(readonly oid: string) {
    super(`Object ${oid} not found`)
  }
}

/**
 * The stored bytes do not hash to the object's id: the storage was changed behind our back or is
 * damaged. A server-side fault (500), never the caller's.
 */
export class ObjectCorruptError extends ApiError {
  constructor(
    readonly oid: string,
    readonly actual: string,
  ) {
    super('INTERNAL_ERROR', `Object ${oid} is corrupt: its stored bytes hash to ${actual}`)
  }
}

/** A tree (manifest) object that does not follow the tree format. */
export class InvalidTreeError extends InvalidParameterError {
  constructor(reason: string) {
    super(`Invalid tree: ${reason}`)
  }
}
