import t from 'tap'
import { build } from '../helpers/build.js'
import { assertRefused, assertSignedIn, loginAt, startHostileProvider } from '../helpers/hostile-provider.js'

t.test('refuses an authorization response whose iss names another issuer (RFC 9207)', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ responseIss: 'https://attacker.example' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
  t.equal(provider.requests.get('/token') ?? 0, 0, 'the code is never sent to the token endpoint')
})

t.test('refuses a response without iss when the provider says it always sends one', async (t) => {
  const provider = await startHostileProvider(t, { metadata: { authorization_response_iss_parameter_supported: true } })
  const app = await build(t, { issuer: provider.issuer })
  // The provider sends iss; the attacker's copy of the response drops it.
  const login = await loginAt(app, { editCallback: (url) => url.searchParams.delete('iss') })
  t.equal(login.response.statusCode, 401)
  t.equal(login.response.json().code, 'FST_OIDC_TOKEN_REJECTED')
  t.equal(provider.requests.get('/token') ?? 0, 0, 'the code is never sent to the token endpoint')
})

t.test('accepts an authorization response whose iss is the provider', async (t) => {
  const provider = await startHostileProvider(t, { metadata: { authorization_response_iss_parameter_supported: true } })
  const app = await build(t, { issuer: provider.issuer })
  const login = await loginAt(app)
  t.match(login.callbackPath, /[?&]iss=/, 'the response carried iss')
  await assertSignedIn(t, app, login)
})
