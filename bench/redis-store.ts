import type { Session } from 'fastify'
import type { SessionStore } from '@fastify/session'
import type { Redis } from 'ioredis'

type Callback = (err?: unknown) => void
type GetCallback = (err: unknown, session?: Session | null) => void

/**
 * The Redis store a service would write by hand for @fastify/session (what
 * connect-redis does): one `GET` per read, `SET ... PX` per write, JSON values.
 * The hand-built apps use it; so does ours until `RedisSessionStore` is there.
 */
export class HandRedisStore implements SessionStore {
  readonly #client: Redis
  readonly #prefix: string

  constructor (client: Redis, prefix = 'bench:sess:') {
    this.#client = client
    this.#prefix = prefix
  }

  get (sessionId: string, callback: GetCallback): void {
    this.#client.get(this.#prefix + sessionId).then((raw) => {
      callback(null, raw === null ? null : JSON.parse(raw) as Session)
    }, callback)
  }

  set (sessionId: string, session: Session, callback: Callback): void {
    const expires = session.cookie?.expires
    const ttl = expires === undefined || expires === null ? 8 * 60 * 60 * 1000 : Math.max(1, new Date(expires).getTime() - Date.now())
    this.#client.set(this.#prefix + sessionId, JSON.stringify(session), 'PX', ttl).then(() => callback(), callback)
  }

  destroy (sessionId: string, callback: Callback): void {
    this.#client.del(this.#prefix + sessionId).then(() => callback(), callback)
  }
}
