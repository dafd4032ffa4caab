import type { SessionUser } from '../index.js'

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #1d2430; }
  h1 { font-size: 1.6rem; }
  .card { border: 1px solid #d6dbe3; border-radius: 8px; padding: 1.25rem 1.5rem; }
  a.button, button { display: inline-block; font: inherit; padding: .5rem 1rem; border-radius: 6px; border: 0; background: #2456d6; color: #fff; text-decoration: none; cursor: pointer; }
  button.secondary { background: #5b6472; }
  code { background: #f1f3f6; padding: .1rem .3rem; border-radius: 4px; }
  dt { color: #5b6472; }
`

/** Escapes text for an HTML text node or a quoted attribute. */
export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function page (title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`
}

const logoutForm = '<form method="post" action="/auth/logout"><button class="secondary" type="submit">Log out</button></form>'

/** The landing page: a Log in button, or a link to the dashboard when signed in. */
export function homePage (user: SessionUser | undefined): string {
  if (user === undefined) {
    return page('fastify-oidc-login example', `<h1>fastify-oidc-login example</h1>
<div class="card"><p>You are not signed in.</p>
<a class="button" id="login" href="/auth/login?returnTo=/dashboard">Log in</a></div>
<p><a href="/docs">API documentation</a> (OpenAPI, Swagger UI)</p>`)
  }
  return page('fastify-oidc-login example', `<h1>fastify-oidc-login example</h1>
<div class="card"><p>Signed in as <strong>${escapeHtml(user.name ?? user.sub)}</strong>.</p>
<p><a href="/dashboard">Dashboard</a></p>${logoutForm}</div>`)
}

/** The signed-in page. */
export function dashboardPage (user: SessionUser): string {
  return page('Dashboard', `<h1>Dashboard</h1>
<div class="card"><p>Welcome, <strong id="user-name">${escapeHtml(user.name ?? user.sub)}</strong>.</p>
<dl><dt>Email</dt><dd id="user-email">${escapeHtml(user.email ?? '(none)')}</dd>
<dt>Subject</dt><dd><code>${escapeHtml(user.sub)}</code></dd>
<dt>Issuer</dt><dd><code>${escapeHtml(user.issuer)}</code></dd></dl>
${logoutForm}</div>`)
}

/** Shown when a login fails: the error code, never a stack or the provider's words. */
export function loginErrorPage (code: string): string {
  const safeCode = /^FST_OIDC_[A-Z_]{1,64}$/.test(code) ? code : 'FST_OIDC_UNKNOWN'
  return page('Login failed', `<h1>Login failed</h1>
<div class="card"><p>The sign-in did not complete. Error code: <code id="error-code">${safeCode}</code></p>
<a class="button" href="/auth/login?returnTo=/dashboard">Try again</a></div>`)
}
