import { useSyncExternalStore } from 'react'

/**
 * The API token of a server started with `--auth`: kept in sessionStorage (gone when the tab
 * closes), sent as Bearer on every API call, and mirrored in a SameSite=Strict cookie that the
 * server accepts only on GETs, so downloads and the live log (EventSource) carry it too.
 */
const KEY = 'railyard.token'
const COOKIE = 'railyard_token'

let refused = false
const listeners = new Set<() => void>()

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined
}

export function signIn(token: string): void {
  sessionStorage.setItem(KEY, token)
  setCookie(encodeURIComponent(token), '')
  location.reload()
}

export function signOut(): void {
  sessionStorage.removeItem(KEY)
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
