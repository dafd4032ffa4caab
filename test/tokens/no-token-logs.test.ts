import t from 'tap'
import { MemoryCoordinationStore } from '../../index.js'
import { signIn } from '../helpers/login.js'
import { buildTokensApp, LogCapture, logoutAtProvider, POST_LOGOUT_URI, sessionIdOf, signInWithProviderSession, startTokenProvider } from '../helpers/tokens.js'

t.test('no token value appears in any log line across sign-in, refresh, userinfo and every logout', async (t) => {
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const logs = new LogCapture()
  const coordination = new MemoryCoordinationStore()
  const app = await buildTokensApp(t, {
    issuer: provider.issuer,
    logs,
    routes: { backchannelLogout: true, providerLogout: true, postLogoutRedirectUri: POST_LOGOUT_URI, revokeTokensOnLogout: true },
    tokens: { refreshSkew: 30_000, coordination }
  })
  const secrets = new Set<string>()
  const remember = async (cookie: string): Promise<void> => {
    const record = await app.oidc.record(sessionIdOf(cookie))
    for (const value of [record?.idToken, record?.tokens?.accessToken, record?.tokens?.refreshToken]) {
      if (value !== undefined) secrets.add(value)
    }
  }

  // Sign in, refresh twice (rotation), userinfo, RP-initiated logout with revocation.
  const first = await signIn(app, 'ada')
  await remember(first.cookie)
  for (let i = 0; i < 2; i++) {
    t.equal((await app.inject({ method: 'GET', url: '/api/token', headers: { cookie: first.cookie } })).statusCode, 200)
    await remember(first.cookie)
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/userinfo', headers: { cookie: first.cookie } })).statusCode, 200)
  await remember(first.cookie)
  const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: first.cookie, accept: 'text/html' } })
  t.equal(logout.statusCode, 303)

  // Back-channel logout: a refused token, then the provider's real one.
  const second = await signInWithProviderSession(app, 'ada')
  await remember(second.cookie)
  const forged = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.'
  secrets.add(forged)
  const post = async (token: string): Promise<number> => (await app.inject({
    method: 'POST',
    url: '/auth/backchannel-logout',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ logout_token: token }).toString()
  })).statusCode
  t.equal(await post(forged), 400)
  await logoutAtProvider(provider.issuer, second.providerCookies)
  secrets.add(provider.logoutTokens[0]!)
  t.equal(await post(provider.logoutTokens[0]!), 200)
  t.equal(await post(provider.logoutTokens[0]!), 400, 'replayed')

  // A revoked refresh token ends the session.
  const third = await signIn(app, 'ada')
  await remember(third.cookie)
  await app.oauth2.revokeToken((await app.oidc.record(sessionIdOf(third.cookie)))!.tokens!.refreshToken!, 'refresh_token')
  t.equal((await app.inject({ method: 'GET', url: '/api/token', headers: { cookie: third.cookie } })).statusCode, 401)

  t.ok(secrets.size >= 10, `collected ${secrets.size} token values`)
  t.ok(logs.lines.length > 20, `captured ${logs.lines.length} log lines`)
  t.ok(logs.lines.some((line) => line.includes('back-channel logout')), 'the flows did log')
  // The last 24 characters: a JWT's signature, or most of an opaque token.
  const leaks = logs.lines.filter((line) => [...secrets].some((secret) => line.includes(secret.slice(-24))))
  t.same(leaks, [], 'no log line carries a token')
})
