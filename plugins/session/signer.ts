import { Signer, type UnsignResult } from '@fastify/cookie'

// Verified values waiting for their re-signing; far more than the requests
// one process has between reading a cookie and loading its session.
const MAX_REMEMBERED = 1000

/**
 * Signs the session cookie, like @fastify/cookie's `Signer`, remembering for
 * a moment what it has just verified.
 *
 * On every request with a session, @fastify/session verifies the cookie's
 * signature (an HMAC), loads the session from the store, then signs the same
 * id again to rebuild the cookie value (a second HMAC) whenever the store
 * returns plain data, as every shared store does. Signing is deterministic:
 * a value verified with the current key has exactly the signature it came
 * with, so that one is returned instead of computed again. A value verified
 * with an older key (rotation) is signed afresh with the current one.
 */
export class SessionCookieSigner {
  readonly #signer: Signer
  readonly #verified = new Map<string, string>()

  constructor (secrets: string[]) {
    this.#signer = new Signer(secrets, 'sha256')
  }

  sign (value: string): string {
    const signed = this.#verified.get(value)
    if (signed === undefined) return this.#signer.sign(value)
    this.#verified.delete(value)
    return signed
  }

  unsign (signedValue: string): UnsignResult {
    const result = this.#signer.unsign(signedValue)
    if (result.valid && !result.renew) {
      if (this.#verified.size >= MAX_REMEMBERED) this.#verified.clear()
      this.#verified.set(result.value, signedValue)
    }
    return result
  }
}
