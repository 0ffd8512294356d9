import os from 'node:os'

/** The OS user, sent as `X-Railyard-User` so freezes and refreshes are attributed (the server may know better). */
export function localUser(): string | undefined {
  try {
    return os.userInfo().username
  } catch {
    return process.env.USER || process.env.USERNAME || undefined
  }
}

/** Headers naming the local user, unless the client was configured with its own. */
export function userHeaders(configured: Record<string, string>): Record<string, string> {
  if (Object.keys(configured).some((h) => h.toLowerCase() === 'x-railyard-user')) return {}
  const user = localUser()
  return user ? { 'x-railyard-user': user } : {}
}
