import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { MemorySessionStore, type IdentityClaims, type OAuth2Config, type TokenSet } from '../../index.js'
import { build, TEST_SECRET } from '../helpers/build.js'
import { startProvider, TEST_CLIENT_SECRET } from '../helpers/provider.js'
import { authorizeAtProvider, callbackPath, sessionCookie, startLogin } from '../helpers/login.js'
import { loginAt, PROVIDER_BODY_MARKER, startHostileProvider } from '../helpers/hostile-provider.js'
import { readSession, sessionId } from '../helpers/session-store.js'

interface Capture {
  lines: string[]
  /** The tokens of the last login, as the callback received them. */
  tokens?: TokenSet
  /** Values that must never appear in a log line. */
  secrets: Map<string, string>
}

function capture (): Capture & { stream: { write: (line: string) => void } } {
  const lines: string[] = []
  return { lines, secrets: new Map(), stream: { write: (line: string) => { lines.push(line) } } }
}

function addCookie (secrets: Map<string, string>, label: string, cookie: string | undefined): void {
  if (cookie === undefined) return
  const value = cookie.slice(cookie.indexOf('=') + 1)
  secrets.set(`${label} cookie value`, value)
  secrets.set(`${label} cookie value (encoded)`, encodeURIComponent(value))
  secrets.set(`${label} session id`, sessionId(cookie))
}

function assertNoSecrets (t: Test, app: FastifyInstance, { lines, secrets }: Capture): void {
  t.equal(app.log.level, 'trace', 'every level was logged')
  t.ok(lines.length > 10, `log lines were captured (${lines.length})`)
  const text = lines.join('\n')
  for (const [label, value] of secrets) {
    t.ok(value.length >= 8, `${label} is a real value`)
    t.notOk(text.includes(value), `no log line holds the ${label}`)
  }
}

async function appWithCapture (t: Test, issuer: string, log: ReturnType<typeof capture>, store: MemorySessionStore, extra: object = {}): Promise<FastifyInstance> {
  return build(t, {
    issuer,
    session: { store },
    // mapUser sees every token of the login, so the test knows the real values to search for.
    routes: { storeTokens: true, mapUser: (claims: IdentityClaims, tokens: TokenSet) => { log.tokens = tokens; return { sub: claims.sub, issuer: String(claims.iss) } } },
    fastify: { logger: { level: 'trace', stream: log.stream } },
    ...extra
  })
}

t.test('no log line at any level holds a code, token, secret or session cookie across a full login', async (t) => {
  const provider = await startProvider(t)
  const store = new MemorySessionStore()
  const log = capture()
  const app = await appWithCapture(t, provider.issuer, log, store)

  const { authorizeUrl, cookie: preLogin, response: login } = await startLogin(app, { returnTo: '/dashboard' })
  const pending = (await readSession(store, sessionId(preLogin)))?.oidcLogins?.[0]
  t.ok(pending, 'the login transaction is stored')
  log.secrets.set('PKCE verifier', pending!.pkceVerifier)
  const location = String(login.headers.location)
  t.notOk(location.includes(TEST_CLIENT_SECRET), 'the login redirect does not carry the client secret')
  t.notOk(location.includes(pending!.pkceVerifier), 'the login redirect does not carry the PKCE verifier')

  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')
  const callback = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie: preLogin } })
  t.equal(callback.statusCode, 302)
  const cookie = sessionCookie(callback)!
  const tokens = log.tokens
  t.ok(tokens?.idToken, 'the login produced tokens, so the search below has real values')
  log.secrets.set('authorization code', callbackUrl.searchParams.get('code')!)
  log.secrets.set('access token', tokens!.accessToken)
  log.secrets.set('ID token', tokens!.idToken!)
  log.secrets.set('ID token signature', tokens!.idToken!.split('.')[2]!)
  if (tokens!.refreshToken !== undefined) log.secrets.set('refresh token', tokens!.refreshToken)
  log.secrets.set('client secret', TEST_CLIENT_SECRET)
  log.secrets.set('session secret', TEST_SECRET)
  addCookie(log.secrets, 'pre-login', preLogin)
  addCookie(log.secrets, 'signed-in', cookie)

  // Replays and failures log too: the same callback again, a provider error
  // answer, a malformed callback, then /me and logout.
  await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie } })
  await app.inject({ method: 'GET', url: callbackPath(callbackUrl) })
  await app.inject({ method: 'GET', url: `/auth/callback?error=access_denied&error_description=${PROVIDER_BODY_MARKER}&state=x`, headers: { cookie } })
  await app.inject({ method: 'GET', url: `${callbackPath(callbackUrl)}&code=again`, headers: { cookie } })
  t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } })).statusCode, 204)
  await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  log.secrets.set('provider error text', PROVIDER_BODY_MARKER)
  assertNoSecrets(t, app, log)
})

t.test('no log line holds a code, token or provider body when the provider misbehaves', async (t) => {
  const provider = await startHostileProvider(t)
  const store = new MemorySessionStore()
  const log = capture()
  const app = await appWithCapture(t, provider.issuer, log, store, { provider: (config: OAuth2Config) => config.timeout(300) })

  const behaviours = [
    { tokenEndpoint: 'invalid_grant' },
    { tokenEndpoint: 'html-500' },
    { tokenEndpoint: 'malformed-json' },
    { tokenEndpoint: 'hang' },
    { claims: (c: object) => ({ ...c, aud: 'another-client' }) },
    { signing: 'foreign-key' },
    { responseIss: 'https://attacker.example' }
  ] as const
  for (const behaviour of behaviours) {
    provider.behave(behaviour)
    const login = await loginAt(app)
    t.ok(login.response.statusCode >= 400, `refused: ${login.response.statusCode}`)
    addCookie(log.secrets, `login ${log.secrets.size}`, login.cookie)
  }
  provider.behave({})
  const good = await loginAt(app)
  t.equal(good.response.statusCode, 302, 'a good login works after all that')
  addCookie(log.secrets, 'signed-in', good.cookie)

  provider.issued.codes.forEach((code, i) => log.secrets.set(`authorization code ${i}`, code))
  provider.issued.accessTokens.forEach((token, i) => log.secrets.set(`access token ${i}`, token))
  provider.issued.refreshTokens.forEach((token, i) => log.secrets.set(`refresh token ${i}`, token))
  provider.issued.idTokens.forEach((token, i) => log.secrets.set(`ID token ${i}`, token))
  log.secrets.set('client secret', TEST_CLIENT_SECRET)
  log.secrets.set('session secret', TEST_SECRET)
  log.secrets.set('provider body', PROVIDER_BODY_MARKER)
  t.ok(log.lines.some((line) => line.includes('FST_OIDC_PROVIDER_TIMEOUT')), 'the failures themselves are logged, by code')
  assertNoSecrets(t, app, log)
})
