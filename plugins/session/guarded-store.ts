import type { Session } from 'fastify'
import type { SessionStore } from '@fastify/session'
import { SessionStoreUnavailableError } from './errors.js'

type Callback = (err?: unknown) => void

/**
 * Wraps a store so that every call answers within `timeout` milliseconds.
 *
 * A store that throws, fails or hangs becomes a coded 503 instead of a 500 or
 * a request that never ends; a late answer from a hung store is ignored.
 */
export function guardStore (store: SessionStore, timeout: number): SessionStore {
  return {
    get (sessionId, callback) {
      bounded(timeout, (done) => store.get(sessionId, done), callback)
    },
    set (sessionId: string, session: Session, callback: Callback) {
      bounded(timeout, (done) => store.set(sessionId, session, done), callback)
    },
    destroy (sessionId, callback) {
      bounded(timeout, (done) => store.destroy(sessionId, done), callback)
    }
  }
}

// The store's callbacks differ only in their optional second argument.
type AnyCallback = (err?: unknown, value?: any) => void

function bounded (timeout: number, call: (done: AnyCallback) => void, callback: AnyCallback): void {
  let settled = false
  const timer = setTimeout(() => {
    settled = true
    callback(new SessionStoreUnavailableError({ cause: new Error(`session store did not answer within ${timeout} ms`) }))
  }, timeout)
  const done = (err?: unknown, value?: unknown): void => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    if (err !== undefined && err !== null) {
      callback(asStoreError(err))
      return
    }
    callback(null, value)
  }
  try {
    call(done)
  } catch (err) {
    done(err)
  }
}

function asStoreError (err: unknown): unknown {
  // @fastify/session treats ENOENT as "no such session", so it passes through.
  if ((err as { code?: unknown }).code === 'ENOENT') return err
  if (err instanceof SessionStoreUnavailableError) return err
  return new SessionStoreUnavailableError({ cause: err })
}
