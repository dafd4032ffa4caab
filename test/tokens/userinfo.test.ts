import t from 'tap'
import { MemoryCoordinationStore } from '../../index.js'
import { signIn } from '../helpers/login.js'
import { buildTokensApp, sessionIdOf, startTokenProvider } from '../helpers/tokens.js'

t.test('returns the provider userinfo of the signed-in user', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer })
  const { cookie } = await signIn(app, 'ada')
  const before = provider.requests.get('/me') ?? 0
  const res = await app.inject({ method: 'GET', url: '/api/userinfo', headers: { cookie } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { sub: 'ada' })
  t.equal((provider.requests.get('/me') ?? 0) - before, 1, 'asked at the provider')
})

t.test('refuses userinfo about another subject than the signed-in one', async (t) => {
  const provider = await startTokenProvider(t)
  const coordination = new MemoryCoordinationStore()
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { coordination } })
  const { cookie } = await signIn(app, 'ada')
  const key = `session:${sessionIdOf(cookie)}`
  const record = JSON.parse((await coordination.get(key))!)
  await coordination.set(key, JSON.stringify({ ...record, sub: 'grace' }), 60_000)
  const res = await app.inject({ method: 'GET', url: '/api/userinfo', headers: { cookie } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_TOKEN_REJECTED')
})

t.test('answers 401 FST_OIDC_NO_TOKENS for userinfo without a signed-in user', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer })
  const res = await app.inject({ method: 'GET', url: '/api/userinfo' })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_NO_TOKENS')
})
