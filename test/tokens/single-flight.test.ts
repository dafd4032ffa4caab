import t from 'tap'
import { signIn } from '../helpers/login.js'
import { MemoryCoordinationStore } from '../../index.js'
import { buildTokensApp, sessionIdOf, startTokenProvider } from '../helpers/tokens.js'

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

t.test('answers 503 FST_OIDC_REFRESH_BUSY when another instance holds the refresh lock too long', async (t) => {
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const coordination = new MemoryCoordinationStore()
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { refreshSkew: 30_000, refreshWait: 200, coordination } })
  const { cookie } = await signIn(app, 'ada')
  // Another instance took the lock and never finished.
  await coordination.add(`lock:${sessionIdOf(cookie)}`, 'another-instance', 60_000)
  const before = provider.requests.get('/token') ?? 0
  const started = Date.now()
  const res = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'FST_OIDC_REFRESH_BUSY')
  t.ok(Date.now() - started < 5000, 'the wait is bounded')
  t.equal(provider.requests.get('/token') ?? 0, before, 'no refresh while another holds the lock')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 200, 'the session is kept')
})
