// One app under test, in a process of its own: `node --import tsx bench/server.ts`
// with BENCH_CASE, BENCH_PORT, BENCH_ISSUER and, for Redis cases, BENCH_REDIS_URL.
// Tells the parent `{ ready: port }` over IPC; closes on SIGTERM.
import Fastify, { type FastifyInstance } from 'fastify'
import type { SessionStore } from '@fastify/session'
import { Redis } from 'ioredis'
// The library as applications run it: the compiled package (npm run build),
// not the TypeScript sources through a loader.
import fastifyOidcLogin, { OAuth2Config } from 'fastify-oidc-login'
import { buildHandBuilt } from './hand-built.js'
import { HandRedisStore } from './redis-store.js'
import { CLIENT_SECRET, SESSION_SECRET, clientId, redirectUri, usesRedis, type CaseName } from './cases.js'

const name = process.env.BENCH_CASE as CaseName
const port = Number(process.env.BENCH_PORT)
const issuer = process.env.BENCH_ISSUER ?? ''

let redis: Redis | undefined
// The shared plain client; ours-redis makes its own from the URL.
if (usesRedis(name) && name !== 'ours-redis') {
  redis = new Redis(process.env.BENCH_REDIS_URL ?? '', { lazyConnect: true })
  await redis.connect()
}

async function build (): Promise<FastifyInstance> {
  const oauth = { issuer, clientId: clientId(name), clientSecret: CLIENT_SECRET, redirectUri: redirectUri(port), secret: SESSION_SECRET }
  switch (name) {
    case 'bare': {
      const app = Fastify({ logger: false })
      const user = { sub: 'bench-user', issuer, email: 'bench-user@example.test', name: 'bench-user' }
      app.get('/auth/me', async () => user)
      return app
    }
    case 'ours-memory':
    case 'ours-redis':
    case 'ours-plain-client-redis': {
      // ours-redis is configured as the README shows (the plugin makes its
      // own client, with redisClientOptions); ours-plain-client-redis shares
      // the plain ioredis client the hand-built apps use.
      const store = name === 'ours-memory' ? {} : name === 'ours-redis' ? { redis: { url: process.env.BENCH_REDIS_URL ?? '' } } : { redis: { client: redis! } }
      const app = Fastify({ logger: false })
      await app.register(fastifyOidcLogin, {
        session: { secret: SESSION_SECRET, secure: false, ...store },
        provider: OAuth2Config.discover(issuer, oauth.clientId, CLIENT_SECRET, oauth.redirectUri).scope('email').scope('profile')
      })
      return app
    }
    case 'hand-rolling-off-memory':
    case 'hand-rolling-off-redis':
      return buildHandBuilt({ ...oauth, mode: 'rolling-off', store: redis === undefined ? undefined : new HandRedisStore(redis) })
    case 'hand-defaults-memory':
    case 'hand-defaults-redis':
      return buildHandBuilt({ ...oauth, mode: 'defaults', store: redis === undefined ? undefined : new HandRedisStore(redis) })
  }
}

const app = await build()
await app.listen({ host: '127.0.0.1', port })
process.send?.({ ready: port })

process.once('SIGTERM', () => {
  app.server.closeAllConnections()
  app.close()
    .then(async () => { await redis?.quit() })
    .finally(() => process.exit(0))
})
