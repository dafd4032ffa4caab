import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import fastifyOidcLogin, { type SessionPluginOptions } from '../../index.js'
import { TEST_SECRET, testProviderConfig } from '../helpers/build.js'
import { startProvider } from '../helpers/provider.js'
import { signIn } from '../helpers/login.js'
import { skipWithoutRedis, startRedis } from '../helpers/redis.js'
import { sessionIdOf } from '../helpers/session-app.js'

declare module 'fastify' {
  interface Session { cart?: string[] }
}

/**
 * Requests that are still running when the user logs out: some change the
 * session, some only read it while its idle refresh is due. Both kinds write
 * the session when they finish, after the logout.
 */
async function logoutWhileRequestsRun (t: Test, session: Partial<SessionPluginOptions>): Promise<string> {
  const provider = await startProvider(t)
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(fastifyOidcLogin, {
    session: { secret: TEST_SECRET, secure: false, idleRefreshInterval: 50, ...session },
    provider: testProviderConfig(provider.issuer)
  })
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let entered = 0
  app.get('/slow-write', async (request) => {
    entered++
    await gate
    request.session.set('cart', ['book'])
    return { ok: true }
  })
  app.get('/slow-read', async (request) => {
    entered++
    await gate
    return { user: request.session.get('user')?.sub ?? null }
  })
  await app.ready()

  const { cookie } = await signIn(app, 'ada')
  await sleep(100) // the idle refresh is now due for every request

  const running = ['/slow-write', '/slow-read', '/slow-write', '/slow-read'].map((url) => app.inject({ url, headers: { cookie } }))
  while (entered < 4) await sleep(5)
  const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } })
  t.equal(logout.statusCode, 204, 'logged out while four requests are still running')
  release()
  for (const res of await Promise.all(running)) t.equal(res.statusCode, 200, 'the slow request finishes normally')

  const me = await app.inject({ url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401, 'the destroyed session did not come back')
  t.equal(me.json().code, 'FST_OIDC_UNAUTHENTICATED')
  return cookie
}

t.test('keeps a logout final in Redis when slower requests finish after it', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const cookie = await logoutWhileRequestsRun(t, { redis: { url: redis.url } })
  t.equal(await redis.inspect.exists(`oidc:sess:${sessionIdOf(cookie)}`), 0, 'no key for the session')
})

t.test('keeps a logout final in the memory store when slower requests finish after it', async (t) => {
  await logoutWhileRequestsRun(t, {})
})
