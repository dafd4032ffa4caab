import t, { type Test } from 'tap'
import { build } from '../helpers/build.js'
import { startProvider } from '../helpers/provider.js'
import { authorizeAtProvider, callbackPath, sessionCookie, startLogin } from '../helpers/login.js'
import { monitorCommands, skipWithoutRedis, startRedis, type RedisServer } from '../helpers/redis.js'

async function expectTtlOnEveryKey (t: Test, redis: RedisServer, when: string): Promise<void> {
  const keys = await redis.inspect.keys('*')
  t.ok(keys.length > 0, `keys exist ${when}`)
  for (const key of keys) {
    const ttl = await redis.inspect.pttl(key)
    t.ok(ttl > 0, `${key} has a TTL ${when} (${ttl} ms)`)
  }
}

t.test('signs in across two instances sharing one Redis, with a TTL on every key', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startProvider(t)
  const one = await build(t, { issuer: provider.issuer, session: { redis: { url: redis.url } } })
  const two = await build(t, { issuer: provider.issuer, session: { redis: { url: redis.url } } })
  const monitor = await monitorCommands(t, redis)

  const { authorizeUrl, cookie } = await startLogin(one, { returnTo: '/welcome' })
  const login = await monitor.take()
  t.same(login.map((c) => c[0]), ['set'], 'login: one SET')
  t.match(login[0], ['set', /^oidc:sess:/, String, 'PX', String])
  await expectTtlOnEveryKey(t, redis, 'after login')

  const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')
  await monitor.take()
  const callback = await two.inject({ url: callbackPath(callbackUrl), headers: { cookie } })
  t.equal(callback.statusCode, 302, 'the callback on the other instance completes the login')
  t.equal(callback.headers.location, '/welcome')
  const callbackCommands = await monitor.take()
  // The sign-in record and the logout index live in the coordination keys
  // (oidc:coord:*); MONITOR also lists the commands its index script runs.
  const isCoordination = (c: string[]) => c.some((arg) => arg.startsWith('oidc:coord:'))
  const sessionCommands = callbackCommands.filter((c) => !isCoordination(c))
  t.same(sessionCommands.map((c) => c[0]), ['get', 'set', 'del', 'set', 'set'], 'callback: read, claim, drop the pre-login session, write the new one')
  t.match(sessionCommands[1], ['set', /^oidc:sess:once:login:/, '1', 'PX', String, 'NX'], 'the claim is a SET NX')
  const coordinationCalls = callbackCommands.filter(isCoordination).filter((c) => c[0] === 'set' || c[0] === 'eval')
  t.same(coordinationCalls.map((c) => c[0]), ['set', 'eval'], 'callback: the sign-in record and one index script')
  await expectTtlOnEveryKey(t, redis, 'after the callback')

  const signedIn = sessionCookie(callback)!
  for (const [name, app] of [['first', one], ['second', two]] as const) {
    const me = await app.inject({ url: '/auth/me', headers: { cookie: signedIn } })
    t.equal(me.statusCode, 200, `signed in on the ${name} instance`)
    t.equal(me.json().sub, 'ada')
  }
  t.same((await monitor.take()).map((c) => c[0]), ['get', 'get'], 'an authenticated read: one GET')
  const old = await one.inject({ url: '/auth/me', headers: { cookie } })
  t.equal(old.statusCode, 401, 'the pre-login session id is dead')
})

t.test('lets exactly one of two identical callbacks on two instances exchange the code', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startProvider(t)
  const one = await build(t, { issuer: provider.issuer, session: { redis: { url: redis.url } } })
  const two = await build(t, { issuer: provider.issuer, session: { redis: { url: redis.url } } })
  for (let round = 0; round < 3; round++) {
    const { authorizeUrl, cookie } = await startLogin(one)
    const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')
    const tokenCalls = provider.requests.get('/token') ?? 0

    const answers = await Promise.all([one, two].map((app) => app.inject({ url: callbackPath(callbackUrl), headers: { cookie } })))
    t.equal(provider.requests.get('/token')! - tokenCalls, 1, 'one token request at the provider')
    const statuses = answers.map((a) => a.statusCode).sort()
    t.same(statuses, [302, 401], 'one signs in, the other is refused')
    t.equal(answers.find((a) => a.statusCode === 401)?.json().code, 'FST_OIDC_NO_TRANSACTION')
  }
})

t.test('lets exactly one of two identical callbacks exchange the code with the memory store', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  for (let round = 0; round < 3; round++) {
    const { authorizeUrl, cookie } = await startLogin(app)
    const callbackUrl = await authorizeAtProvider(authorizeUrl, 'ada')
    const tokenCalls = provider.requests.get('/token') ?? 0

    const answers = await Promise.all([1, 2].map(() => app.inject({ url: callbackPath(callbackUrl), headers: { cookie } })))
    t.equal(provider.requests.get('/token')! - tokenCalls, 1, 'one token request at the provider')
    t.same(answers.map((a) => a.statusCode).sort(), [302, 401], 'one signs in, the other is refused')
  }
})
