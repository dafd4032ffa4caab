import type { SessionStore } from '@fastify/session'
import { SessionOptionError } from './errors.js'

/** Options of the session plugin. Durations are in milliseconds. */
export interface SessionPluginOptions {
  /** Cookie signing secret (or several, newest first, for rotation); each at least 32 characters. */
  secret: string | string[]
  /** Cookie name. Default `__Host-oidc.sid` when `secure`, `oidc.sid` otherwise. */
  cookieName?: string
  /** Send the cookie over HTTPS only. Default `true`; turn off only for local plain-http work. */
  secure?: boolean
  /** Absolute session lifetime, enforced by the cookie expiry and the store TTL. Default 8 hours. */
  maxAge?: number
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
  store: SessionStore | undefined
  storeTimeout: number
  memoryStoreMaxEntries: number
}

const MIN_SECRET_LENGTH = 32
const EIGHT_HOURS = 8 * 60 * 60 * 1000
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

  return {
    secret: secrets,
    cookieName,
    secure,
    maxAge: positiveInteger(opts.maxAge, EIGHT_HOURS, 'options.maxAge'),
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
