import t from 'tap'
import { build } from '../helpers/build.js'
import { assertRefused, assertSignedIn, loginAt, startHostileProvider } from '../helpers/hostile-provider.js'
import type { FastifyInstance } from 'fastify'

// A service that enriches the user from userinfo, passing the ID token's sub
// as the expected subject, as the API asks.
function withUserinfo (app: () => FastifyInstance) {
  return {
    mapUser: async (claims: { sub: string, iss?: string }, tokens: { accessToken: string }) => {
      const info = await app().oauth2.userinfo(tokens.accessToken, claims.sub)
      return { sub: info.sub, issuer: String(claims.iss), ...(typeof info.email === 'string' ? { email: info.email } : {}) }
    }
  }
}

t.test('refuses the login when userinfo names another subject than the ID token', async (t) => {
  const provider = await startHostileProvider(t)
  let instance: FastifyInstance | undefined
  const app = await build(t, { issuer: provider.issuer, routes: withUserinfo(() => instance!) })
  instance = app
  provider.behave({ userinfoSub: 'mallory' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
  t.equal(provider.requests.get('/userinfo'), 1, 'userinfo was asked')
})

t.test('signs in when userinfo names the ID token\'s subject', async (t) => {
  const provider = await startHostileProvider(t)
  let instance: FastifyInstance | undefined
  const app = await build(t, { issuer: provider.issuer, routes: withUserinfo(() => instance!) })
  instance = app
  await assertSignedIn(t, app, await loginAt(app))
})
