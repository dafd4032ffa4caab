import type { CoordinationStore } from './coordination.js'
import { COORDINATION_METHODS, MemoryCoordinationStore } from './coordination.js'
import { RedisCoordinationStore, type RedisCaller } from './redis-coordination.js'
import { TokensOptionError } from './errors.js'
import { guardCoordination } from './guarded-coordination.js'

/** Options of the tokens plugin. Durations in milliseconds. */
export interface TokensPluginOptions {
  /**
   * Where session records, refresh locks and the logout indexes live.
   * Default: the session plugin's Redis client when sessions live in Redis
   * (so every instance sees the same locks and indexes), else process memory.
   */
  coordination?: CoordinationStore
  /** Refresh the access token when it expires within this time. Default 60000. */
  refreshSkew?: number
  /** Longest wait for the coordination store before answering 503. Default 2000. */
  storeTimeout?: number
  /**
   * Longest wait for another instance's refresh of the same session before
   * answering 503. Default: twice the provider timeout plus 5000.
   */
  refreshWait?: number
}

/** Options after defaults and checks. */
export interface ResolvedTokensOptions {
  coordination: CoordinationStore
  refreshSkew: number
  refreshWait: number
  /** A refresh lock outlives the slowest refresh, so two never overlap. */
  lockTtl: number
}

/** Applies defaults and rejects invalid options with a coded error naming the option. */
export function resolveTokensOptions (options: TokensPluginOptions | undefined, providerTimeout: number, sessionRedis?: { client: RedisCaller, prefix: string | undefined }): ResolvedTokensOptions {
  const opts = options ?? {}
  // Apps sharing one Redis under different session prefixes must not share
  // logout indexes either: a custom session prefix carries over.
  const coordination = opts.coordination ?? (sessionRedis === undefined
    ? new MemoryCoordinationStore()
    : new RedisCoordinationStore(sessionRedis.client, sessionRedis.prefix === undefined ? {} : { prefix: `${sessionRedis.prefix}coord:` }))
  if (coordination === null || typeof coordination !== 'object' || COORDINATION_METHODS.some((m) => typeof coordination[m] !== 'function')) {
    throw new TokensOptionError(`options.coordination must implement ${COORDINATION_METHODS.join(', ')}`)
  }
  // The slowest refresh is a token call plus a key set fetch, each bounded
  // by the provider timeout; the lock must outlive both.
  const lockTtl = 2 * providerTimeout + 5000
  return {
    coordination: guardCoordination(coordination, duration(opts.storeTimeout, 2000, 'options.storeTimeout', false)),
    refreshSkew: duration(opts.refreshSkew, 60_000, 'options.refreshSkew', true),
    refreshWait: duration(opts.refreshWait, lockTtl, 'options.refreshWait', false),
    lockTtl
  }
}

function duration (value: unknown, fallback: number, path: string, zeroAllowed: boolean): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1)) {
    throw new TokensOptionError(`${path} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer`)
  }
  return value
}
