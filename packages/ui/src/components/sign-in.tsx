import { useState, type FormEvent } from 'react'
import { signIn, storedToken } from '../api/auth-token.js'

/** Asks for an API token when the server requires one (it answered 401). */
export function SignIn() {
  const [token, setToken] = useState('')
  const rejected = storedToken() !== undefined
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (token.trim()) signIn(token.trim())
  }
  return (
    <form className="empty" onSubmit={submit} aria-label="Sign in">
      <div className="empty-title">{rejected ? 'The server refused your token.' : 'This server requires a token.'}</div>
      <div className="empty-body">
        <p>
          Paste an API token (an admin makes one with <code>railyard tokens create</code>). It is kept for this browser session, in every tab, until you sign out.
        </p>
        <p style={{ display: 'flex', gap: 8, justifyContent: 'center' }}>
          <input
            type="password"
            name="token"
            aria-label="API token"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            style={{ width: 360 }}
            autoFocus
          />
          <button type="submit" className="button">
            Sign in
          </button>
        </p>
      </div>
    </form>
  )
}
