import type { FastifyInstance } from 'fastify'
import type { SessionStore } from '@fastify/session'
import fp from 'fastify-plugin'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import { Redis, type Cluster } from 'ioredis'
import { resolveSessionOptions, type ResolvedSessionOptions, type SessionPluginOptions } from './options.js'
import { MemorySessionStore } from './memory-store.js'
import { RedisSessionStore, redisClientOptions } from './redis-store.js'
import { guardStore } from './guarded-store.js'
import { SessionCookieSigner } from './signer.js'
import { lifetimeStore, refreshDue, type SessionTimes } from './lifetime.js'
import { MemoryClaims, type OidcSessionStore } from './store.js'

declare module 'fastify' {
  interface Session {
    /** Creation and refresh times the plugin keeps to enforce expiry; do not change them. */
    oidcTimes?: SessionTimes
  }
  interface FastifyInstance {
    /**
     * Atomically claims `key` in the session store for `ttl` milliseconds:
     * resolves `true` for exactly one caller, across every instance sharing
     * the store, and `false` for all others. Rejects with a coded 503 when the
     * store is unavailable.
     */
    claimOnce: (key: string, ttl: number) => Promise<boolean>
  }
}

/**
 * Server-side sessions with secure defaults, over @fastify/cookie and
 * @fastify/session.
 *
 * The cookie is HttpOnly, SameSite=Lax (Strict would drop it when the provider
 * redirects back), Secure and `__Host-` prefixed unless `secure: false`, and
 * Path=/. Sessions are written only once something is stored in them, so
 * anonymous requests cost no store call and get no cookie.
 *
 * Expiry is enforced server-side: an absolute lifetime (`maxAge`) from the
 * first write and an idle timeout (`idleTimeout`), both kept as timestamps in
 * the session data (`oidcTimes`) and mirrored in the store's TTL. A session
 * that is only read is rewritten at most once per `idleRefreshInterval`, to
 * push its idle deadline back; otherwise it is written only when it changed.
 *
 * Type your session data by augmenting fastify's `Session` interface:
 *
 * @example
 * declare module 'fastify' {
 *   interface Session { cart?: string[] }
 * }
 * await app.register(session, { secret: process.env.SESSION_SECRET! })
 */
