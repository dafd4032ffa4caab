import t from 'tap'
import { build } from '../helpers/build.js'
import { assertRefused, loginAt, startHostileProvider } from '../helpers/hostile-provider.js'

t.test('refuses the login when the token endpoint answers invalid_grant', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ tokenEndpoint: 'invalid_grant' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
})

t.test('answers 502 when the token endpoint answers a 500 with an HTML body', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ tokenEndpoint: 'html-500' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 502, code: 'FST_OIDC_PROVIDER_ERROR' })
})

t.test('answers 502 when the token endpoint answers malformed JSON', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  provider.behave({ tokenEndpoint: 'malformed-json' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 502, code: 'FST_OIDC_PROVIDER_ERROR' })
})

t.test('answers 504 within the configured timeout when the token endpoint never answers', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer, provider: (config) => config.timeout(300) })
  provider.behave({ tokenEndpoint: 'hang' })
  const started = Date.now()
  const login = await loginAt(app)
  const elapsed = Date.now() - started
  await assertRefused(t, app, login, { statusCode: 504, code: 'FST_OIDC_PROVIDER_TIMEOUT' })
  t.ok(elapsed < 10_000, `ended by the timeout, not by the test (${elapsed} ms)`)
})
