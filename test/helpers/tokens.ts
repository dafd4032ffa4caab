import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import type { Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyOidcLogin, { type FastifyOidcLoginOptions, type SessionPluginOptions } from '../../index.js'
import { startProvider, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URI, type TestProvider } from './provider.js'
import { testProviderConfig, TEST_SECRET } from './build.js'
import { authorizeAtProvider, callbackPath, sessionCookie, startLogin } from './login.js'

/** Where the test provider would post logout tokens; never listened on, the provider's fetch is captured. */
export const BACKCHANNEL_URI = 'http://127.0.0.1:3999/auth/backchannel-logout'
export const POST_LOGOUT_URI = 'http://127.0.0.1:3999/'

export interface TokenProvider extends TestProvider {
  /** Logout tokens the provider sent, in order. */
  logoutTokens: string[]
  /** Access token lifetime, in seconds, for the next tokens issued. */
  accessTtl: number
}

/**
 * A real oidc-provider that issues refresh tokens (rotated on every use),
 * access tokens with a lifetime the test sets, RP-initiated and back-channel
 * logout. Logout tokens it sends are captured instead of posted, so tests
 * replay them into apps that are not listening.
 */
export async function startTokenProvider (t: Test, options: { jwks?: { keys: object[] } } = {}): Promise<TokenProvider> {
  const logoutTokens: string[] = []
  const state = { accessTtl: 3600 }
  const provider = await startProvider(t, {
    clients: [{
      client_id: TEST_CLIENT_ID,
      client_secret: TEST_CLIENT_SECRET,
      redirect_uris: [TEST_REDIRECT_URI],
      post_logout_redirect_uris: [POST_LOGOUT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      backchannel_logout_uri: BACKCHANNEL_URI,
      backchannel_logout_session_required: true
    }],
    configuration: {
      ...(options.jwks === undefined ? {} : { jwks: options.jwks as never }),
      features: {
        devInteractions: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        backchannelLogout: { enabled: true },
        revocation: { enabled: true }
      },
      issueRefreshToken: async () => true,
      rotateRefreshToken: () => true,
      ttl: { AccessToken: () => state.accessTtl },
      async fetch (url, init) {
        if (String(url) === BACKCHANNEL_URI) {
          logoutTokens.push(new URLSearchParams(String(init?.body)).get('logout_token') ?? '')
          return new Response(null, { status: 200 })
        }
        throw new Error(`unexpected provider request to ${String(url)}`)
      }
    }
  })
  return Object.defineProperties(provider, {
    logoutTokens: { value: logoutTokens },
    accessTtl: { get: () => state.accessTtl, set: (value: number) => { state.accessTtl = value } }
  }) as TokenProvider
}

/** Collects every log line an app writes, at trace level. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write (chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''))
    callback()
  }
}

export interface TokensAppOptions {
  issuer: string
  routes?: FastifyOidcLoginOptions['routes']
  tokens?: FastifyOidcLoginOptions['tokens']
  /** Session options, such as `redis` for instances that share sessions. */
  session?: Partial<SessionPluginOptions>
  logs?: LogCapture
}

/** A short fingerprint of a token, so test routes never send a token back. */
export function fingerprint (token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16)
}

/**
 * An app with `storeTokens` on and routes that use the signed-in user's
 * tokens: `GET /api/token` (a fingerprint of a valid access token),
 * `GET /api/userinfo`, `POST /api/logout-everywhere`, `POST /api/cart`
 * (writes the session, standing for any handler that changes it).
 */
export async function buildTokensApp (t: Test, options: TokensAppOptions): Promise<FastifyInstance> {
  const app = Fastify(options.logs === undefined ? { logger: false } : { logger: { level: 'trace', stream: options.logs } })
  t.teardown(() => app.close())
  await app.register(fastifyOidcLogin, {
    session: { secret: TEST_SECRET, secure: false, ...options.session },
    provider: testProviderConfig(options.issuer),
    routes: { storeTokens: true, ...options.routes },
    tokens: options.tokens
  })
  app.get('/api/token', async (request) => ({ fingerprint: fingerprint(await request.oidc.accessToken()) }))
  app.get('/api/userinfo', async (request) => {
    const claims = await request.oidc.userinfo()
    return { sub: claims.sub }
  })
  app.post('/api/logout-everywhere', async (request) => {
    const user = request.session.get('user')
    return { ended: user === undefined ? 0 : await app.oidc.logoutEverywhere(user.sub) }
  })
  app.post<{ Querystring: { wait?: string } }>('/api/cart', async (request) => {
    await new Promise((resolve) => setTimeout(resolve, Number(request.query.wait ?? 0)))
    request.session.set('tokensTestCart', [Date.now()])
    return { ok: true }
  })
  await app.ready()
  return app
}

/** The session id inside a signed session cookie (`name=id.signature`). */
export function sessionIdOf (cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))
  return value.slice(0, value.lastIndexOf('.'))
}

declare module 'fastify' {
  interface Session {
    /** Written by the tokens test app's `/api/cart`. */
    tokensTestCart?: number[]
  }
}

/**
 * Signs in at `app` and keeps the provider's cookies, so the test can later
 * end the provider session as the same browser.
 */
export async function signInWithProviderSession (app: FastifyInstance, username: string): Promise<{ cookie: string, providerCookies: Map<string, string> }> {
  const providerCookies = new Map<string, string>()
  const { authorizeUrl, cookie: preLogin } = await startLogin(app)
  const callbackUrl = await authorizeAtProvider(authorizeUrl, username, { jar: providerCookies })
  const callback = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie: preLogin } })
  const cookie = sessionCookie(callback)
  if (callback.statusCode !== 302 || cookie === undefined) throw new Error(`callback answered ${callback.statusCode}`)
  return { cookie, providerCookies }
}

/**
 * Logs out at the provider as the browser holding `providerCookies`: opens
 * its end-session page and confirms, as a user clicking "Yes, sign me out".
 * The provider then sends its back-channel logout tokens.
 */
export async function logoutAtProvider (issuer: string, providerCookies: Map<string, string>): Promise<void> {
  const cookieHeader = (): string => [...providerCookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const keep = (response: Response): void => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';', 1)
      const eq = pair!.indexOf('=')
      providerCookies.set(pair!.slice(0, eq), pair!.slice(eq + 1))
    }
  }
  const page = await fetch(new URL(`/session/end?client_id=${TEST_CLIENT_ID}`, issuer), { headers: { cookie: cookieHeader() }, redirect: 'manual' })
  keep(page)
  const html = await page.text()
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1]
  if (action === undefined || xsrf === undefined) throw new Error(`unexpected end-session page (${page.status})`)
  const confirm = await fetch(new URL(action, issuer), {
    method: 'POST',
    headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
    redirect: 'manual'
  })
  await confirm.arrayBuffer()
  if (confirm.status !== 303 && confirm.status !== 302) throw new Error(`end-session confirm answered ${confirm.status}`)
}
