import t from 'tap'
import { build } from '../helpers/build.js'
import { assertRefused, assertSignedIn, loginAt, startHostileProvider } from '../helpers/hostile-provider.js'

t.test('signs in with a correctly signed ID token', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  await assertSignedIn(t, app, await loginAt(app))
})

t.test('refuses an unsigned ID token (alg none) even when the metadata lists none', async (t) => {
  const provider = await startHostileProvider(t, { metadata: { id_token_signing_alg_values_supported: ['RS256', 'none'] } })
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ signing: 'none' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
})

t.test('refuses an ID token signed by a key that is not the provider\'s', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ signing: 'foreign-key' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
})

t.test('refuses an ID token HMAC-signed with the client secret when the provider publishes asymmetric keys', async (t) => {
  const provider = await startHostileProvider(t, { metadata: { id_token_signing_alg_values_supported: ['RS256', 'HS256'] } })
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ signing: 'client-secret' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
})

t.test('takes the accepted algorithms from the provider metadata, not from the token', async (t) => {
  // The EC key is the provider's own and published, but the metadata says
  // ID tokens are RS256: a token choosing ES256 is refused.
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ signing: 'provider-ec' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
})

t.test('accepts a provider-published algorithm other than RS256 when the metadata lists it', async (t) => {
  const provider = await startHostileProvider(t, { metadata: { id_token_signing_alg_values_supported: ['ES256'] } })
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ signing: 'provider-ec' })
  await assertSignedIn(t, app, await loginAt(app))
})

t.test('refuses every login when the provider signs only with HMAC', async (t) => {
  const provider = await startHostileProvider(t, { metadata: { id_token_signing_alg_values_supported: ['HS256'] } })
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ signing: 'client-secret' })
  const res = await app.inject({ method: 'GET', url: '/auth/login' })
  t.equal(res.statusCode, 502)
  t.equal(res.json().code, 'FST_OIDC_PROVIDER_ERROR')
  t.equal(provider.requests.get('/authorize') ?? 0, 0, 'no login starts')
})
