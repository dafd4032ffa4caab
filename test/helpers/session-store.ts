import type { Session } from 'fastify'
import type { SessionStore } from '@fastify/session'

/** The session id inside a signed `name=id.signature` cookie. */
export function sessionId (cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))
  return value.slice(0, value.lastIndexOf('.'))
}

/** What the store holds for a session id (`null` when nothing). */
export async function readSession (store: SessionStore, id: string): Promise<Session | null> {
  return new Promise((resolve, reject) => {
    store.get(id, (err, session) => { if (err) reject(err); else resolve(session ?? null) })
  })
}
