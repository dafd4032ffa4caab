import t from 'tap'
import { sign } from '@fastify/cookie'
import { MemorySessionStore } from '../../index.js'
import { build, TEST_SECRET } from '../helpers/build.js'
import { assertSignedIn, authorizeAt, loginAt, startHostileProvider } from '../helpers/hostile-provider.js'
import { startLogin } from '../helpers/login.js'
import type { LightMyRequestResponse } from 'fastify'

// @fastify/session answers a cookie it does not adopt with a clearing
// Set-Cookie followed by the new one; the browser keeps the last.
function issuedCookie (response: LightMyRequestResponse): string | undefined {
  const cookie = response.cookies.filter((c) => c.name === 'oidc.sid' && c.value !== '').at(-1)
  return cookie === undefined ? undefined : `${cookie.name}=${cookie.value}`
}
import { readSession, sessionId } from '../helpers/session-store.js'

t.test('rotates the session id at sign-in and destroys the pre-login session in the store', async (t) => {
  const provider = await startHostileProvider(t)
  const store = new MemorySessionStore()
  const app = await build(t, { issuer: provider.issuer, session: { store } })
  const { authorizeUrl, cookie: preLogin } = await startLogin(app)
  const before = sessionId(preLogin)
  t.ok(await readSession(store, before), 'the started login lives in the store')
  const callbackUrl = await authorizeAt(authorizeUrl)
  const callbackPath = callbackUrl.pathname + callbackUrl.search
  const response = await app.inject({ method: 'GET', url: callbackPath, headers: { cookie: preLogin } })
  const cookie = issuedCookie(response)!
  await assertSignedIn(t, app, { response, cookie, callbackPath, authorizeUrl })
  const after = sessionId(cookie)
  t.not(after, before, 'the signed-in session has a new id')
  t.equal(await readSession(store, before), null, 'the pre-login id is destroyed in the store')
  t.ok((await readSession(store, after))?.user, 'the new id holds the user')
})

t.test('never adopts a tampered session cookie', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { cookie } = await loginAt(app)
  const [name, value] = [cookie.slice(0, cookie.indexOf('=')), decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))]
  const dot = value.lastIndexOf('.')
  const id = value.slice(0, dot)
  const signature = value.slice(dot + 1)
  const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)
  const tampered = [
    `${flip(id)}.${signature}`, // another id, the old signature
    `${id}.${flip(signature)}`, // the id, a forged signature
    id, // unsigned
    `${id}.` // empty signature
  ]
  for (const forged of tampered) {
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: `${name}=${encodeURIComponent(forged)}` } })
    t.equal(me.statusCode, 401, `not signed in with ${forged === id ? 'an unsigned id' : 'a tampered cookie'}`)
    const login = await app.inject({ method: 'GET', url: '/auth/login', headers: { cookie: `${name}=${encodeURIComponent(forged)}` } })
    const issued = issuedCookie(login)
    t.ok(issued, 'a fresh cookie is issued')
    t.not(sessionId(issued!), id, 'the tampered id is not adopted')
    t.not(sessionId(issued!), flip(id), 'nor the forged one')
  }
  const genuine = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(genuine.statusCode, 200, 'the genuine cookie still works')
})

t.test('never adopts a correctly signed but unknown session id', async (t) => {
  const provider = await startHostileProvider(t)
  const store = new MemorySessionStore()
  const app = await build(t, { issuer: provider.issuer, session: { store } })
  const chosen = 'an-attacker-chosen-session-id-0123456789'
  const cookie = `oidc.sid=${encodeURIComponent(sign(chosen, TEST_SECRET))}`
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401)
  const login = await app.inject({ method: 'GET', url: '/auth/login', headers: { cookie } })
  t.equal(login.statusCode, 302)
  const issued = issuedCookie(login)
  t.ok(issued, 'a fresh cookie is issued')
  t.not(sessionId(issued!), chosen, 'the login does not run in the chosen id')
  t.equal(await readSession(store, chosen), null, 'nothing is stored under the chosen id')
})

t.test('logout removes the session from the store', async (t) => {
  const provider = await startHostileProvider(t)
  const store = new MemorySessionStore()
  const app = await build(t, { issuer: provider.issuer, session: { store } })
  const { cookie } = await loginAt(app)
  t.ok(await readSession(store, sessionId(cookie)), 'signed in')
  const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } })
  t.equal(logout.statusCode, 204)
  t.equal(await readSession(store, sessionId(cookie)), null, 'the session is gone from the store')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401, 'a copy of the cookie is dead')
})
