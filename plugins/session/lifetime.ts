import type { Session } from 'fastify'
import type { OidcSessionStore } from './store.js'

/**
 * When a session was created and last refreshed, kept in the session data
 * itself (so every store, and every instance, sees the same clock readings).
 * Epoch milliseconds.
 */
export interface SessionTimes {
  /** First write; the absolute lifetime counts from here. */
  createdAt: number
  /** Last write; the idle timeout counts from here. */
  touchedAt: number
  /** When the store may forget the session: the earlier of the two deadlines at the last write. */
  expiresAt: number
}

/** The two server-side deadlines. Milliseconds. */
export interface Lifetime {
  /** Absolute lifetime from the first write. */
  maxAge: number
  /** Longest time without a refresh. */
  idleTimeout: number
}

/** The `oidcTimes` of stored session data, or `undefined` when missing or malformed. */
export function timesOf (session: unknown): SessionTimes | undefined {
  const times = (session as { oidcTimes?: unknown } | null)?.oidcTimes as Partial<SessionTimes> | null | undefined
  if (times === null || typeof times !== 'object') return undefined
  // Checked in place, not copied: this runs on every request with a session.
  if (!Number.isFinite(times.createdAt) || !Number.isFinite(times.touchedAt) || !Number.isFinite(times.expiresAt)) return undefined
  return times as SessionTimes
}

/**
 * When a stored session may be forgotten: its `oidcTimes` deadline, else its
 * cookie expiry (a session written by something other than this plugin), or
 * `undefined` when it carries neither. Epoch milliseconds.
 */
export function sessionExpiry (session: Session): number | undefined {
  const times = timesOf(session)
  if (times !== undefined) return times.expiresAt
  const expires = session.cookie?.expires
  if (expires === undefined || expires === null) return undefined
  const time = new Date(expires).getTime()
  return Number.isFinite(time) ? time : undefined
}

/**
 * Enforces the absolute lifetime and the idle timeout on top of any store.
 *
 * Reads refuse (and delete) a session past either deadline, or one without
 * valid times (not written by this plugin), whatever the store's own TTL did.
 * Writes stamp the times and set `expiresAt`, from which stores derive their
 * TTL; a session that was stored before is written with the store's `update`,
 * so it is never recreated after it was destroyed.
 */
export function lifetimeStore (store: OidcSessionStore, lifetime: Lifetime): OidcSessionStore {
  const wrapped: OidcSessionStore = {
    get (sessionId, callback) {
      store.get(sessionId, (err, session) => {
        if (err !== undefined && err !== null) return callback(err)
        if (session === undefined || session === null) return callback(null, null)
        const times = timesOf(session)
        if (times !== undefined && Date.now() < deadline(times, lifetime)) return callback(null, session)
        // Expired or foreign: no session. A failed delete changes nothing for
        // this request, and the store's TTL removes the entry anyway.
        store.destroy(sessionId, () => callback(null, null))
      })
    },
    set (sessionId, session, callback) {
      const now = Date.now()
      const previous = timesOf(session)
      const createdAt = previous?.createdAt ?? now
      const expiresAt = Math.min(createdAt + lifetime.maxAge, now + lifetime.idleTimeout)
      if (expiresAt <= now) {
        // Past its absolute lifetime: writing would only extend a dead session.
        store.destroy(sessionId, callback)
        return
      }
      session.oidcTimes = { createdAt, touchedAt: now, expiresAt }
      if (previous !== undefined && store.update !== undefined) {
        store.update(sessionId, session, callback)
      } else {
        store.set(sessionId, session, callback)
      }
    },
    destroy (sessionId, callback) {
      store.destroy(sessionId, callback)
    }
  }
  if (store.claim !== undefined) wrapped.claim = store.claim.bind(store)
  return wrapped
}

/** Whether a loaded session is due for its idle refresh (a write at the end of this request). */
export function refreshDue (session: Session, interval: number): boolean {
  const times = timesOf(session)
  return times !== undefined && Date.now() - times.touchedAt >= interval
}

function deadline (times: SessionTimes, lifetime: Lifetime): number {
  return Math.min(times.createdAt + lifetime.maxAge, times.touchedAt + lifetime.idleTimeout, times.expiresAt)
}
