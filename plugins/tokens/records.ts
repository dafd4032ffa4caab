import { createHash } from 'node:crypto'

/** Provider tokens kept server-side when `storeTokens` is on; never sent to the browser or logged. */
export interface StoredTokens {
  accessToken: string
  tokenType: string
  /** Epoch milliseconds at which the access token expires, when the provider said. */
  expiresAt?: number
  refreshToken?: string
  scope?: string
}

/**
 * What the server keeps about one signed-in session beside the session
 * itself: who signed in at which provider session, and the tokens.
 *
 * It lives in the coordination store under the session id, not in the
 * session object: a request holding a session loaded before a refresh could
 * otherwise save the rotated-away refresh token back over the new one.
 */
export interface SessionRecord {
  /** The provider's subject. */
  sub: string
  /** The issuer that signed the ID token (or the provider's origin for plain OAuth2). */
  iss: string
  /** The provider's session id (`sid` claim), for back-channel logout. */
  sid?: string
  /** The ID token, kept for RP-initiated logout (`id_token_hint`) or with `storeTokens`. */
  idToken?: string
  tokens?: StoredTokens
  /** Epoch milliseconds at which the session (and this record) ends. */
  expiresAt: number
}

/** Key of the record of one of our sessions. */
export const recordKey = (sessionId: string): string => `session:${sessionId}`
/** Key of the refresh lock of one of our sessions. */
export const lockKey = (sessionId: string): string => `lock:${sessionId}`
/** Key of the index from a provider session id to our session ids. */
export const sidKey = (sid: string): string => `sid:${digest(sid)}`
/** Key of the index from a provider subject to our session ids. */
export const subKey = (sub: string): string => `sub:${digest(sub)}`
/** Key of the replay marker of one logout token. */
export const jtiKey = (iss: string, jti: string): string => `jti:${digest(`${iss}\n${jti}`)}`

// Provider values are hashed into keys so any value makes a short, safe key.
function digest (value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** Parses a stored record; anything unreadable counts as no record. */
export function parseRecord (json: string | undefined): SessionRecord | undefined {
  if (json === undefined) return undefined
  try {
    const record = JSON.parse(json) as SessionRecord
    return typeof record?.sub === 'string' && typeof record.iss === 'string' ? record : undefined
  } catch {
    return undefined
  }
}
