import type { FastifyInstance } from 'fastify'
import type { SessionStore } from '@fastify/session'
import fp from 'fastify-plugin'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import { resolveSessionOptions, type SessionPluginOptions } from './options.js'
import { MemorySessionStore } from './memory-store.js'
import { guardStore } from './guarded-store.js'

/**
 * Server-side sessions with secure defaults, over @fastify/cookie and
 * @fastify/session.
 *
 * The cookie is HttpOnly, SameSite=Lax (Strict would drop it when the provider
 * redirects back), Secure and `__Host-` prefixed unless `secure: false`, and
 * Path=/. Sessions are written only once something is stored in them, so
 * anonymous requests cost no store call and get no cookie.
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
  const store = opts.store ?? new MemorySessionStore({ maxEntries: opts.memoryStoreMaxEntries, defaultTtl: opts.maxAge })

  if (opts.store === undefined && process.env.NODE_ENV === 'production') {
    app.log.warn('fastify-oidc-login: sessions are in process memory; use a shared store (Redis) when several instances serve traffic')
  }

  const guarded = guardStore(store, opts.storeTimeout)
  // Ending sessions outside their own requests (back-channel logout, "log out
  // everywhere") needs the store the sessions live in.
  app.decorate('sessionStore', { getter: () => guarded })

  if (!app.hasDecorator('parseCookie')) {
    await app.register(fastifyCookie)
  }
  await app.register(fastifySession, {
    secret: opts.secret,
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

  // @fastify/session forgets a destroyed session but leaves its cookie in the
  // browser; expire it so the browser stops sending a dead id.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.session === null && request.cookies[opts.cookieName] !== undefined) {
      reply.clearCookie(opts.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secure })
    }
    return payload
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The store sessions live in (bounded by `storeTimeout`), to end sessions by id. */
    readonly sessionStore: SessionStore
  }
}

/** The session plugin; register once per application. */
export const session = fp(sessionPlugin, {
  name: 'fastify-oidc-login/session',
  fastify: '5.x'
})

export default session
export { MemorySessionStore } from './memory-store.js'
export { SessionOptionError, SessionStoreUnavailableError } from './errors.js'
export type { SessionPluginOptions } from './options.js'
export type { MemorySessionStoreOptions } from './memory-store.js'
