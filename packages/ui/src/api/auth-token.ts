import { useSyncExternalStore } from 'react'

/**
 * The API token of a server started with `--auth`, kept in one SameSite=Strict session cookie (gone
 * when the browser closes): sent as Bearer on every API call, and by the browser itself on
 * downloads and the live log (EventSource), which the server accepts on GETs only. Every tab reads
 * the same cookie, so all show the same signed-in state and Sign out in one signs out all of them.
 * (A sessionStorage copy once made it look per tab, while the cookie signed in every tab anyway.)
 */
const COOKIE = 'railyard_token'
// Where earlier builds kept a copy; removed on sign-in and sign-out.
const OLD_SESSION_KEY = 'railyard.token'

let refused = false
const listeners = new Set<() => void>()

export function storedToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || undefined
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

export function signIn(token: string): void {
  sessionStorage.removeItem(OLD_SESSION_KEY)
  setCookie(encodeURIComponent(token), '')
  location.reload()
}

export function signOut(): void {
  sessionStorage.removeItem(OLD_SESSION_KEY)
  setCookie('', '; Max-Age=0')
  location.reload()
}

function setCookie(value: string, extra: string): void {
  const secure = location.protocol === 'https:' ? '; Secure' : ''
  document.cookie = `${COOKIE}=${value}; Path=/; SameSite=Strict${secure}${extra}`
}

/** fetch with the token added; a 401 asks for one (useTokenRefused). */
export async function authFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const token = storedToken()
  const headers = new Headers(init.headers)
  if (token) headers.set('authorization', `Bearer ${token}`)
  const res = await fetch(input, { ...init, headers })
  if (res.status === 401 && !refused) {
    refused = true
    for (const l of listeners) l()
  }
  return res
}

/** True once the server has answered 401: show the sign-in form instead of the page. */
export function useTokenRefused(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    () => refused,
  )
}
