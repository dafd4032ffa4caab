import t from 'tap'
import { MemoryCoordinationStore, type CoordinationStore } from '../../index.js'
import { startProvider } from '../helpers/provider.js'
import { buildTokensApp } from '../helpers/tokens.js'
import { authorizeAtProvider, callbackPath, sessionCookie, signIn, startLogin } from '../helpers/login.js'

type Mode = 'ok' | 'fail' | 'hang'

/** A real memory coordination store that can be switched to fail or hang, as a Redis outage would. */
function switchable (): { store: CoordinationStore, mode: (m: Mode) => void } {
  const inner = new MemoryCoordinationStore()
  let mode: Mode = 'ok'
  const store = new Proxy(inner, {
    get (target, name, receiver) {
      const value = Reflect.get(target, name, receiver)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        if (mode === 'fail') throw new Error('Connection is closed (internal detail)')
        if (mode === 'hang') return await new Promise(() => {})
        return value.apply(target, args)
      }
    }
  })
  return { store, mode: (m) => { mode = m } }
}

t.test('a callback whose sign-in cannot be recorded answers 503 and signs nobody in', async (t) => {
  const provider = await startProvider(t)
  const coordination = switchable()
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { coordination: coordination.store, storeTimeout: 200 } })
  const { authorizeUrl, cookie } = await startLogin(app)
  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')
  coordination.mode('fail')
  const res = await app.inject({ method: 'GET', url: callbackPath(callbackUrl), headers: { cookie } })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'FST_OIDC_SESSION_STORE_UNAVAILABLE')
  t.notMatch(res.body, /internal detail/, 'the store error text is not echoed')
  coordination.mode('ok')
  for (const c of [cookie, sessionCookie(res)].filter((v): v is string => v !== undefined)) {
    t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: c } })).statusCode, 401, 'no signed-in session')
  }
})

t.test('logout signs out even when the coordination store fails', async (t) => {
  const provider = await startProvider(t)
  const coordination = switchable()
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { coordination: coordination.store, storeTimeout: 200 } })
  const { cookie } = await signIn(app, 'ada')
  coordination.mode('fail')
  const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } })
  t.equal(logout.statusCode, 204)
  coordination.mode('ok')
  t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode, 401, 'the session is gone')
})

t.test('a hung coordination store answers 503 within the bound', async (t) => {
  const provider = await startProvider(t)
  const coordination = switchable()
  const app = await buildTokensApp(t, { issuer: provider.issuer, tokens: { coordination: coordination.store, storeTimeout: 200 } })
  const { cookie } = await signIn(app, 'ada')
  coordination.mode('hang')
  const started = Date.now()
  const res = await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'FST_OIDC_SESSION_STORE_UNAVAILABLE')
  t.ok(Date.now() - started < 3000, 'does not hang')
  coordination.mode('ok')
  t.equal((await app.inject({ method: 'GET', url: '/api/token', headers: { cookie } })).statusCode, 200, 'heals when the store is back')
})
