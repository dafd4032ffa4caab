import t from 'tap'
import { MemoryCoordinationStore } from '../../index.js'
import { signIn } from '../helpers/login.js'
import { buildTokensApp, sessionIdOf, startTokenProvider } from '../helpers/tokens.js'

const tokenCalls = (provider: { requests: Map<string, number> }): number => provider.requests.get('/token') ?? 0

t.test('uses the stored access token while it is far from expiry', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { refreshSkew: 1000 } })
  const { cookie } = await signIn(app, 'ada')
  const before = tokenCalls(provider)
  const first = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  const second = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(first.statusCode, 200)
  t.equal(second.json().fingerprint, first.json().fingerprint, 'the same token')
  t.equal(tokenCalls(provider), before, 'no refresh')
})

t.test('refreshes an access token that expires within the skew', async (t) => {
  const provider = await startTokenProvider(t)
  provider.accessTtl = 20
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { refreshSkew: 30_000 } })
  const { cookie } = await signIn(app, 'ada')
  const before = tokenCalls(provider)
  provider.accessTtl = 3600
  const first = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(first.statusCode, 200)
  t.equal(tokenCalls(provider), before + 1, 'one refresh')
  const second = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(second.json().fingerprint, first.json().fingerprint, 'the refreshed token is kept and reused')
  t.equal(tokenCalls(provider), before + 1, 'no second refresh')
})

t.test('stores the rotated refresh token, and a stale request does not write the old one back', async (t) => {
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const coordination = new MemoryCoordinationStore()
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { refreshSkew: 30_000, coordination } })
  const { cookie } = await signIn(app, 'ada')
  const refreshTokenOf = async (): Promise<string | undefined> => (await app.oidc.record(sessionIdOf(cookie)))?.tokens?.refreshToken
  const original = await refreshTokenOf()
  t.type(original, 'string')

  // A slow request loads the session now and saves it after the refresh.
  const stale = app.inject({ method: 'POST', url: '/api/cart?wait=300', headers: { cookie } })
  await new Promise((resolve) => setTimeout(resolve, 50))
  const refreshed = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(refreshed.statusCode, 200)
  const rotated = await refreshTokenOf()
  t.not(rotated, original, 'the rotated refresh token replaced the old one')
  t.equal((await stale).statusCode, 200)
  t.equal(await refreshTokenOf(), rotated, 'the stale request did not bring the old refresh token back')

  // The provider refuses a rotated-away token (and revokes the grant), so a
  // second refresh only works with the stored rotated one.
  const again = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(again.statusCode, 200, 'the next refresh succeeds with the rotated token')
  t.not(await refreshTokenOf(), rotated, 'rotated again')
})

t.test('ends the session with 401 when the refresh token was revoked, without retrying', async (t) => {
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { refreshSkew: 30_000 } })
  const { cookie } = await signIn(app, 'ada')
  const record = await app.oidc.record(sessionIdOf(cookie))
  await app.oauth2.revokeToken(record!.tokens!.refreshToken!, 'refresh_token')
  const before = tokenCalls(provider)

  const res = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_SESSION_ENDED')
  t.equal(tokenCalls(provider), before + 1, 'exactly one refresh attempt')
  t.ok(res.cookies.some((c) => c.name === 'oidc.sid' && c.value === ''), 'the session cookie is cleared')
  t.equal(await app.oidc.record(sessionIdOf(cookie)), undefined, 'the tokens are gone')

  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401, 'the session is destroyed')
  const later = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(later.json().code, 'FST_OIDC_NO_TOKENS')
  t.equal(tokenCalls(provider), before + 1, 'and the provider is not asked again')
})

t.test('ends the session when a refreshed ID token names another subject', async (t) => {
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const coordination = new MemoryCoordinationStore()
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { refreshSkew: 30_000, coordination } })
  const { cookie } = await signIn(app, 'ada')
  // The session was recorded for another user than the provider now names.
  const key = `session:${sessionIdOf(cookie)}`
  const record = JSON.parse((await coordination.get(key))!)
  await coordination.set(key, JSON.stringify({ ...record, sub: 'grace' }), 60_000)

  const res = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_SESSION_ENDED')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401, 'the session is destroyed')
})

t.test('answers 401 FST_OIDC_NO_TOKENS without a signed-in user or without storeTokens', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, routes: { storeTokens: false } })
  const anonymous = await app.inject({ method: 'GET', url: '/api/token' })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.json().code, 'FST_OIDC_NO_TOKENS')
  const { cookie } = await signIn(app, 'ada')
  const withoutTokens = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(withoutTokens.statusCode, 401)
  t.equal(withoutTokens.json().code, 'FST_OIDC_NO_TOKENS')
})
