/**
 * Error codes and HTTP statuses are MLflow's (mlflow/exceptions.py), so MLflow clients
 * turn our errors into the same exceptions they already handle.
 */
export const STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
} as const

export type ErrorCode = keyof typeof STATUS

/** The wire shape of every error response. */
export interface ErrorBody {
  error_code: ErrorCode | string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = new.target.name
    this.status = STATUS[code]
  }
  toBody(): ErrorBody {
    return { error_code: this.code, message: this.message }
  }
}

export class InvalidParameterError extends ApiError {
  constructor(message: string) {
    super('INVALID_PARAMETER_VALUE', message)
  }
}
export class NotFoundError extends ApiError {
  constructor(message: string) {
    super('RESOURCE_DOES_NOT_EXIST', message)
  }
}
export class AlreadyExistsError extends ApiError {
  constructor(message: string) {
    super('RESOURCE_ALREADY_EXISTS', message)
  }
}
export class PermissionDeniedError extends ApiError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message)
  }
}
export class UnauthenticatedError extends ApiError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message)
  }
}
export class EndpointNotFoundError extends ApiError {
  constructor(message: string) {
    super('ENDPOINT_NOT_FOUND', message)
  }
}

/** Rebuilds the matching error class from a wire body (used by the SDK). */
export function errorFromBody(status: number, body: Partial<ErrorBody> | undefined): ApiError {
  const code = (body?.error_code ?? 'INTERNAL_ERROR') as ErrorCode
  const message = body?.message ?? `HTTP ${status}`
  switch (code) {
    case 'INVALID_PARAMETER_VALUE':
      return new InvalidParameterError(message)
    case 'RESOURCE_DOES_NOT_EXIST':
      return new NotFoundError(message)
    case 'RESOURCE_ALREADY_EXISTS':
      return new AlreadyExistsError(message)
    case 'PERMISSION_DENIED':
      return new PermissionDeniedError(message)
    case 'UNAUTHENTICATED':
      return new UnauthenticatedError(message)
    default: {
      const err = new ApiError(code in STATUS ? code : 'INTERNAL_ERROR', message)
      ;(err as { status: number }).status = status
      return err
    }
  }
}
