/**
 * Bounds many concurrent calls by one fixed timeout with a single timer.
 *
 * A timer per call (setTimeout, then clearTimeout when the call answers)
 * costs more than a fast store's answer. Since every call gets the same
 * timeout, calls expire in the order they started: one sweep every `tick`
 * ms times out those past their deadline, so a call expires between
 * `timeout` and `timeout + tick` ms after it started. The sweep stops when
 * nothing is pending.
 */
export class Deadlines {
  readonly #timeout: number
  readonly #now: () => number
  readonly #tick: number
  // Insertion order is deadline order: every entry has the same timeout.
  readonly #pending = new Map<number, { deadline: number, expire: () => void }>()
  #nextId = 0
  #sweeper: NodeJS.Timeout | undefined

  /** `now` is for tests; deadlines use the monotonic clock, which wall-clock corrections do not move. */
  constructor (timeout: number, now: () => number = () => performance.now()) {
    this.#timeout = timeout
    this.#now = now
    // Fine enough that the bound stays close to `timeout`, coarse enough to cost nothing.
    this.#tick = Math.min(100, Math.max(5, Math.ceil(timeout / 10)))
  }

  /**
   * Starts tracking a call; `expire` runs if it has not finished by its
   * deadline. Returns `finish`, which answers `true` when the call finished in
   * time and `false` when it had already expired.
   */
  start (expire: () => void): () => boolean {
    const id = this.#nextId++
    this.#pending.set(id, { deadline: this.#now() + this.#timeout, expire })
    if (this.#sweeper === undefined) {
      // Kept referenced, as a timer per call would be: a pending call keeps the process alive.
      this.#sweeper = setInterval(() => { this.#sweep() }, this.#tick)
    }
    return () => this.#pending.delete(id)
  }

  #sweep (): void {
    const now = this.#now()
    for (const [id, call] of this.#pending) {
      if (call.deadline > now) break
      this.#pending.delete(id)
      call.expire()
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#sweeper)
      this.#sweeper = undefined
    }
  }
}
