import t from 'tap'
import { signIn } from '../helpers/login.js'
import { buildTokensApp, POST_LOGOUT_URI, sessionIdOf, signInWithProviderSession, startTokenProvider } from '../helpers/tokens.js'

t.test('redirects to the provider with id_token_hint and only the configured post-logout URI', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, routes: { providerLogout: true, postLogoutRedirectUri: POST_LOGOUT_URI } })
  const { cookie, providerCookies } = await signInWithProviderSession(app, 'ada')
  const idToken = (await app.oidc.record(sessionIdOf(cookie)))!.idToken

  const res = await app.inject({
    method: 'POST',
    url: '/auth/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F',
    headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F'
  })
  t.equal(res.statusCode, 303)
  const location = new URL(res.headers.location as string)
  t.equal(location.origin + location.pathname, `${provider.issuer}/session/end`, 'to the end_session_endpoint')
  t.equal(location.searchParams.get('id_token_hint'), idToken, 'with the ID token as hint')
  t.same(location.searchParams.getAll('post_logout_redirect_uri'), [POST_LOGOUT_URI], 'with the configured URI, never the request\'s')
  t.notMatch(location.href, /evil/)
  t.equal(res.headers['cache-control'], 'no-store')

  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401, 'the local session is destroyed first')
  t.equal(await app.oidc.record(sessionIdOf(cookie)), undefined, 'with its tokens')

  // The provider accepts the request: it asks the user to confirm, not an error page.
  const cookies = [...providerCookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const page = await fetch(location, { headers: { cookie: cookies }, redirect: 'manual' })
  t.equal(page.status, 200)
  t.match(await page.text(), /name="xsrf"/)
})

t.test('answers locally without a provider redirect when nobody is signed in or the option is off', async (t) => {
  const provider = await startTokenProvider(t)
  const withOption = await buildTokensApp(t, { issuer: provider.issuer, routes: { providerLogout: true, postLogoutRedirectUri: POST_LOGOUT_URI } })
  const anonymous = await withOption.inject({ method: 'POST', url: '/auth/logout' })
  t.equal(anonymous.statusCode, 204)

  const without = await buildTokensApp(t, { issuer: provider.issuer })
  const { cookie } = await signIn(without, 'ada')
  const res = await without.inject({ method: 'POST', url: '/auth/logout', headers: { cookie, accept: 'text/html' } })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/', 'the local logoutRedirect')
})

t.test('revokes the refresh token at logout when asked to', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, routes: { revokeTokensOnLogout: true } })
  const { cookie } = await signIn(app, 'ada')
  const refreshToken = (await app.oidc.record(sessionIdOf(cookie)))!.tokens!.refreshToken!
  const res = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } })
  t.equal(res.statusCode, 204)
  t.equal(provider.requests.get('/token/revocation'), 1, 'one revocation request')
  await t.rejects(app.oauth2.refreshToken(refreshToken), { code: 'FST_OIDC_TOKEN_REJECTED' }, 'the provider no longer accepts the refresh token')
})

t.test('refuses provider logout options without a valid post-logout URI', async (t) => {
  const provider = await startTokenProvider(t)
  await t.rejects(buildTokensApp(t, { issuer: provider.issuer, routes: { providerLogout: true, postLogoutRedirectUri: '/relative' } }), { code: 'FST_OIDC_ROUTES_OPTION' })
  await t.rejects(buildTokensApp(t, { issuer: provider.issuer, routes: { backchannelLogout: 'yes' as unknown as boolean } }), { code: 'FST_OIDC_ROUTES_OPTION' })
})
