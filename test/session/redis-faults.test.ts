import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { setTimeout as sleep } from 'node:timers/promises'
import fastifyOidcLogin, { type SessionRedisOptions } from '../../index.js'
import { TEST_SECRET, testProviderConfig } from '../helpers/build.js'
import { startProvider } from '../helpers/provider.js'
import { signIn } from '../helpers/login.js'
import { skipWithoutRedis, startRedis } from '../helpers/redis.js'

const STORE_TIMEOUT = 500
// Generous: the machine may be busy; what matters is "bounded", not "fast".
const BOUND = STORE_TIMEOUT + 2500

async function appWith (t: Test, issuer: string, redis: SessionRedisOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(fastifyOidcLogin, {
    session: { secret: TEST_SECRET, secure: false, redis, storeTimeout: STORE_TIMEOUT },
    provider: testProviderConfig(issuer)
  })
  app.get('/health', async () => ({ ok: true }))
  await app.ready()
  return app
}

async function expectUnavailable (t: Test, app: FastifyInstance, cookie: string): Promise<void> {
  const started = Date.now()
  const answers = await Promise.all([1, 2, 3].map(() => app.inject({ url: '/auth/me', headers: { cookie } })))
  const elapsed = Date.now() - started
  for (const me of answers) {
    t.equal(me.statusCode, 503, 'a session request answers 503')
    t.equal(me.json().code, 'FST_OIDC_SESSION_STORE_UNAVAILABLE')
  }
  t.ok(elapsed < BOUND, `within the bound (${elapsed} ms)`)

  const health = await app.inject('/health')
  t.equal(health.statusCode, 200, 'a route without a session keeps working')

  const login = await app.inject('/auth/login')
  t.equal(login.statusCode, 503, 'a login that cannot be saved is refused')
  t.equal(login.headers.location, undefined, 'and never redirects to the provider')
}

t.test('answers 503 within the bound while Redis hangs, and serves the same session once it answers again', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startProvider(t)
  const app = await appWith(t, provider.issuer, { url: redis.url })
  const { cookie } = await signIn(app, 'ada')

  redis.pause()
  try {
    await expectUnavailable(t, app, cookie)
  } finally {
    redis.resume()
  }
  const me = await app.inject({ url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 200, 'the session is valid again')
  t.equal(me.json().sub, 'ada')
})

t.test('answers 503 at once while Redis refuses connections, and reconnects by itself', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startProvider(t)
  const app = await appWith(t, provider.issuer, { url: redis.url })
  const { cookie } = await signIn(app, 'ada')

  await redis.kill()
  await expectUnavailable(t, app, cookie)

  await redis.restart()
  let me = await app.inject({ url: '/auth/me', headers: { cookie } })
  for (let i = 0; i < 100 && me.statusCode === 503; i++) {
    await sleep(100)
    me = await app.inject({ url: '/auth/me', headers: { cookie } })
  }
  t.equal(me.statusCode, 200, 'the session is valid again without a restart of the app')
  t.equal(me.json().sub, 'ada')
})

t.test('bounds the wait even with a client that queues commands while Redis is down', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startProvider(t)
  // ioredis defaults: an offline queue that would hold commands until Redis is back.
  const client = new Redis(redis.url)
  client.on('error', () => {})
  t.teardown(() => { client.disconnect() })
  const app = await appWith(t, provider.issuer, { client })
  const { cookie } = await signIn(app, 'ada')

  await redis.kill()
  await expectUnavailable(t, app, cookie)
  await redis.restart()
})
