import t from 'tap'
import { build } from '../helpers/build.js'
import { loginAt, startHostileProvider } from '../helpers/hostile-provider.js'

t.test('the callback sends no-store and no-referrer on success and on failure', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const good = await loginAt(app)
  provider.behave({ signing: 'foreign-key' })
  const refused = await loginAt(app)
  const malformed = await app.inject({ method: 'GET', url: '/auth/callback?code=%ZZ&state=s' })
  const denied = await app.inject({ method: 'GET', url: '/auth/callback?error=access_denied&state=s' })
  for (const [what, res] of [['success', good.response], ['refused token', refused.response], ['malformed query', malformed], ['provider error', denied]] as const) {
    t.equal(res.headers['cache-control'], 'no-store', `no-store on ${what}`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', `no-referrer on ${what}`)
  }
})

t.test('signed-in and login responses are not stored by caches', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { cookie } = await loginAt(app)
  for (const url of ['/auth/me', '/auth/login']) {
    const res = await app.inject({ method: 'GET', url, headers: { cookie } })
    t.equal(res.headers['cache-control'], 'no-store', `no-store on ${url}`)
  }
  const anonymous = await app.inject({ method: 'GET', url: '/auth/me' })
  t.equal(anonymous.headers['cache-control'], 'no-store', 'no-store on a refused /auth/me')
  const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } })
  t.equal(logout.headers['cache-control'], 'no-store', 'no-store on logout')
})
