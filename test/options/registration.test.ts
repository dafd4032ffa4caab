import t from 'tap'
import Fastify from 'fastify'
import fastifyOidcLogin, { OAuth2Config, session, oauth2, authRoutes } from '../../index.js'
import { TEST_SECRET } from '../helpers/build.js'

const redirectUri = 'https://app.example/auth/callback'
const good = () => OAuth2Config.discover('https://issuer.example', 'client', 'secret', redirectUri)

async function readyError (register: (app: ReturnType<typeof Fastify>) => void): Promise<{ code?: string, message: string } | undefined> {
  const app = Fastify()
  register(app)
  try {
    await app.ready()
    return undefined
  } catch (err) {
    return err as { code?: string, message: string }
  } finally {
    await app.close()
  }
}

t.test('refuses a session secret shorter than 32 characters', async (t) => {
  const err = await readyError((app) => app.register(session, { secret: 'too-short' }))
  t.equal(err?.code, 'FST_OIDC_SESSION_OPTION')
  t.match(err?.message, /options\.secret must be at least 32 characters/)
})

t.test('refuses a missing session secret', async (t) => {
  const err = await readyError((app) => app.register(session, {} as never))
  t.equal(err?.code, 'FST_OIDC_SESSION_OPTION')
})

t.test('refuses a __Host- cookie name without Secure', async (t) => {
  const err = await readyError((app) => app.register(session, { secret: TEST_SECRET, secure: false, cookieName: '__Host-sid' }))
  t.equal(err?.code, 'FST_OIDC_SESSION_OPTION')
})

t.test('refuses a missing client id', async (t) => {
  const config = OAuth2Config.discover('https://issuer.example', '', 'secret', redirectUri)
  const err = await readyError((app) => app.register(oauth2, { config }))
  t.equal(err?.code, 'FST_OIDC_OAUTH2_OPTION')
  t.match(err?.message, /clientId/)
})

t.test('refuses a plain-http issuer off loopback', async (t) => {
  const config = OAuth2Config.discover('http://issuer.example', 'client', 'secret', redirectUri)
  const err = await readyError((app) => app.register(oauth2, { config }))
  t.equal(err?.code, 'FST_OIDC_OAUTH2_OPTION')
  t.match(err?.message, /https/)
})

t.test('accepts a plain-http issuer on loopback', async (t) => {
  for (const issuer of ['http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9']) {
    const config = OAuth2Config.discover(issuer, 'client', 'secret', redirectUri).timeout(200)
    const app = Fastify()
    await app.register(oauth2, { config })
    await t.resolves(async () => { await app.ready() }, `${issuer} is accepted (discovery failure only warns)`)
    await app.close()
  }
})

t.test('refuses a non-positive timeout and bad scopes', async (t) => {
  t.equal((await readyError((app) => app.register(oauth2, { config: good().timeout(0) })))?.code, 'FST_OIDC_OAUTH2_OPTION')
  t.equal((await readyError((app) => app.register(oauth2, { config: good().scope('bad scope') })))?.code, 'FST_OIDC_OAUTH2_OPTION')
})

t.test('refuses an options object that is not an OAuth2Config', async (t) => {
  const err = await readyError((app) => app.register(oauth2, { config: { clientId: 'x' } as never }))
  t.equal(err?.code, 'FST_OIDC_OAUTH2_OPTION')
})

t.test('refuses overriding a protocol parameter', async (t) => {
  t.throws(() => good().authorizationParam('state', 'fixed'), { code: 'FST_OIDC_OAUTH2_OPTION' })
  t.throws(() => good().authorizationParam('code_challenge_method', 'plain'), { code: 'FST_OIDC_OAUTH2_OPTION' })
})

t.test('refuses multi-tenant Microsoft endpoints whose issuer cannot be checked', async (t) => {
  t.throws(() => OAuth2Config.microsoft('c', 's', redirectUri, { tenant: 'common' }), { code: 'FST_OIDC_OAUTH2_OPTION' })
  const consumers = OAuth2Config.microsoft('c', 's', redirectUri, { tenant: 'consumers' })
  t.same(consumers.endpoints, { kind: 'discovery', issuer: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0' })
})

t.test('refuses the auth routes without the plugins they need', async (t) => {
  const err = await readyError((app) => app.register(authRoutes))
  t.equal(err?.code, 'FST_OIDC_ROUTES_OPTION')
})

t.test('refuses an absolute defaultReturnTo', async (t) => {
  const err = await readyError((app) => app.register(fastifyOidcLogin, {
    session: { secret: TEST_SECRET },
    provider: good(),
    routes: { defaultReturnTo: 'https://evil.example/' }
  }))
  t.equal(err?.code, 'FST_OIDC_ROUTES_OPTION')
})

t.test('presets carry their endpoints and default scopes', async (t) => {
  t.same(OAuth2Config.google('c', 's', redirectUri).scopes, ['openid', 'email', 'profile'])
  t.equal(OAuth2Config.github('c', 's', redirectUri).isOpenId, false, 'GitHub is plain OAuth2')
  t.match(OAuth2Config.github('c', 's', redirectUri).endpoints, { kind: 'static', profileUrl: 'https://api.github.com/user' })
  t.match(OAuth2Config.discord('c', 's', redirectUri).endpoints, { kind: 'static', tokenUrl: 'https://discord.com/api/oauth2/token' })
  const custom = OAuth2Config.custom('https://p.example/authorize', 'https://p.example/token', 'c', 's', redirectUri)
  t.same(custom.scopes, [])
  t.throws(() => custom.scope('openid').validate(), { code: 'FST_OIDC_OAUTH2_OPTION' }, 'openid needs discovery to verify ID tokens')
})
