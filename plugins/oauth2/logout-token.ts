import * as jose from 'jose'
import { LogoutTokenRejectedError } from './errors.js'

/** The checked claims of a back-channel logout token. */
export interface LogoutClaims {
  iss: string
  /** The provider's subject; present when `sid` is not. */
  sub: string | undefined
  /** The provider's session id; present when `sub` is not. */
  sid: string | undefined
  jti: string
  /** Epoch seconds. */
  iat: number
  /** Epoch seconds: how long a replay of this `jti` must be refused. */
  replayUntil: number
}

/** What a logout token is checked against. */
export interface LogoutTokenChecks {
  issuer: string
  clientId: string
  keys: jose.JWTVerifyGetKey
  /** Signing algorithms the provider may use; symmetric and `none` are never accepted. */
  algorithms: string[]
  /** Oldest `iat` accepted, in seconds. */
  maxAge: number
  /** Allowed clock difference, in seconds. */
  clockTolerance: number
}

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'
/**
 * Validates a logout token as OpenID Connect Back-Channel Logout 1.0
 * section 2.6 asks: signature with the provider's keys, `iss`, `aud`, `iat`
 * (not older than `maxAge`), `exp` when present, a `jti`, the back-channel
 * logout event, no `nonce`, and `sid` or `sub`.
 *
 * Failures become `FST_OIDC_INVALID_LOGOUT_TOKEN`; the cause names the
 * failed check, never the token's content.
 */
export async function verifyLogoutToken (token: string, checks: LogoutTokenChecks): Promise<LogoutClaims> {
  let payload: jose.JWTPayload
  let header: jose.JWTHeaderParameters
  try {
    ({ payload, protectedHeader: header } = await jose.jwtVerify(token, checks.keys, {
      issuer: checks.issuer,
      audience: checks.clientId,
      algorithms: checks.algorithms,
      requiredClaims: ['iat', 'jti'],
      maxTokenAge: checks.maxAge,
      clockTolerance: checks.clockTolerance
    }))
  } catch (err) {
    const code = (err as { code?: unknown }).code
    throw reject(typeof code === 'string' ? `jwt check failed: ${code}` : 'jwt check failed')
  }
  // An explicit type other than a logout token's means another kind of JWT
  // (an ID token, an access token) presented here.
  if (header.typ !== undefined && !['logout+jwt', 'application/logout+jwt', 'jwt'].includes(header.typ.toLowerCase())) {
    throw reject('unexpected typ')
  }
  const events = payload.events
  if (events === null || typeof events !== 'object' || Array.isArray(events)) throw reject('no events claim')
  const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw reject('no back-channel logout event')
  // A nonce marks an ID token; refusing it stops an ID token being replayed as a logout token.
  if (Object.hasOwn(payload, 'nonce')) throw reject('nonce present')
  const sub = nonEmpty(payload.sub)
  const sid = nonEmpty(payload.sid)
  if (sub === undefined && sid === undefined) throw reject('neither sid nor sub')
  if ((payload.sub !== undefined && sub === undefined) || (payload.sid !== undefined && sid === undefined)) {
    throw reject('malformed sid or sub')
  }
  const jti = nonEmpty(payload.jti)
  if (jti === undefined) throw reject('malformed jti')
  const iat = payload.iat as number
  const lifetimeEnd = iat + checks.maxAge + checks.clockTolerance
  return {
    iss: checks.issuer,
    sub,
    sid,
    jti,
    iat,
    replayUntil: typeof payload.exp === 'number' ? Math.max(payload.exp + checks.clockTolerance, lifetimeEnd) : lifetimeEnd
  }
}

function nonEmpty (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= 1024 ? value : undefined
}

function reject (why: string): Error {
  return new LogoutTokenRejectedError({ cause: new Error(why) })
}
