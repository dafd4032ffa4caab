import type { SessionStore } from '@fastify/session'
import type { Cluster, Redis } from 'ioredis'
import { SessionOptionError } from './errors.js'

/** Sessions in Redis: a URL (the plugin creates and closes the client) or a client of yours. */
export type SessionRedisOptions =
  | { /** `redis://` or `rediss://` URL. */ url: string, /** Key prefix. Default `oidc:sess:`. */ prefix?: string }
  | { /** An ioredis client (standalone, Sentinel or Cluster); you close it. */ client: Redis | Cluster, /** Key prefix. Default `oidc:sess:`. */ prefix?: string }

/** Options of the session plugin. Durations are in milliseconds. */
export interface SessionPluginOptions {
  /** Cookie signing secret (or several, newest first, for rotation); each at least 32 characters. */
  secret: string | string[]
  /** Cookie name. Default `__Host-oidc.sid` when `secure`, `oidc.sid` otherwise. */
  cookieName?: string
  /** Send the cookie over HTTPS only. Default `true`; turn off only for local plain-http work. */
  secure?: boolean
  /** Absolute session lifetime from the first write, enforced server-side and by the store TTL. Default 8 hours. */
  maxAge?: number
  /** A session unused this long ends, enforced server-side and by the store TTL. Default 30 minutes. */
  idleTimeout?: number
  /** The idle deadline is pushed back by at most one store write per this interval. Default 1 minute (at most a tenth of `idleTimeout`). */
  idleRefreshInterval?: number
  /** Keep sessions in Redis (`RedisSessionStore`). Exclusive with `store`. */
  redis?: SessionRedisOptions
  /** Where sessions live. Default: a bounded in-memory store (one instance only). */
  store?: SessionStore
  /** Longest wait for the store before a request fails with 503. Default 2000. */
  storeTimeout?: number
  /** Upper bound on sessions kept by the default memory store. Default 10000. */
  memoryStoreMaxEntries?: number
}

/** Options after defaults and checks. */
export interface ResolvedSessionOptions {
  secret: string[]
  cookieName: string
  secure: boolean
  maxAge: number
  idleTimeout: number
  idleRefreshInterval: number
  redis: SessionRedisOptions | undefined
  store: SessionStore | undefined
  storeTimeout: number
  memoryStoreMaxEntries: number
}

const MIN_SECRET_LENGTH = 32
const EIGHT_HOURS = 8 * 60 * 60 * 1000
const THIRTY_MINUTES = 30 * 60 * 1000
const KEY_PREFIX_PATTERN = /^[\x21-\x7e]{1,64}$/
const COOKIE_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/

/**
 * Applies defaults and rejects unsafe or malformed options with a coded error
 * naming the option, so a misconfigured service fails at `ready()`, not at the
 * first login.
 */
export function resolveSessionOptions (options: Partial<SessionPluginOptions> | undefined): ResolvedSessionOptions {
  const opts = options ?? {}
  const secrets = typeof opts.secret === 'string' ? [opts.secret] : opts.secret
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new SessionOptionError('options.secret is required')
  }
  secrets.forEach((secret, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      const path = typeof opts.secret === 'string' ? 'options.secret' : `options.secret[${index}]`
      throw new SessionOptionError(`${path} must be at least ${MIN_SECRET_LENGTH} characters`)
    }
  })

  const secure = opts.secure ?? true
  if (typeof secure !== 'boolean') throw new SessionOptionError('options.secure must be a boolean')

  // The __Host- prefix makes browsers refuse the cookie unless it is Secure,
  // host-only and Path=/, which is exactly what this plugin sets when secure.
  const cookieName = opts.cookieName ?? (secure ? '__Host-oidc.sid' : 'oidc.sid')
  if (typeof cookieName !== 'string' || !COOKIE_NAME_PATTERN.test(cookieName)) {
    throw new SessionOptionError('options.cookieName must be a cookie token of 1 to 64 characters')
  }
  if (!secure && (cookieName.startsWith('__Host-') || cookieName.startsWith('__Secure-'))) {
    throw new SessionOptionError('options.cookieName with a __Host- or __Secure- prefix requires options.secure')
  }

  const idleTimeout = positiveInteger(opts.idleTimeout, THIRTY_MINUTES, 'options.idleTimeout')
  const idleRefreshInterval = positiveInteger(opts.idleRefreshInterval, Math.max(1, Math.min(60_000, Math.floor(idleTimeout / 10))), 'options.idleRefreshInterval')
  if (idleRefreshInterval >= idleTimeout) {
    throw new SessionOptionError('options.idleRefreshInterval must be less than options.idleTimeout')
  }
  const redis = checkRedis(opts.redis)
  if (redis !== undefined && opts.store !== undefined) {
    throw new SessionOptionError('options.redis and options.store cannot both be set')
  }

  return {
    secret: secrets,
    cookieName,
    secure,
    maxAge: positiveInteger(opts.maxAge, EIGHT_HOURS, 'options.maxAge'),
    idleTimeout,
    idleRefreshInterval,
    redis,
    store: checkStore(opts.store),
    storeTimeout: positiveInteger(opts.storeTimeout, 2000, 'options.storeTimeout'),
    memoryStoreMaxEntries: positiveInteger(opts.memoryStoreMaxEntries, 10_000, 'options.memoryStoreMaxEntries')
  }
}

function positiveInteger (value: unknown, fallback: number, path: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new SessionOptionError(`${path} must be a positive integer`)
  }
  return value
}

function checkStore (store: unknown): SessionStore | undefined {
  if (store === undefined) return undefined
  const candidate = store as Partial<SessionStore> | null
  if (candidate === null || typeof candidate.get !== 'function' || typeof candidate.set !== 'function' || typeof candidate.destroy !== 'function') {
    throw new SessionOptionError('options.store must have get, set and destroy methods')
  }
  return candidate as SessionStore
}

function checkRedis (redis: unknown): SessionRedisOptions | undefined {
  if (redis === undefined) return undefined
  if (redis === null || typeof redis !== 'object') throw new SessionOptionError('options.redis must be an object with url or client')
  const { url, client, prefix } = redis as { url?: unknown, client?: unknown, prefix?: unknown }
  if (prefix !== undefined && (typeof prefix !== 'string' || !KEY_PREFIX_PATTERN.test(prefix))) {
    throw new SessionOptionError('options.redis.prefix must be 1 to 64 printable characters without spaces')
  }
  if ((url === undefined) === (client === undefined)) {
    throw new SessionOptionError('options.redis needs exactly one of url and client')
  }
  if (url !== undefined) {
    if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw new SessionOptionError('options.redis.url must be a redis:// or rediss:// URL')
    return prefix === undefined ? { url } : { url, prefix: prefix as string }
  }
  const candidate = client as { get?: unknown, set?: unknown, del?: unknown } | null
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.get !== 'function' || typeof candidate.set !== 'function' || typeof candidate.del !== 'function') {
    throw new SessionOptionError('options.redis.client must be an ioredis client')
  }
  return prefix === undefined ? { client: client as Redis } : { client: client as Redis, prefix: prefix as string }
}
