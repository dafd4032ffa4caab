import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { sessionApp, sessionIdOf } from '../helpers/session-app.js'
import { sessionCookie } from '../helpers/login.js'
import { monitorCommands, skipWithoutRedis, startRedis } from '../helpers/redis.js'

t.test('ends a session left idle longer than idleTimeout', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const app = await sessionApp(t, { redis: { url: redis.url }, idleTimeout: 300, idleRefreshInterval: 50 })
  const cookie = sessionCookie(await app.inject('/write'))!
  t.same((await app.inject({ url: '/read', headers: { cookie } })).json(), { user: 'ada' })
  await sleep(450)
  t.same((await app.inject({ url: '/read', headers: { cookie } })).json(), { user: null }, 'idle too long: signed out')
  t.equal(await redis.inspect.exists(`oidc:sess:${sessionIdOf(cookie)}`), 0, 'and gone from Redis')
})

t.test('ends an active session at its absolute lifetime', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const app = await sessionApp(t, { redis: { url: redis.url }, maxAge: 700, idleTimeout: 400, idleRefreshInterval: 20 })
  const started = Date.now()
  const cookie = sessionCookie(await app.inject('/write'))!
  let lastSignedIn = 0
  // Used every 50 ms, so the idle timeout never strikes; the absolute one must.
  while (Date.now() - started < 1200) {
    const res = await app.inject({ url: '/read', headers: { cookie } })
    if (res.json().user === 'ada') lastSignedIn = Date.now() - started
    await sleep(50)
  }
  t.ok(lastSignedIn > 400, `the session outlived one idle timeout by being used (${lastSignedIn} ms)`)
  t.ok(lastSignedIn < 700 + 50, `but not its absolute lifetime (${lastSignedIn} ms)`)
  t.same((await app.inject({ url: '/read', headers: { cookie } })).json(), { user: null })
})

t.test('enforces the deadlines itself, not only through the Redis TTL', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const app = await sessionApp(t, { redis: { url: redis.url }, maxAge: 300, idleTimeout: 200, idleRefreshInterval: 20 })
  const cookie = sessionCookie(await app.inject('/write'))!
  const key = `oidc:sess:${sessionIdOf(cookie)}`
  t.equal(await redis.inspect.persist(key), 1, 'the TTL is removed behind the app\'s back')
  await sleep(350)
  t.equal(await redis.inspect.exists(key), 1, 'Redis still holds the session')
  t.same((await app.inject({ url: '/read', headers: { cookie } })).json(), { user: null }, 'the app refuses it anyway')
  t.equal(await redis.inspect.exists(key), 0, 'and deletes it')
})

t.test('pushes the idle deadline back with at most one write per refresh interval', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const interval = 500
  const app = await sessionApp(t, { redis: { url: redis.url }, idleTimeout: 5000, idleRefreshInterval: interval })
  const cookie = sessionCookie(await app.inject('/write'))!
  const key = `oidc:sess:${sessionIdOf(cookie)}`
  const monitor = await monitorCommands(t, redis)

  const started = Date.now()
  for (let i = 0; i < 20; i++) await app.inject({ url: '/read', headers: { cookie } })
  const elapsed = Date.now() - started
  const burst = await monitor.take()
  const burstWrites = burst.filter((c) => c[0] === 'set').length
  t.equal(burst.filter((c) => c[0] === 'get').length, 20, 'one GET per request')
  t.ok(burstWrites <= Math.floor(elapsed / interval) + 1, `${burstWrites} writes for 20 reads in ${elapsed} ms`)

  const ttlBefore = await redis.inspect.pttl(key)
  await sleep(interval + 100)
  await app.inject({ url: '/read', headers: { cookie } })
  const refresh = await monitor.take()
  t.same(refresh.map((c) => c[0]), ['get', 'set'], 'a read after the interval writes once')
  t.match(refresh[1], ['set', key, String, 'PX', String, 'XX'], 'as an update of the existing key')
  t.ok(await redis.inspect.pttl(key) > ttlBefore, 'and the TTL moved forward')
  const stored = JSON.parse((await redis.inspect.get(key))!)
  t.ok(Date.now() - stored.oidcTimes.touchedAt < interval, 'the refresh time is recorded')
})

t.test('expires idle sessions in the memory store too', async (t) => {
  const app = await sessionApp(t, { idleTimeout: 200, idleRefreshInterval: 20 })
  const cookie = sessionCookie(await app.inject('/write'))!
  t.same((await app.inject({ url: '/read', headers: { cookie } })).json(), { user: 'ada' })
  await sleep(300)
  t.same((await app.inject({ url: '/read', headers: { cookie } })).json(), { user: null })
})
