import t from 'tap'
import { build } from '../helpers/build.js'
import { assertRefused, assertSignedIn, loginAt, startHostileProvider } from '../helpers/hostile-provider.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('accepts a token signed with a key the provider rotated in after the keys were cached', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer, provider: (config) => config.keyRefreshInterval(100) })
  await assertSignedIn(t, app, await loginAt(app))
  t.equal(provider.requests.get('/jwks'), 1, 'keys fetched once')

  provider.rotateKey()
  await sleep(150)
  await assertSignedIn(t, app, await loginAt(app))
  t.equal(provider.requests.get('/jwks'), 2, 'the unknown key id made the client fetch the keys again')
})

t.test('fetches the keys again at most once per keyRefreshInterval however many unknown key ids arrive', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer, provider: (config) => config.keyRefreshInterval(60_000) })
  await assertSignedIn(t, app, await loginAt(app))
  provider.behave({ signing: 'unknown-kid' })
  for (let i = 0; i < 3; i++) {
    await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
  }
  t.equal(provider.requests.get('/jwks'), 1, 'no fetch within the interval')
})

t.test('refuses a token whose key id is still unknown after fetching the keys again', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer, provider: (config) => config.keyRefreshInterval(50) })
  await assertSignedIn(t, app, await loginAt(app))
  await sleep(100)
  provider.behave({ signing: 'unknown-kid' })
  await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
  t.equal(provider.requests.get('/jwks'), 2, 'fetched once more, then refused')
})

t.test('keeps discovery and keys cached across logins', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  for (let i = 0; i < 4; i++) await assertSignedIn(t, app, await loginAt(app))
  t.equal(provider.requests.get('/.well-known/openid-configuration'), 1, 'one discovery request')
  t.equal(provider.requests.get('/jwks'), 1, 'one key set request')
  t.equal(provider.requests.get('/token'), 4, 'one token request per login')
})

t.test('refuses a keyRefreshInterval that is not a positive number', async (t) => {
  const provider = await startHostileProvider(t)
  await t.rejects(build(t, { issuer: provider.issuer, provider: (config) => config.keyRefreshInterval(0) }), { code: 'FST_OIDC_OAUTH2_OPTION' })
})
