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

/** The cookie the web UI sets beside its Bearer header (packages/ui/src/api/auth-token.ts). */
export const TOKEN_COOKIE = 'railyard_token'

/**
 * The UI's token from the Cookie header. Browsers cannot add headers to downloads and
 * EventSource, hence the cookie; the server reads it on GET and HEAD only, which change nothing,
 * so a forged cross-site request gains nothing even where SameSite=Strict is not honoured.
 */
export function cookieCredentials(header: string | undefined): Credentials | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) {
      const value = decodeCookie(part.slice(eq + 1).trim())
      return value ? { token: value } : undefined
    }
  }
  return undefined
}

// A malformed escape (`%E0%A4%A`) is no token, hence a 401, not the URIError's 500.
function decodeCookie(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}
