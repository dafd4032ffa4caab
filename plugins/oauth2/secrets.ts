import * as crypto from 'node:crypto'

// 32 random bytes each (43 base64url characters): 256 bits, as RFC 7636
// recommends for the verifier and as openid-client draws for state and nonce.
const SECRET_BYTES = 32
const LOGIN_BYTES = 3 * SECRET_BYTES
// Random bytes drawn ahead for this many logins. A draw from the CSPRNG costs
// about as much for 12 KB as for 96 bytes, and one draw per login was the
// largest single cost of a redirect. Node's own crypto.randomUUID() keeps such
// a buffer for the same reason. Every byte is handed out once.
const LOGINS_PER_DRAW = 128

const pool = Buffer.allocUnsafeSlow(LOGIN_BYTES * LOGINS_PER_DRAW)
let next = pool.length

/** Fresh state, PKCE verifier and nonce for one login, 256 bits each. */
export function loginSecrets (): { pkceVerifier: string, csrfState: string, nonce: string } {
  if (next + LOGIN_BYTES > pool.length) {
    crypto.randomFillSync(pool)
    next = 0
  }
  const at = next
  next += LOGIN_BYTES
  return {
    pkceVerifier: pool.toString('base64url', at, at + SECRET_BYTES),
    csrfState: pool.toString('base64url', at + SECRET_BYTES, at + 2 * SECRET_BYTES),
    nonce: pool.toString('base64url', at + 2 * SECRET_BYTES, at + LOGIN_BYTES)
  }
}

// crypto.hash (Node 20.12 and later) hashes a short string without building
// a Hash object, several times faster than createHash for 43 bytes.
const oneShotHash = typeof crypto.hash === 'function' ? crypto.hash : undefined

/** SHA-256 of `data` as base64url. */
export function sha256 (data: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', data, 'base64url')
    : crypto.createHash('sha256').update(data).digest('base64url')
}

/**
 * The S256 code challenge of RFC 7636 (BASE64URL(SHA-256(verifier))),
 * computed synchronously: WebCrypto's digest, which openid-client uses, runs
 * on the thread pool and costs several times more for 43 bytes.
 */
export function pkceChallenge (verifier: string): string {
  return sha256(verifier)
}

/**
 * Whether a received `state` equals the one stored at login, compared in
 * constant time; an empty or missing state never matches.
 */
export function sameState (expected: string, received: string | undefined): boolean {
  if (typeof expected !== 'string' || expected === '' || typeof received !== 'string') return false
  // Hashing first gives equal-length inputs, as timingSafeEqual requires,
  // without leaking the expected length.
  return crypto.timingSafeEqual(Buffer.from(sha256(expected)), Buffer.from(sha256(received)))
}
