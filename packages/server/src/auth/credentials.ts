/** What a request presents: a token, and with Basic authentication the user it claims. */
export interface Credentials {
  token: string
  /** The Basic user name, which must be the token's user. */
  user?: string
}

/**
 * Reads `Authorization: Bearer <token>` (MLFLOW_TRACKING_TOKEN) or `Basic base64(user:token)`
 * (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD, the password being the token).
 * Undefined when the header is absent or in neither form.
 */
export function credentialsOf(header: string | undefined): Credentials | undefined {
  if (!header) return undefined
  const space = header.indexOf(' ')
  if (space < 0) return undefined
  const scheme = header.slice(0, space).toLowerCase()
  const value = header.slice(space + 1).trim()
  if (scheme === 'bearer') return value ? { token: value } : undefined
  if (scheme !== 'basic') return undefined
  const decoded = Buffer.from(value, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const token = decoded.slice(colon + 1)
  return token ? { user: decoded.slice(0, colon), token } : undefined
}
