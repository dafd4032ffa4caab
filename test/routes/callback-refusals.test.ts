import t from 'tap'
import { build } from '../helpers/build.js'
import { startProvider } from '../helpers/provider.js'
import { authorizeAtProvider, callbackPath, sessionCookie, startLogin } from '../helpers/login.js'

t.test('refuses a callback whose state does not match the login', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { authorizeUrl, cookie } = await startLogin(app)
  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'mallory')
  callbackUrl.searchParams.set('state', 'forged-state-value')
  const tokenCalls = provider.requests.get('/token') ?? 0

  const res = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_STATE_MISMATCH')
  t.equal(provider.requests.get('/token') ?? 0, tokenCalls, 'the provider is not called')

  callbackUrl.searchParams.set('state', authorizeUrl.searchParams.get('state')!)
  const retry = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie } })
  t.equal(retry.statusCode, 401, 'the failed callback cleared the pending login')
  t.equal(retry.json().code, 'FST_OIDC_NO_TRANSACTION')
})

t.test('refuses a callback with no login transaction before calling the provider', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { authorizeUrl } = await startLogin(app)
  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'mallory')
  const tokenCalls = provider.requests.get('/token') ?? 0

  // Same callback URL, but from a browser that never started this login.
  const res = await app.inject({ method: 'GET', url: callbackPath(callbackUrl) })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_NO_TRANSACTION')
  t.equal(provider.requests.get('/token') ?? 0, tokenCalls, 'the provider is not called')
  t.equal(res.headers['set-cookie'], undefined, 'a callback matching nothing writes no session')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: sessionCookie(res) ?? '' } })
  t.equal(me.statusCode, 401)
})

t.test('refuses a reused callback', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { authorizeUrl, cookie } = await startLogin(app)
  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')

  const first = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie } })
  t.equal(first.statusCode, 302, 'the first callback signs in')
  const replay = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie } })
  t.equal(replay.statusCode, 401, 'the same callback again is refused')
  t.equal(replay.json().code, 'FST_OIDC_NO_TRANSACTION')
  const signedIn = sessionCookie(first)!
  const replayInSignedInSession = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie: signedIn } })
  t.equal(replayInSignedInSession.statusCode, 401, 'and refused in the new session too')
})

t.test('turns a provider error answer into a clean 401 and clears the login', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { authorizeUrl, cookie } = await startLogin(app)
  const state = authorizeUrl.searchParams.get('state')!

  const res = await app.inject({
    method: 'GET',
    url: '/auth/callback',
    query: { error: 'access_denied', error_description: 'End-User aborted interaction', state },
    headers: { cookie }
  })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_PROVIDER_DENIED')
  t.notMatch(res.body, /End-User aborted/, 'the provider text is not echoed')

  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')
  const late = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie: sessionCookie(res) ?? cookie } })
  t.equal(late.json().code, 'FST_OIDC_NO_TRANSACTION', 'the denied login cannot be completed afterwards')
})

t.test('answers 400 with a coded error when code or state is missing', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { cookie } = await startLogin(app)
  const queries: Array<Record<string, string>> = [{ state: 'abc' }, { code: 'abc' }, {}, { code: '', state: 'abc' }]
  for (const query of queries) {
    const res = await app.inject({ method: 'GET', url: '/auth/callback', query, headers: { cookie } })
    t.equal(res.statusCode, 400, `400 for ${JSON.stringify(query)}`)
    t.equal(res.json().code, 'FST_OIDC_INVALID_REQUEST')
  }
  const repeated = await app.inject({ method: 'GET', url: '/auth/callback?code=a&code=b&state=s', headers: { cookie } })
  t.equal(repeated.statusCode, 400, 'a repeated parameter is refused')
  const oversize = await app.inject({ method: 'GET', url: '/auth/callback', query: { code: 'a', state: 'x'.repeat(5000) }, headers: { cookie } })
  t.equal(oversize.statusCode, 400, 'an oversize state is refused')
  const control = await app.inject({ method: 'GET', url: '/auth/callback?code=a%00b&state=s', headers: { cookie } })
  t.equal(control.statusCode, 400, 'a NUL character is refused')
})

t.test('keeps each tab\'s login separate', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const first = await startLogin(app, { returnTo: '/first' })
  const second = await startLogin(app, { cookie: first.cookie, returnTo: '/second' })
  const firstCallback = await authorizeAtProvider(first.authorizeUrl, 'ada')
  await authorizeAtProvider(second.authorizeUrl, 'ada')
  const res = await app.inject({ method: 'GET', url: callbackPath(firstCallback), headers: { cookie: second.cookie } })
  t.equal(res.statusCode, 302, 'the first tab completes although a second login started later')
  t.equal(res.headers.location, '/first')
})

t.test('expires a login that took longer than loginTimeout', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer, routes: { loginTimeout: 50 } })
  const { authorizeUrl, cookie } = await startLogin(app)
  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')
  await new Promise((resolve) => setTimeout(resolve, 80))
  const res = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_LOGIN_EXPIRED')
})

t.test('redirects browsers to the error page when one is configured', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer, routes: { errorRedirect: '/login-error' } })
  const res = await app.inject({ method: 'GET', url: '/auth/callback', query: { code: 'a', state: 'b' } })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/login-error?error=FST_OIDC_NO_TRANSACTION')
})
