import type { CoordinationStore } from './coordination.js'

/**
 * The part of a Redis client this store uses: ioredis' generic `call`
 * (`app.redis` of @fastify/redis, or `new Redis(url)`).
 */
export interface RedisCaller {
  call (command: string, ...args: Array<string | number>): Promise<unknown>
}

/** Options of {@link RedisCoordinationStore}. */
export interface RedisCoordinationStoreOptions {
  /** Prefix of every key. Default `oidc:coord:`. */
  prefix?: string
}

// Releases a lock only while it still holds this holder's value.
const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

// One sorted set per index, scored by each member's expiry: add, drop the
// expired, and let the key itself live as long as its longest member.
const INDEX_ADD = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
return 1`

/**
 * A {@link CoordinationStore} in Redis, shared by every instance: locks and
 * replay markers are `SET NX PX`, indexes are sorted sets scored by expiry,
 * and every key carries a TTL.
 *
 * @example
 * import Redis from 'ioredis'
 * const coordination = new RedisCoordinationStore(new Redis(process.env.REDIS_URL))
 * await app.register(fastifyOidcLogin, { ..., tokens: { coordination } })
 */
export class RedisCoordinationStore implements CoordinationStore {
  readonly #redis: RedisCaller
  readonly #prefix: string

  constructor (redis: RedisCaller, options: RedisCoordinationStoreOptions = {}) {
    if (redis === null || typeof redis?.call !== 'function') {
      throw new TypeError('redis must be an ioredis client')
    }
    this.#redis = redis
    this.#prefix = options.prefix ?? 'oidc:coord:'
  }

  async add (key: string, value: string, ttl: number): Promise<boolean> {
    return await this.#redis.call('SET', this.#prefix + key, value, 'PX', ttlOf(ttl), 'NX') === 'OK'
  }

  async get (key: string): Promise<string | undefined> {
    const value = await this.#redis.call('GET', this.#prefix + key)
    return typeof value === 'string' ? value : undefined
  }

  async set (key: string, value: string, ttl: number): Promise<void> {
    await this.#redis.call('SET', this.#prefix + key, value, 'PX', ttlOf(ttl))
  }

  async replace (key: string, value: string, ttl: number): Promise<boolean> {
    return await this.#redis.call('SET', this.#prefix + key, value, 'PX', ttlOf(ttl), 'XX') === 'OK'
  }

  async delete (key: string): Promise<void> {
    await this.#redis.call('DEL', this.#prefix + key)
  }

  async deleteIfEqual (key: string, value: string): Promise<void> {
    await this.#redis.call('EVAL', DELETE_IF_EQUAL, 1, this.#prefix + key, value)
  }

  async indexAdd (key: string, member: string, ttl: number): Promise<void> {
    const now = Date.now()
    await this.#redis.call('EVAL', INDEX_ADD, 1, this.#prefix + key, member, now + ttlOf(ttl), now)
  }

  async indexRemove (key: string, member: string): Promise<void> {
    await this.#redis.call('ZREM', this.#prefix + key, member)
  }

  async indexMembers (key: string): Promise<string[]> {
    const members = await this.#redis.call('ZRANGEBYSCORE', this.#prefix + key, Date.now(), '+inf')
    return Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : []
  }
}

function ttlOf (ttl: number): number {
  return Math.max(1, Math.ceil(ttl))
}
