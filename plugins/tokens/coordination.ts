/**
 * The few shared operations token refresh and logout need across instances:
 * short-lived keys (locks, replay markers, session records) and indexes from
 * a provider session or subject to our session ids, every entry with a TTL.
 *
 * {@link MemoryCoordinationStore} serves one process;
 * `RedisCoordinationStore` serves instances that share a Redis.
 */
export interface CoordinationStore {
  /** Sets `key` to `value` for `ttl` ms only when the key is absent. Resolves `true` when it was set. */
  add (key: string, value: string, ttl: number): Promise<boolean>
  /** The value of `key`, or `undefined` when absent or expired. */
  get (key: string): Promise<string | undefined>
  /** Sets `key` to `value` for `ttl` ms, replacing any value. */
  set (key: string, value: string, ttl: number): Promise<void>
  /**
   * Sets `key` to `value` for `ttl` ms only while the key exists, in one
   * step, so a late writer cannot bring back a key someone removed.
   * Resolves `true` when it wrote.
   */
  replace (key: string, value: string, ttl: number): Promise<boolean>
  /** Removes `key`. */
  delete (key: string): Promise<void>
  /**
   * Removes `key` only while it still holds `value`, in one step, so a lock
   * holder whose lock expired cannot release the next holder's lock.
   */
  deleteIfEqual (key: string, value: string): Promise<void>
  /** Adds `member` to the index `key` until `ttl` ms from now. */
  indexAdd (key: string, member: string, ttl: number): Promise<void>
  /** Removes `member` from the index `key`. */
  indexRemove (key: string, member: string): Promise<void>
  /** The members of the index `key` that have not expired. */
  indexMembers (key: string): Promise<string[]>
}

/** The methods every coordination store has, for option checks and wrappers. */
export const COORDINATION_METHODS = ['add', 'get', 'set', 'replace', 'delete', 'deleteIfEqual', 'indexAdd', 'indexRemove', 'indexMembers'] as const

/** Options of {@link MemoryCoordinationStore}. */
export interface MemoryCoordinationStoreOptions {
  /** Most keys kept (values and indexes together); the oldest written is dropped first. Default 100000. */
  maxEntries?: number
  /** Most members of one index; the oldest is dropped first. Default 1000. */
  maxIndexMembers?: number
}

interface Value { value: string, expiresAt: number }
type Index = Map<string, number>

/**
 * A {@link CoordinationStore} in process memory, for one instance. Entries
 * expire and the number of entries is bounded, so a flood of sign-ins cannot
 * exhaust memory.
 */
export class MemoryCoordinationStore implements CoordinationStore {
  readonly #values = new Map<string, Value>()
  readonly #indexes = new Map<string, Index>()
  readonly #maxEntries: number
  readonly #maxIndexMembers: number

  constructor (options: MemoryCoordinationStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000
    this.#maxIndexMembers = options.maxIndexMembers ?? 1000
  }

  async add (key: string, value: string, ttl: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false
    this.#put(key, value, ttl)
    return true
  }

  async get (key: string): Promise<string | undefined> {
    return this.#live(key)?.value
  }

  async set (key: string, value: string, ttl: number): Promise<void> {
    this.#put(key, value, ttl)
  }

  async replace (key: string, value: string, ttl: number): Promise<boolean> {
    if (this.#live(key) === undefined) return false
    this.#put(key, value, ttl)
    return true
  }

  async delete (key: string): Promise<void> {
    this.#values.delete(key)
  }

  async deleteIfEqual (key: string, value: string): Promise<void> {
    if (this.#live(key)?.value === value) this.#values.delete(key)
  }

  async indexAdd (key: string, member: string, ttl: number): Promise<void> {
    const index = this.#indexes.get(key) ?? new Map<string, number>()
    this.#indexes.delete(key)
    this.#indexes.set(key, index)
    index.delete(member)
    index.set(member, Date.now() + ttl)
    const now = Date.now()
    for (const [m, expiresAt] of index) {
      if (index.size <= this.#maxIndexMembers && expiresAt > now) break
      index.delete(m)
    }
    this.#evict()
  }

  async indexRemove (key: string, member: string): Promise<void> {
    const index = this.#indexes.get(key)
    if (index === undefined) return
    index.delete(member)
    if (index.size === 0) this.#indexes.delete(key)
  }

  async indexMembers (key: string): Promise<string[]> {
    const index = this.#indexes.get(key)
    if (index === undefined) return []
    const now = Date.now()
    const members: string[] = []
    for (const [member, expiresAt] of index) {
      if (expiresAt > now) members.push(member)
      else index.delete(member)
    }
    if (index.size === 0) this.#indexes.delete(key)
    return members
  }

  #live (key: string): Value | undefined {
    const entry = this.#values.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= Date.now()) {
      this.#values.delete(key)
      return undefined
    }
    return entry
  }

  #put (key: string, value: string, ttl: number): void {
    // Delete first so the Map's order stays oldest-written first.
    this.#values.delete(key)
    this.#values.set(key, { value, expiresAt: Date.now() + ttl })
    this.#evict()
  }

  #evict (): void {
    while (this.#values.size + this.#indexes.size > this.#maxEntries) {
      const victim = this.#values.size >= this.#indexes.size ? this.#values : this.#indexes
      const oldest = victim.keys().next()
      if (oldest.done === true) break
      victim.delete(oldest.value)
    }
  }
}
