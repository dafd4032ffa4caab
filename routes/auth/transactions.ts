import { createHash } from 'node:crypto'
import type { FastifySessionObject } from '@fastify/session'

/** One login in progress, kept server-side in the session between redirect and callback. */
export interface LoginTransaction {
  state: string
  pkceVerifier: string
  nonce?: string
  returnTo: string
  /** Epoch milliseconds. */
  createdAt: number
}

/** Pending logins of one browser, keyed by a hash of their state. */
export type PendingLogins = Record<string, LoginTransaction>

// Each tab that starts a login gets its own entry, so two tabs do not
// overwrite each other; a few is plenty, and the bound keeps sessions small.
const MAX_PENDING = 5

/** The key of a transaction: a short hash of its state, so any received state maps to a bounded key. */
export function transactionKey (state: string): string {
  return createHash('sha256').update(state).digest('base64url').slice(0, 22)
}

/** Adds a transaction, dropping expired ones and the oldest beyond the bound. */
export function addTransaction (session: FastifySessionObject, tx: LoginTransaction, lifetime: number): void {
  const pending = session.get('oidcLogins')
  // The common case, the only login of this browser, skips the pruning.
  if (pending === undefined) {
    session.set('oidcLogins', { [transactionKey(tx.state)]: tx })
    return
  }
  const now = Date.now()
  const live = Object.entries(pending)
    .filter(([, t]) => now - t.createdAt < lifetime)
    .sort(([, a], [, b]) => a.createdAt - b.createdAt)
    .slice(-(MAX_PENDING - 1))
  session.set('oidcLogins', Object.fromEntries([...live, [transactionKey(tx.state), tx]]))
}

/**
 * Removes and returns the transaction for `state`. Returns `undefined` when
 * there is none; `hadPending` tells a wrong state apart from no login at all.
 */
export function takeTransaction (session: FastifySessionObject, state: string): { tx: LoginTransaction | undefined, hadPending: boolean } {
  const pending = session.get('oidcLogins')
  if (pending === undefined) return { tx: undefined, hadPending: false }
  const key = transactionKey(state)
  const tx = Object.hasOwn(pending, key) ? pending[key] : undefined
  const rest = Object.fromEntries(Object.entries(pending).filter(([k]) => k !== key))
  session.set('oidcLogins', Object.keys(rest).length === 0 ? undefined : rest)
  return { tx, hadPending: Object.keys(pending).length > 0 }
}

/** Drops every pending login (after a callback that matched none of them). */
export function clearTransactions (session: FastifySessionObject): void {
  if (session.get('oidcLogins') !== undefined) session.set('oidcLogins', undefined)
}
