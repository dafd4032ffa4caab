import t from 'tap'
import { OAuth2Config } from '../../index.js'
import { build } from '../helpers/build.js'
import { loginAt, startHostileProvider } from '../helpers/hostile-provider.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URI } from '../helpers/provider.js'
import { sessionCookie } from '../helpers/login.js'

// A plain OAuth2 provider (GitHub, Discord): fixed endpoints, no ID token,
// the user comes from a profile API whose id is not called `sub`.
function plainConfig (issuer: string): OAuth2Config {
  return OAuth2Config.custom(`${issuer}/authorize`, `${issuer}/token`, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URI)
    .profileUrl(`${issuer}/userinfo`)
    .scope('read:user')
    .timeout(3000)
}

t.test('signs in at a plain OAuth2 provider through its profile API', async (t) => {
  const provider = await startHostileProvider(t)
  provider.behave({ omitIdToken: true, userinfoBody: { id: 583231, login: 'octocat', name: 'The Octocat', email: 'octocat@example.test' } })
  const app = await build(t, { issuer: provider.issuer, provider: () => plainConfig(provider.issuer) })

  const login = await loginAt(app, { returnTo: '/repos' })
  t.equal(login.authorizeUrl.searchParams.get('code_challenge_method'), 'S256', 'PKCE is used without OpenID too')
  t.equal(login.authorizeUrl.searchParams.get('nonce'), null, 'no nonce without an ID token')
  t.equal(login.response.statusCode, 302)
  t.equal(login.response.headers.location, '/repos')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: sessionCookie(login.response)! } })
  t.same(me.json(), { sub: '583231', issuer: provider.issuer, name: 'The Octocat', email: 'octocat@example.test' })
  t.equal(provider.requests.get('/.well-known/openid-configuration'), undefined, 'no discovery for a plain OAuth2 provider')
})

t.test('refuses a plain OAuth2 login whose profile has no id', async (t) => {
  const provider = await startHostileProvider(t)
  provider.behave({ omitIdToken: true, userinfoBody: { login: 'nobody' } })
  const app = await build(t, { issuer: provider.issuer, provider: () => plainConfig(provider.issuer) })
  const login = await loginAt(app)
  t.equal(login.response.statusCode, 401)
  t.equal(login.response.json().code, 'FST_OIDC_TOKEN_REJECTED')
  t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: login.cookie } })).statusCode, 401)
})
