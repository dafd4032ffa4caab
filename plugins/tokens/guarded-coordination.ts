import { SessionStoreUnavailableError } from '../session/index.js'
import { COORDINATION_METHODS, type CoordinationStore } from './coordination.js'

/**
 * Bounds every call to a coordination store by `timeout` milliseconds and
 * turns its failures into the session store's coded 503, as for sessions: a
 * failing or hung Redis must not become a 500 that echoes its error text, or
 * a request that never ends.
 */
export function guardCoordination (store: CoordinationStore, timeout: number): CoordinationStore {
  const guarded = {} as Record<(typeof COORDINATION_METHODS)[number], (...args: never[]) => Promise<unknown>>
  for (const method of COORDINATION_METHODS) {
    guarded[method] = async (...args: never[]) => await bounded(timeout, () => (store[method] as (...a: never[]) => Promise<unknown>).apply(store, args))
  }
  return guarded as unknown as CoordinationStore
}

async function bounded<T> (timeout: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new SessionStoreUnavailableError({ cause: new Error(`coordination store did not answer within ${timeout} ms`) }))
    }, timeout)
  })
  try {
    return await Promise.race([call(), expired])
  } catch (err) {
    throw err instanceof SessionStoreUnavailableError ? err : new SessionStoreUnavailableError({ cause: err })
  } finally {
    clearTimeout(timer)
  }
}
