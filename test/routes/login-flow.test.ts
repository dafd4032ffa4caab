import t from 'tap'
import { build } from '../helpers/build.js'
import { startProvider } from '../helpers/provider.js'
import { authorizeAtProvider, callbackPath, signIn, startLogin } from '../helpers/login.js'

t.test('signs a user in end to end against a real OpenID provider', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })

  const { authorizeUrl, cookie: preLoginCookie } = await startLogin(app, { returnTo: '/dashboard' })
  t.equal(authorizeUrl.origin + authorizeUrl.pathname, `${provider.issuer}/auth`, 'redirects to the authorization endpoint')
  t.equal(authorizeUrl.searchParams.get('code_challenge_method'), 'S256', 'uses PKCE S256')
  t.match(authorizeUrl.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/, 'sends a S256 challenge')
  t.match(authorizeUrl.searchParams.get('state'), /^[A-Za-z0-9_-]{43,}$/, 'sends a random state')
  t.match(authorizeUrl.searchParams.get('nonce'), /^[A-Za-z0-9_-]{43,}$/, 'sends a nonce')
  t.equal(authorizeUrl.searchParams.get('scope'), 'openid email profile')

  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')
  const callback = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie: preLoginCookie } })
  t.equal(callback.statusCode, 302)
  t.equal(callback.headers.location, '/dashboard', 'returns to the path given at login')
  t.equal(callback.headers['cache-control'], 'no-store')
  t.equal(callback.headers['referrer-policy'], 'no-referrer')
  const cookie = callback.cookies.find((c) => c.name === 'oidc.sid')
  t.ok(cookie, 'sets a session cookie')
  t.equal(cookie?.httpOnly, true)
  t.equal(cookie?.sameSite, 'Lax')
  t.equal(cookie?.path, '/')

  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: `oidc.sid=${cookie?.value}` } })
  t.equal(me.statusCode, 200)
  t.same(me.json(), { sub: 'ada', issuer: provider.issuer, email: 'ada@example.test', name: 'ada' })
  t.equal(me.headers['cache-control'], 'no-store')
  t.notMatch(me.body, /eyJ/, 'never returns a token')

  const stale = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: preLoginCookie } })
  t.equal(stale.statusCode, 401, 'the pre-login session id is not signed in')
  t.equal(stale.json().code, 'FST_OIDC_UNAUTHENTICATED')
})

t.test('answers 401 on /auth/me without a session', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const me = await app.inject({ method: 'GET', url: '/auth/me' })
  t.equal(me.statusCode, 401)
  t.equal(me.json().code, 'FST_OIDC_UNAUTHENTICATED')
  t.equal(me.headers['set-cookie'], undefined, 'an anonymous request gets no cookie')
})

t.test('logout destroys the session server-side so a copied cookie is dead', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { cookie } = await signIn(app, 'grace')

  const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } })
  t.equal(logout.statusCode, 204)
  const cleared = logout.cookies.find((c) => c.name === 'oidc.sid')
  t.equal(cleared?.value, '', 'asks the browser to drop the cookie')

  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401, 'the old cookie no longer signs in')
})

t.test('logout from a browser form redirects', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer, routes: { logoutRedirect: '/bye' } })
  const { cookie } = await signIn(app, 'grace')
  const logout = await app.inject({
    method: 'POST',
    url: '/auth/logout',
    headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: ''
  })
  t.equal(logout.statusCode, 303)
  t.equal(logout.headers.location, '/bye')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401, 'the form logout signed the user out')
})

t.test('logout only accepts POST', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { cookie } = await signIn(app, 'grace')
  const viaGet = await app.inject({ method: 'GET', url: '/auth/logout', headers: { cookie } })
  t.equal(viaGet.statusCode, 404)
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 200, 'a GET does not sign the user out')
})

t.test('stores a custom user from mapUser', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, {
    issuer: provider.issuer,
    routes: { mapUser: (claims) => ({ sub: claims.sub, issuer: String(claims.iss), name: `User ${claims.sub}` }) }
  })
  const { cookie } = await signIn(app, 'linus')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.same(me.json(), { sub: 'linus', issuer: provider.issuer, name: 'User linus' })
})

t.test('fetches discovery and keys once across logins', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  await signIn(app, 'one')
  await signIn(app, 'two')
  await signIn(app, 'three')
  t.equal(provider.requests.get('/.well-known/openid-configuration'), 1, 'one discovery request')
  t.equal(provider.requests.get('/jwks'), 1, 'one key set request')
  t.equal(provider.requests.get('/token'), 3, 'one token request per login')
})
