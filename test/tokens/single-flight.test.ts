import t from 'tap'
import { signIn } from '../helpers/login.js'
import { buildTokensApp, startTokenProvider } from '../helpers/tokens.js'

t.test('20 concurrent requests of one session cause exactly one refresh', async (t) => {
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { refreshSkew: 30_000 } })
  const { cookie } = await signIn(app, 'ada')
  provider.accessTtl = 3600
  const before = provider.requests.get('/token') ?? 0

  const responses = await Promise.all(Array.from({ length: 20 }, async () =>
    await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })))
  t.same(responses.map((r) => r.statusCode), Array(20).fill(200), 'every request gets a token')
  t.equal(new Set(responses.map((r) => r.json().fingerprint)).size, 1, 'all of them the same, refreshed one')
  t.equal((provider.requests.get('/token') ?? 0) - before, 1, 'exactly one refresh request at the provider')
})

t.test('refreshes two sessions independently', async (t) => {
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { refreshSkew: 30_000 } })
  const ada = await signIn(app, 'ada')
  const grace = await signIn(app, 'grace')
  provider.accessTtl = 3600
  const before = provider.requests.get('/token') ?? 0
  const responses = await Promise.all([ada, grace, ada, grace].map(async ({ cookie }) =>
    await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })))
  t.same(responses.map((r) => r.statusCode), [200, 200, 200, 200])
  t.not(responses[0]!.json().fingerprint, responses[1]!.json().fingerprint, 'each session has its own token')
  t.equal((provider.requests.get('/token') ?? 0) - before, 2, 'one refresh per session')
})