async function sessionPlugin (app: FastifyInstance, options: SessionPluginOptions): Promise<void> {
  const opts = resolveSessionOptions(options)
  const redis = opts.store === undefined ? await redisStore(app, opts) : undefined
  const store: OidcSessionStore = opts.store ?? redis?.store ?? new MemorySessionStore({ maxEntries: opts.memoryStoreMaxEntries, defaultTtl: opts.maxAge })
  // Token refresh locks and logout indexes must be as shared as the sessions.
  app.decorate('sessionRedis', { getter: () => redis === undefined ? undefined : { client: redis.client, prefix: opts.redis?.prefix } })

  if (opts.store === undefined && opts.redis === undefined && process.env.NODE_ENV === 'production') {
    app.log.warn('fastify-oidc-login: sessions are in process memory; use a shared store (Redis) when several instances serve traffic')
  }

  const timed = lifetimeStore(store, { maxAge: opts.maxAge, idleTimeout: opts.idleTimeout })
  // The memory store answers synchronously and cannot hang or lose its
  // connection, so only other stores pay for the time bound.
  const guarded = store instanceof MemorySessionStore ? timed : guardStore(timed, opts.storeTimeout)
  // A store without claims (some other @fastify/session store) gets
  // process-local ones: atomic, but only within this instance.
  const localClaims = guarded.claim === undefined ? new MemoryClaims(opts.memoryStoreMaxEntries) : undefined
  app.decorate('claimOnce', function claimOnce (key: string, ttl: number): Promise<boolean> {
    if (localClaims !== undefined) return Promise.resolve(localClaims.claim(key, ttl))
    return new Promise((resolve, reject) => {
      guarded.claim!(key, ttl, (err, first) => {
        // Already a coded 503: the guarded store codes every failure.
        if (err !== undefined && err !== null) reject(err)
        else resolve(first === true)
      })
    })
  })
  // Ending sessions outside their own requests (back-channel logout, "log out
  // everywhere") needs the store the sessions live in.
  app.decorate('sessionStore', { getter: () => guarded })

  if (!app.hasDecorator('parseCookie')) {
    await app.register(fastifyCookie)
  }
  await app.register(fastifySession, {
    secret: new SessionCookieSigner(opts.secret),
    cookieName: opts.cookieName,
    store: guarded,
    saveUninitialized: false,
    // A rolling session rewrites the whole session on every request; expiry is
    // enforced server-side instead.
    rolling: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secure,
      path: '/',
      maxAge: opts.maxAge
    }
  })

  // A session that is only read is not written back (rolling is off), so its
  // idle deadline moves only when this marks it changed: at most once per
  // interval, and @fastify/session then writes it once at the end of the request.
  // (Both hooks take `done` rather than being async: they run on every
  // request, and a promise per hook is a measurable part of a session read.)
  app.addHook('onRequest', (request, _reply, done) => {
    const current = request.session
    if (current?.sessionId !== undefined && refreshDue(current, opts.idleRefreshInterval)) {
      current.oidcTimes = { ...current.oidcTimes!, touchedAt: Date.now() }
    }
    done()
  })

  // @fastify/session forgets a destroyed session but leaves its cookie in the
  // browser; expire it so the browser stops sending a dead id.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.session === null && request.cookies[opts.cookieName] !== undefined) {
      reply.clearCookie(opts.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secure })
    }
    done(null, payload)
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The store sessions live in (bounded by `storeTimeout`), to end sessions by id. */
    readonly sessionStore: SessionStore
    /** The Redis client sessions live in and their key prefix (when set), when they live in Redis; other plugins share it. */
    readonly sessionRedis: { client: Redis | Cluster, prefix: string | undefined } | undefined
  }
}

/**
 * The Redis store of `options.redis`. From a URL the plugin makes (and closes)
 * a client configured to fail fast; startup does not wait for Redis longer
 * than the store timeout, because the client reconnects by itself.
 */
async function redisStore (app: FastifyInstance, opts: ResolvedSessionOptions): Promise<{ store: RedisSessionStore, client: Redis | Cluster } | undefined> {
  const redis = opts.redis
  if (redis === undefined) return undefined
  if ('client' in redis) {
    return { store: new RedisSessionStore({ client: redis.client, prefix: redis.prefix, defaultTtl: opts.maxAge }), client: redis.client }
  }

  const client = new Redis(redis.url, redisClientOptions(opts.storeTimeout))
  let up = false
  let reported = false
  client.on('ready', () => {
    if (!up) app.log.info('fastify-oidc-login: session store (Redis) connected')
    up = true
  })
  // Logged once per outage, not on every reconnect attempt.
  client.on('error', (err) => {
    if (up || !reported) app.log.warn({ err }, 'fastify-oidc-login: session store (Redis) unavailable; retrying')
    up = false
    reported = true
  })
  app.addHook('onClose', async () => { client.disconnect() })
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, opts.storeTimeout)
    client.once('ready', () => { clearTimeout(timer); resolve() })
  })
  return { store: new RedisSessionStore({ client, prefix: redis.prefix, defaultTtl: opts.maxAge }), client }
}

/** The session plugin; register once per application. */
export const session = fp(sessionPlugin, {
  name: 'fastify-oidc-login/session',
  fastify: '5.x'
})

export default session
export { MemorySessionStore } from './memory-store.js'
export { RedisSessionStore, redisClientOptions } from './redis-store.js'
export { SessionOptionError, SessionStoreUnavailableError } from './errors.js'
export type { SessionPluginOptions, SessionRedisOptions } from './options.js'
export type { MemorySessionStoreOptions } from './memory-store.js'
export type { RedisSessionStoreOptions } from './redis-store.js'
export type { OidcSessionStore } from './store.js'
export type { SessionTimes } from './lifetime.js'
