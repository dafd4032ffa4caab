import t from 'tap'
import Fastify from 'fastify'
import { authRoutes, oauth2, session } from '../../index.js'
import { testProviderConfig, TEST_SECRET } from '../helpers/build.js'
import { buildTokensApp } from '../helpers/tokens.js'

const issuer = 'http://127.0.0.1:1'

t.test('refuses invalid tokens options at ready()', async (t) => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['refreshSkew', { refreshSkew: -1 }],
    ['refreshWait', { refreshWait: 0 }],
    ['coordination', { coordination: { get: () => undefined } }]
  ]
  for (const [name, tokens] of cases) {
    await t.rejects(buildTokensApp(t, { issuer, tokens: tokens as never }), { code: 'FST_OIDC_TOKENS_OPTION' }, name)
  }
})

t.test('refuses token and logout route options when the tokens plugin is not registered', async (t) => {
  for (const routes of [{ storeTokens: true }, { providerLogout: true }, { backchannelLogout: true }, { revokeTokensOnLogout: true }]) {
    const app = Fastify({ logger: false })
    t.teardown(() => app.close())
    await app.register(session, { secret: TEST_SECRET, secure: false })
    await app.register(oauth2, { config: testProviderConfig(issuer) })
    await t.rejects(async () => {
      await app.register(authRoutes, { prefix: '/auth', ...routes })
      await app.ready()
    }, { code: 'FST_OIDC_ROUTES_OPTION' }, Object.keys(routes)[0]!)
  }
})
