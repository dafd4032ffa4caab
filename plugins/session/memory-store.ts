import type { Session } from 'fastify'
import { sessionExpiry } from './lifetime.js'
import { MemoryClaims, type OidcSessionStore } from './store.js'
import { jsonCopy } from './json-copy.js'
import { SessionStoreUnavailableError } from './errors.js'

type Callback = (err?: unknown) => void
type GetCallback = (err: unknown, session?: Session | null) => void

interface Entry {
  /** A private copy with JSON semantics. */
  data: Session
  expiresAt: number
}

/** Options of {@link MemorySessionStore}. Durations in milliseconds. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept; the least recently written is dropped first. Default 10000. */
  maxEntries?: number
  /** Lifetime of an entry whose session carries no expiry. Default 8 hours. */
  defaultTtl?: number
}

/**
 * A session store for development and single-instance services.
 *
 * Unlike @fastify/session's default store it expires entries and holds at most
 * `maxEntries`, so a flood of new sessions cannot exhaust memory. Values are
 * copied in and out with JSON semantics, so a handler mutating a session
 * object after the response cannot change what is stored, and a session
 * reads back as it would from Redis. Claims and updates run synchronously, so they
 * are atomic within the process.
 */
export class MemorySessionStore implements OidcSessionStore {
  // Two pools in least-recently-written order. Anonymous sessions (a login
  // in progress) are evicted first, so a flood of unauthenticated
  // `/auth/login` requests cannot push signed-in users out.
  readonly #anonymous = new Map<string, Entry>()
  readonly #signedIn = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #defaultTtl: number
  readonly #claims: MemoryClaims

  constructor (options: MemorySessionStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000
    this.#defaultTtl = options.defaultTtl ?? 8 * 60 * 60 * 1000
    this.#claims = new MemoryClaims(this.#maxEntries)
  }

  /** Number of live and not yet swept entries; for tests and metrics. */
  get size (): number {
    return this.#anonymous.size + this.#signedIn.size
  }

  set (sessionId: string, session: Session, callback: Callback): void {
    const expiresAt = sessionExpiry(session) ?? Date.now() + this.#defaultTtl
    let data: Session
    try {
      data = copySession(session)
    } catch (err) {
      // Session data JSON cannot hold (a cycle, a BigInt): the same coded 503
      // as from Redis, and the stored session stays as it was.
      callback(new SessionStoreUnavailableError({ cause: err }))
      return
    }
    // Delete first so each Map's insertion order stays least-recently-written first.
    this.#anonymous.delete(sessionId)
    this.#signedIn.delete(sessionId)
    const pool = (session as { user?: unknown }).user === undefined ? this.#anonymous : this.#signedIn
    pool.set(sessionId, { data, expiresAt })
    this.#evict(sessionId)
    callback()
  }

  /** Like `set`, but only while the session still exists (so logout stays final). */
  update (sessionId: string, session: Session, callback: Callback): void {
    const entry = this.#entry(sessionId)
    if (entry === undefined || entry.expiresAt <= Date.now()) return callback()
    this.set(sessionId, session, callback)
  }

  /** Answers `true` to the first claim of `key` within `ttl` ms. */
  claim (key: string, ttl: number, callback: (err: unknown, first?: boolean) => void): void {
    callback(null, this.#claims.claim(key, ttl))
  }

  get (sessionId: string, callback: GetCallback): void {
    const entry = this.#entry(sessionId)
    if (entry === undefined) return callback(null, null)
    if (entry.expiresAt <= Date.now()) {
      this.#delete(sessionId)
      return callback(null, null)
    }
    callback(null, copySession(entry.data))
  }

  destroy (sessionId: string, callback: Callback): void {
    this.#delete(sessionId)
    callback()
  }

  #entry (sessionId: string): Entry | undefined {
    return this.#signedIn.get(sessionId) ?? this.#anonymous.get(sessionId)
  }

  #delete (sessionId: string): void {
    this.#anonymous.delete(sessionId)
    this.#signedIn.delete(sessionId)
  }

  // Never the entry just written: a store full of signed-in sessions must
  // still keep a new login, or nobody could sign in until sessions expire.
  // A full store drops 1% more than it must: a Map walked from its oldest
  // entry steps over the holes earlier deletions left, so evicting one entry
  // per write would cost a long walk on every write under a flood of logins.
  #evict (justWritten: string): void {
    if (this.size <= this.#maxEntries) return
    const target = this.#maxEntries - Math.floor(this.#maxEntries / 100)
    const now = Date.now()
    for (const pool of [this.#anonymous, this.#signedIn]) {
      for (const [id, entry] of pool) {
        if (this.size <= target && entry.expiresAt > now) break
        if (id !== justWritten) pool.delete(id)
      }
    }
  }
}

/**
 * A private copy of a session's data with JSON semantics. The cookie, which
 * @fastify/session rebuilds from its own fields, is copied as they are
 * (its expiry stays a Date) instead of going through date formatting.
 */
function copySession (session: Session): Session {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(session)) {
    const value = (session as unknown as Record<string, unknown>)[key]
    if (key === 'cookie') {
      copy.cookie = copyCookie(value)
      continue
    }
    const data = jsonCopy(value)
    if (data !== undefined) copy[key] = data
  }
  return copy as unknown as Session
}

function copyCookie (cookie: unknown): unknown {
  if (cookie === null || typeof cookie !== 'object') return jsonCopy(cookie)
  const fields = typeof (cookie as { toJSON?: unknown }).toJSON === 'function'
    ? (cookie as { toJSON: () => Record<string, unknown> }).toJSON()
    : { ...cookie as Record<string, unknown> }
  for (const name of ['expires', 'originalExpires']) {
    const value = fields[name]
    if (value instanceof Date) fields[name] = new Date(value.getTime())
  }
  return fields
}
