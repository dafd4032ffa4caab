import t from 'tap'
import Fastify from 'fastify'
import type { SessionStore } from '@fastify/session'
import { session } from '../../plugins/session/index.js'
import { TEST_SECRET } from '../helpers/build.js'

async function appWith (store: SessionStore) {
  const app = Fastify()
  await app.register(session, { secret: TEST_SECRET, secure: false, store, storeTimeout: 100 })
  app.get('/write', async (request) => { request.session.set('user', { sub: 's', issuer: 'i' }); return { ok: true } })
  app.get('/read', async (request) => ({ user: request.session.get('user') ?? null }))
  app.get('/health', async () => ({ ok: true }))
  return app
}

t.test('answers 503 with a coded error when the store fails', async (t) => {
  const failing: SessionStore = {
    get: (_id, cb) => cb(new Error('connection refused')),
    set: (_id, _s, cb) => cb(new Error('connection refused')),
    destroy: (_id, cb) => cb(new Error('connection refused'))
  }
  const app = await appWith(failing)
  t.teardown(() => app.close())
  const write = await app.inject('/write')
  t.equal(write.statusCode, 503)
  t.equal(write.json().code, 'FST_OIDC_SESSION_STORE_UNAVAILABLE')
  const health = await app.inject('/health')
  t.equal(health.statusCode, 200, 'a request without a session cookie still works')
})

t.test('answers 503 within the bound when the store hangs', async (t) => {
  const hung: SessionStore = { get: () => {}, set: () => {}, destroy: () => {} }
  const app = await appWith(hung)
  t.teardown(() => app.close())
  const started = Date.now()
  const read = await app.inject({ url: '/read', headers: { cookie: 'oidc.sid=abc.def' } })
  t.equal(read.statusCode, 200, 'an unsigned cookie never reaches the store')
  const write = await app.inject('/write')
  t.equal(write.statusCode, 503)
  t.equal(write.json().code, 'FST_OIDC_SESSION_STORE_UNAVAILABLE')
  t.ok(Date.now() - started < 2000, 'does not hang')
})

t.test('sets no cookie and touches no store for an anonymous request', async (t) => {
  let calls = 0
  const counting: SessionStore = {
    get: (_id, cb) => { calls++; cb(null, null) },
    set: (_id, _s, cb) => { calls++; cb() },
    destroy: (_id, cb) => { calls++; cb() }
  }
  const app = await appWith(counting)
  t.teardown(() => app.close())
  const res = await app.inject('/read')
  t.equal(res.headers['set-cookie'], undefined)
  t.equal(calls, 0)
})

t.test('sets a Secure __Host- cookie by default', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(session, { secret: TEST_SECRET })
  app.get('/write', async (request) => { request.session.set('user', { sub: 's', issuer: 'i' }); return { ok: true } })
  const res = await app.inject({ url: '/write', headers: { 'x-forwarded-proto': 'https' } })
  // Fastify without trustProxy sees plain http here; @fastify/session then
  // refuses to send a Secure cookie at all, which is the safe failure.
  t.equal(res.headers['set-cookie'], undefined, 'no Secure cookie over plain http')
  const https = Fastify({ trustProxy: true })
  t.teardown(() => https.close())
  await https.register(session, { secret: TEST_SECRET })
  https.get('/write', async (request) => { request.session.set('user', { sub: 's', issuer: 'i' }); return { ok: true } })
  const viaProxy = await https.inject({ url: '/write', headers: { 'x-forwarded-proto': 'https' } })
  const cookie = viaProxy.cookies[0]
  t.equal(cookie?.name, '__Host-oidc.sid')
  t.equal(cookie?.secure, true)
  t.equal(cookie?.httpOnly, true)
  t.equal(cookie?.sameSite, 'Lax')
  t.equal(cookie?.path, '/')
  t.equal(cookie?.domain, undefined)
})
