import type { FastifySessionObject } from '@fastify/session'
import { sameState, sha256 } from '../../plugins/oauth2/secrets.js'

/** One login in progress, kept server-side in the session between redirect and callback. */
export interface LoginTransaction {
  state: string
  pkceVerifier: string
  nonce?: string
  returnTo: string
  /** Epoch milliseconds. */
  createdAt: number
}

/**
 * Pending logins of one browser, oldest first.
 *
 * A short list of same-shaped records rather than an object keyed by state:
 * an object keyed by a fresh random string gives every login a new V8 hidden
 * class, which made storing, copying and hashing the session several times
 * dearer than the rest of the redirect.
 */
export type PendingLogins = LoginTransaction[]

// Each tab that starts a login gets its own entry, so two tabs do not
// overwrite each other; a few is plenty, and the bound keeps sessions small.
const MAX_PENDING = 5

/** A short, bounded key for a state (one-time claims are keyed by it). */
export function transactionKey (state: string): string {
  return sha256(state).slice(0, 22)
}

/** Adds a transaction, dropping expired ones and the oldest beyond the bound. */
export function addTransaction (session: FastifySessionObject, tx: LoginTransaction, lifetime: number): void {
  const pending = pendingOf(session)
  // The common case, the only login of this browser, skips the pruning.
  if (pending === undefined || pending.length === 0) {
    session.set('oidcLogins', [tx])
    return
  }
  const now = Date.now()
  const live = pending.filter((t) => now - t.createdAt < lifetime).slice(-(MAX_PENDING - 1))
  session.set('oidcLogins', [...live, tx])
}

/**
 * Removes and returns the transaction for `state`. Returns `undefined` when
 * there is none; `hadPending` tells a wrong state apart from no login at all.
 */
export function takeTransaction (session: FastifySessionObject, state: string): { tx: LoginTransaction | undefined, hadPending: boolean } {
  const pending = pendingOf(session)
  if (pending === undefined || pending.length === 0) return { tx: undefined, hadPending: false }
  // In constant time: the stored states are secrets and the received one is
  // the caller's guess. This match is the callback's state check.
  const index = pending.findIndex((t) => sameState(t.state, state))
  if (index === -1) return { tx: undefined, hadPending: true }
  const rest = pending.filter((_t, i) => i !== index)
  session.set('oidcLogins', rest.length === 0 ? undefined : rest)
  return { tx: pending[index], hadPending: true }
}

/** Drops every pending login (after a callback that matched none of them). */
export function clearTransactions (session: FastifySessionObject): void {
  if (session.get('oidcLogins') !== undefined) session.set('oidcLogins', undefined)
}

/**
 * The pending logins, or `undefined`. Only well-formed records count: a value
 * of another shape (written by an earlier version, or damaged) is none.
 */
function pendingOf (session: FastifySessionObject): PendingLogins | undefined {
  const pending: unknown = session.get('oidcLogins')
  return Array.isArray(pending) ? pending.filter(isTransaction) : undefined
}

function isTransaction (value: unknown): value is LoginTransaction {
  const tx = value as Partial<LoginTransaction> | null
  return tx !== null && typeof tx === 'object' &&
    typeof tx.state === 'string' && typeof tx.pkceVerifier === 'string' && typeof tx.returnTo === 'string' &&
    Number.isFinite(tx.createdAt) && (tx.nonce === undefined || typeof tx.nonce === 'string')
}
