import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { TEST_REDIRECT_URI } from './provider.js'

/** `name=value` of the session cookie an app response set, if any. */
export function sessionCookie (response: LightMyRequestResponse): string | undefined {
  const cookie = response.cookies.find((c) => c.name === 'oidc.sid' || c.name === '__Host-oidc.sid')
  if (cookie === undefined || cookie.value === '') return undefined
  return `${cookie.name}=${cookie.value}`
}

/** Starts a login at the app; returns the provider URL and the pre-login session cookie. */
export async function startLogin (app: FastifyInstance, options: { cookie?: string, returnTo?: string } = {}): Promise<{ authorizeUrl: URL, cookie: string, response: LightMyRequestResponse }> {
  const response = await app.inject({
    method: 'GET',
    url: '/auth/login',
    query: options.returnTo === undefined ? {} : { returnTo: options.returnTo },
    headers: options.cookie === undefined ? {} : { cookie: options.cookie }
  })
  if (response.statusCode !== 302) throw new Error(`login answered ${response.statusCode}: ${response.body}`)
  const cookie = sessionCookie(response) ?? options.cookie
  if (cookie === undefined) throw new Error('login set no session cookie')
  return { authorizeUrl: new URL(response.headers.location as string), cookie, response }
}

/**
 * Plays the browser at the provider: follows redirects, fills in the
 * development sign-in form with `username` and confirms consent, until the
 * provider redirects to the app's callback (`options.redirectUri`). Returns
 * that callback URL. Pass `options.jar` to keep the provider's cookies (its
 * session) afterwards.
 */
export async function authorizeAtProvider (
  authorizeUrl: URL,
  username: string,
  options: { jar?: Map<string, string>, redirectUri?: string } = {}
): Promise<URL> {
  const jar = options.jar ?? new Map<string, string>()
  const redirectUri = options.redirectUri ?? TEST_REDIRECT_URI
  let url = authorizeUrl
  let init: RequestInit = { method: 'GET' }
  for (let step = 0; step < 20; step++) {
    const headers = new Headers(init.headers)
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';', 1)
      const eq = pair!.indexOf('=')
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1))
    }
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.arrayBuffer()
      const next = new URL(location, url)
      if (next.href.startsWith(redirectUri)) return next
      url = next
      init = { method: 'GET' }
      continue
    }
    const html = await response.text()
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1]
    if (response.status !== 200 || action === undefined || prompt === undefined) {
      throw new Error(`unexpected provider page (${response.status}): ${html.slice(0, 300)}`)
    }
    const body = new URLSearchParams({ prompt })
    if (prompt === 'login') {
      body.set('login', username)
      body.set('password', 'any-password')
    }
    url = new URL(action.replaceAll('&amp;', '&'), url)
    init = { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }
  }
  throw new Error('the provider never redirected back to the app')
}

/** The app path and query of a callback URL, for `app.inject`. */
export function callbackPath (callbackUrl: URL): string {
  return callbackUrl.pathname + callbackUrl.search
}

/** A complete login: start, sign in at the provider, run the callback. */
export async function signIn (app: FastifyInstance, username: string, options: { returnTo?: string } = {}): Promise<{
  cookie: string
  preLoginCookie: string
  callback: LightMyRequestResponse
}> {
  const { authorizeUrl, cookie: preLoginCookie } = await startLogin(app, options)
  const callbackUrl = await authorizeAtProvider(authorizeUrl, username)
  const callback = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie: preLoginCookie } })
  const cookie = sessionCookie(callback)
  if (callback.statusCode !== 302 || cookie === undefined) {
    throw new Error(`callback answered ${callback.statusCode}: ${callback.body}`)
  }
  return { cookie, preLoginCookie, callback }
}
