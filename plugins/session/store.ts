import type { Session } from 'fastify'
import type { SessionStore } from '@fastify/session'

type Callback = (err?: unknown) => void

/**
 * @fastify/session's store interface plus the two optional operations this
 * plugin uses when a store offers them. Both stores shipped here do; any other
 * @fastify/session store still works, with the fallbacks described below.
 */
export interface OidcSessionStore extends SessionStore {
  /**
   * Writes `session` only if `sessionId` still exists. Used for every write
   * of a session that was stored before, so a slow request finishing after
   * logout (or after expiry) cannot bring the session back. Without it, such
   * writes go through `set`.
   */
  update?: (sessionId: string, session: Session, callback: Callback) => void
  /**
   * Records `key` as used for `ttl` milliseconds and answers `true` to the
   * first caller only, atomically across every instance sharing the store.
   * Without it, claims are kept in process memory (one instance only).
   */
  claim?: (key: string, ttl: number, callback: (err: unknown, first?: boolean) => void) => void
}

/**
 * One-time keys with an expiry, kept in process memory and bounded in size.
 * Check-and-set runs synchronously, so it is atomic within one process.
 */
export class MemoryClaims {
  readonly #claims = new Map<string, number>()
  readonly #maxEntries: number

  constructor (maxEntries: number) {
    this.#maxEntries = maxEntries
  }

  /** `true` when `key` was not claimed (or its claim expired); claims it for `ttl` ms. */
  claim (key: string, ttl: number): boolean {
    const now = Date.now()
    const until = this.#claims.get(key)
    if (until !== undefined && until > now) return false
    this.#claims.delete(key)
    this.#claims.set(key, now + ttl)
    for (const [k, expiresAt] of this.#claims) {
      if (this.#claims.size <= this.#maxEntries && expiresAt > now) break
      this.#claims.delete(k)
    }
    return true
  }
}
