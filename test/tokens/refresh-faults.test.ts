import t from 'tap'
import { buildTokensApp, sessionIdOf } from '../helpers/tokens.js'
import { loginAt, startHostileProvider } from '../helpers/hostile-provider.js'
import { sessionCookie } from '../helpers/login.js'

// The misbehaving provider issues access tokens for 300 s; a skew of 10
// minutes makes every access token "about to expire", so each call refreshes.
const alwaysRefresh = { refreshSkew: 600_000 }

t.test('a refresh refused with invalid_grant ends the session', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: alwaysRefresh })
  const login = await loginAt(app)
  const cookie = sessionCookie(login.response)!
  provider.behave({ refreshError: { status: 400, error: 'invalid_grant' } })
  const res = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_SESSION_ENDED')
  t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode, 401, 'signed out')
})

t.test('a refresh failing for reasons that are not the user\'s keeps the session', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: alwaysRefresh })
  const login = await loginAt(app)
  const cookie = sessionCookie(login.response)!
  const faults = [
    { status: 401, error: 'invalid_client' }, // the client secret was rotated at the provider
    { status: 401, error: 'invalid_client', challenge: true }, // the same, answered with a WWW-Authenticate challenge
    { status: 400, error: 'slow_down' },
    { status: 429, error: 'temporarily_unavailable' },
    { status: 503, error: 'temporarily_unavailable' }
  ]
  for (const fault of faults) {
    provider.behave({ refreshError: fault })
    const res = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
    t.equal(res.statusCode, 502, `${fault.status} ${fault.error}${fault.challenge === true ? ' (challenge)' : ''}: a provider fault`)
    t.equal(res.json().code, 'FST_OIDC_PROVIDER_ERROR')
    t.notMatch(res.body, /provider-body-marker/, 'the provider body is not echoed')
    t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode, 200, 'still signed in')
  }
  provider.behave({})
  const healed = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(healed.statusCode, 200, 'the next refresh works once the provider is fine')
})

t.test('a refresh that finishes after logout does not write the tokens back', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: alwaysRefresh })
  const login = await loginAt(app)
  const cookie = sessionCookie(login.response)!
  t.ok(await app.oidc.record(sessionIdOf(cookie)), 'the sign-in record exists')
  provider.behave({ refreshDelayMs: 400 })
  const slow = app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  await new Promise((resolve) => setTimeout(resolve, 150))
  const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } })
  t.equal(logout.statusCode, 204)
  const late = await slow
  t.equal(late.statusCode, 401, 'the request that raced the logout gets no token')
  t.equal(late.json().code, 'FST_OIDC_SESSION_ENDED')
  t.equal(await app.oidc.record(sessionIdOf(cookie)), undefined, 'no refresh token is left behind after logout')
  t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode, 401)
})
