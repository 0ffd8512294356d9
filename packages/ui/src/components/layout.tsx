import type { ReactNode } from 'react'
import { Link } from './link.js'
import { signOut, storedToken } from '../api/auth-token.js'

const SECTIONS = [
  { href: '/experiments', label: 'Experiments', match: /^\/(experiments|runs)(\/|$)|^\/$/ },
  { href: '/models', label: 'Models', match: /^\/models(\/|$)/ },
  { href: '/datasets', label: 'Datasets', match: /^\/datasets(\/|$)/ },
]

export function Layout({ path, children }: { path: string; children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/experiments" className="brand" aria-label="Railyard home">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          Railyard
        </Link>
        <nav aria-label="Sections">
          {SECTIONS.map((s) => (
            <Link key={s.href} href={s.href} className="nav-link" aria-current={s.match.test(path) ? 'page' : undefined}>
              {s.label}
            </Link>
          ))}
        </nav>
        {storedToken() && (
          <button type="button" className="nav-link" onClick={signOut} style={{ marginLeft: 'auto', background: 'none', border: 0, cursor: 'pointer', font: 'inherit' }}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  )
}

export interface Crumb {
  label: string
  href?: string
}

/** Title, where it sits (breadcrumbs), and the page's main actions on the right. */
export function PageHeader({ crumbs, title, badges, actions, subtitle }: { crumbs?: Crumb[]; title: ReactNode; badges?: ReactNode; actions?: ReactNode; subtitle?: ReactNode }) {
  return (
    <div className="page-header">
      <div className="page-header-main">
        {crumbs && crumbs.length > 0 && (
          <nav className="crumbs" aria-label="Breadcrumb">
            {crumbs.map((c, i) => (
              <span key={i}>
                {c.href ? <Link href={c.href}>{c.label}</Link> : c.label}
                <span className="crumb-sep" aria-hidden="true">
                  /
                </span>
              </span>
            ))}
          </nav>
        )}
        <h1>
          {title} {badges}
        </h1>
        {subtitle && <div className="subtitle">{subtitle}</div>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  )
}

/** A titled card of a page. */
export function Section({ title, actions, children, id }: { title: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="card" aria-labelledby={id ? `${id}-title` : undefined} id={id}>
      <div className="card-header">
        <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
        {actions && <div className="card-actions">{actions}</div>}
      </div>
      {children}
    </section>
  )
}
