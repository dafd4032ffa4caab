import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { RedisCoordinationStore } from '../../index.js'
import { signIn } from '../helpers/login.js'
import { skipWithoutRedis, startRedis, type RedisServer } from '../helpers/redis.js'
import { buildTokensApp, logoutAtProvider, sessionIdOf, signInWithProviderSession, startTokenProvider, type TokensAppOptions } from '../helpers/tokens.js'

/** Two instances sharing sessions and coordination in one Redis, each with its own clients. */
async function twoInstances (t: Test, redis: RedisServer, options: Omit<TokensAppOptions, 'session'>): Promise<[FastifyInstance, FastifyInstance]> {
  const instance = async (): Promise<FastifyInstance> => {
    const client = new Redis(redis.url)
    t.teardown(() => { client.disconnect() })
    return await buildTokensApp(t, {
      ...options,
      session: { redis: { url: redis.url } },
      tokens: { ...options.tokens, coordination: new RedisCoordinationStore(client) }
    })
  }
  return [await instance(), await instance()]
}

t.test('two instances on one Redis make one refresh for 20 concurrent requests', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const [one, two] = await twoInstances(t, redis, { issuer: provider.issuer, tokens: { refreshSkew: 30_000 } })
  const { cookie } = await signIn(one, 'ada')
  provider.accessTtl = 3600
  const before = provider.requests.get('/token') ?? 0

  const responses = await Promise.all(Array.from({ length: 20 }, async (_, i) =>
    await (i % 2 === 0 ? one : two).inject({ method: 'GET', url: '/api/token', headers: { cookie } })))
  t.same(responses.map((r) => r.statusCode), Array(20).fill(200), 'every request on both instances gets a token')
  t.equal(new Set(responses.map((r) => r.json().fingerprint)).size, 1, 'the same refreshed token everywhere')
  t.equal((provider.requests.get('/token') ?? 0) - before, 1, 'exactly one refresh request at the provider')
  t.same(await redis.inspect.keys('oidc:coord:lock:*'), [], 'the lock is released')
})

t.test('a real logout token ends the session on both instances', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startTokenProvider(t)
  const [one, two] = await twoInstances(t, redis, { issuer: provider.issuer, routes: { backchannelLogout: true } })
  const { cookie, providerCookies } = await signInWithProviderSession(one, 'ada')
  for (const app of [one, two]) {
    t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode, 200, 'signed in on both')
  }
  for (const key of await redis.inspect.keys('oidc:coord:*')) {
    t.ok(await redis.inspect.pttl(key) > 0, `${key.split(':').slice(0, 3).join(':')} has a TTL`)
  }

  await logoutAtProvider(provider.issuer, providerCookies)
  t.equal(provider.logoutTokens.length, 1)
  const res = await two.inject({
    method: 'POST',
    url: '/auth/backchannel-logout',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ logout_token: provider.logoutTokens[0]! }).toString()
  })
  t.equal(res.statusCode, 200, 'the instance that did not sign the user in handles it')
  for (const [name, app] of [['first', one], ['second', two]] as const) {
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
    t.equal(me.statusCode, 401, `signed out on the ${name} instance`)
  }
  t.equal(await one.oidc.record(sessionIdOf(cookie)), undefined, 'the tokens are gone')

  const replay = await one.inject({
    method: 'POST',
    url: '/auth/backchannel-logout',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ logout_token: provider.logoutTokens[0]! }).toString()
  })
  t.equal(replay.statusCode, 400, 'a replay on the other instance is refused too')
})

t.test('a revoked refresh token ends the session on both instances', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startTokenProvider(t)
  provider.accessTtl = 5
  const [one, two] = await twoInstances(t, redis, { issuer: provider.issuer, tokens: { refreshSkew: 30_000 } })
  const { cookie } = await signIn(one, 'ada')
  const record = await one.oidc.record(sessionIdOf(cookie))
  await one.oauth2.revokeToken(record!.tokens!.refreshToken!, 'refresh_token')

  const res = await two.inject({ method: 'GET', url: '/api/token', headers: { cookie } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'FST_OIDC_SESSION_ENDED')
  const me = await one.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })
  t.equal(me.statusCode, 401, 'the first instance sees the session ended')
})

t.test('sessions in Redis share locks and logout indexes by default', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startTokenProvider(t)
  // No `coordination` option: it must follow the sessions into Redis, or
  // "log out everywhere" would reach only the instance it ran on.
  const one = await buildTokensApp(t, { issuer: provider.issuer, session: { redis: { url: redis.url } } })
  const two = await buildTokensApp(t, { issuer: provider.issuer, session: { redis: { url: redis.url } } })
  const { cookie } = await signIn(one, 'ada')
  t.equal((await two.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode, 200, 'signed in on both')
  t.ok((await redis.inspect.keys('oidc:coord:*')).length > 0, 'the logout indexes are in Redis')

  t.equal(await two.oidc.logoutEverywhere('ada'), 1, 'the other instance finds the session')
  for (const [name, app] of [['first', one], ['second', two]] as const) {
    t.equal((await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode, 401, `signed out on the ${name} instance`)
  }
})

t.test('apps sharing one Redis under different session prefixes keep their logout indexes apart', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const provider = await startTokenProvider(t)
  const shop = await buildTokensApp(t, { issuer: provider.issuer, session: { redis: { url: redis.url, prefix: 'shop:' } } })
  const admin = await buildTokensApp(t, { issuer: provider.issuer, session: { redis: { url: redis.url, prefix: 'admin:' } } })
  const inShop = await signIn(shop, 'ada')
  const inAdmin = await signIn(admin, 'ada')
  t.ok((await redis.inspect.keys('shop:coord:*')).length > 0, 'the shop\'s indexes are under its prefix')

  t.equal(await shop.oidc.logoutEverywhere('ada'), 1, 'the shop ends only its own session')
  t.equal((await shop.inject({ method: 'GET', url: '/auth/me', headers: { cookie: inShop.cookie } })).statusCode, 401)
  t.equal((await admin.inject({ method: 'GET', url: '/auth/me', headers: { cookie: inAdmin.cookie } })).statusCode, 200, 'the other app keeps its session')
  t.equal((await admin.inject({ method: 'GET', url: '/api/token', headers: { cookie: inAdmin.cookie } })).statusCode, 200, 'and its tokens')
})
