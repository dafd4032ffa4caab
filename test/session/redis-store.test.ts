import t from 'tap'
import { Redis } from 'ioredis'
import { RedisSessionStore, redisClientOptions } from '../../plugins/session/index.js'
import { sessionApp, sessionIdOf } from '../helpers/session-app.js'
import { sessionCookie } from '../helpers/login.js'
import { monitorCommands, skipWithoutRedis, startRedis } from '../helpers/redis.js'

t.test('keeps sessions as JSON under the key prefix with a TTL from the session lifetime', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const app = await sessionApp(t, { redis: { url: redis.url, prefix: 'app1:s:' }, maxAge: 60_000, idleTimeout: 20_000 })
  const cookie = sessionCookie(await app.inject('/write'))!
  const key = `app1:s:${sessionIdOf(cookie)}`

  t.same(await redis.inspect.keys('*'), [key], 'one key, under the prefix')
  const stored = JSON.parse((await redis.inspect.get(key))!)
  t.equal(stored.user.sub, 'ada')
  t.equal(typeof stored.oidcTimes.createdAt, 'number')
  const ttl = await redis.inspect.pttl(key)
  t.ok(ttl > 15_000 && ttl <= 20_000, `TTL follows the idle timeout (${ttl} ms)`)

  const read = await app.inject({ url: '/read', headers: { cookie } })
  t.same(read.json(), { user: 'ada' })
})

t.test('costs no command for an anonymous request and one GET for a signed-in read', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const app = await sessionApp(t, { redis: { url: redis.url } })
  const monitor = await monitorCommands(t, redis)

  const anonymous = await app.inject('/read')
  t.equal(anonymous.headers['set-cookie'], undefined, 'no cookie for an anonymous request')
  t.same(await monitor.take(), [], 'no command for an anonymous request')

  const cookie = sessionCookie(await app.inject('/write'))!
  t.same((await monitor.take()).map((c) => c[0]), ['set'], 'one SET to create a session')

  for (let i = 0; i < 3; i++) {
    const read = await app.inject({ url: '/read', headers: { cookie } })
    t.same(read.json(), { user: 'ada' })
    t.equal(read.headers['set-cookie'], undefined, 'an unchanged session sets no cookie')
  }
  t.same((await monitor.take()).map((c) => c[0]), ['get', 'get', 'get'], 'one GET per signed-in read, no write')
})

t.test('treats corrupt or foreign JSON under a session key as no session and removes it', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const app = await sessionApp(t, { redis: { url: redis.url } })
  for (const value of ['{not json', '[1,2,3]', '"a string"', 'null', '{"user":{"sub":"mallory","issuer":"x"}}']) {
    const cookie = sessionCookie(await app.inject('/write'))!
    const key = `oidc:sess:${sessionIdOf(cookie)}`
    await redis.inspect.set(key, value, 'PX', 60_000)

    const first = await app.inject({ url: '/read', headers: { cookie } })
    t.equal(first.statusCode, 200, `no error for ${value}`)
    t.same(first.json(), { user: null }, `no session for ${value}`)
    t.equal(await redis.inspect.exists(key), 0, `the value ${value} is removed`)
    const again = await app.inject({ url: '/read', headers: { cookie } })
    t.equal(again.statusCode, 200, 'and stays harmless')
  }
})

t.test('uses an ioredis client it is given and leaves it open', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const client = redis.inspect.duplicate()
  t.teardown(() => { client.disconnect() })
  const app = await sessionApp(t, { redis: { client, prefix: 'mine:' } })
  const cookie = sessionCookie(await app.inject('/write'))!
  t.equal(await redis.inspect.exists(`mine:${sessionIdOf(cookie)}`), 1)
  await app.close()
  t.equal(await client.ping(), 'PONG', 'the client is still open after the app closed')
})

t.test('sends the session reads of concurrent requests to Redis together', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  // The plugin's own client (redis.url) and one built with redisClientOptions.
  const app = await sessionApp(t, { redis: { url: redis.url } })
  await app.ready()
  const own = new Redis(redis.url, redisClientOptions(2000))
  t.teardown(() => { own.disconnect() })
  // No offline queue: commands fail until the client is connected.
  await new Promise((resolve) => own.once('ready', resolve))
  for (const [name, client, store] of [
    ['the plugin\'s client', app.sessionRedis!.client, app.sessionStore],
    ['a client with redisClientOptions', own, new RedisSessionStore({ client: own })]
  ] as const) {
    const answers = Array.from({ length: 5 }, (_, i) => new Promise((resolve, reject) => {
      store.get(`missing-${i}`, (err, session) => { if (err !== null && err !== undefined) reject(err); else resolve(session) })
    }))
    t.equal(client.autoPipelineQueueSize, 5, `${name}: five reads wait to leave in one write`)
    t.same(await Promise.all(answers), [null, null, null, null, null], `${name}: each read gets its own answer`)
  }
})
