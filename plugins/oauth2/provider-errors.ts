import * as oidc from 'openid-client'
import {
  ProviderDeniedError,
  ProviderError,
  ProviderTimeoutError,
  StateMismatchError,
  TokenRejectedError
} from './errors.js'

// openid-client codes that mean "the provider answered something that is not
// a protocol response": a provider fault, not a rejected login.
const MALFORMED_RESPONSE_CODES = new Set(['OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_PARSE_ERROR', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_INVALID_SERVER_METADATA', 'OAUTH_MISSING_SERVER_METADATA'])
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'])

type Coded = Error & { code: string, statusCode: number }

const OAUTH_ERROR_CODE = /^[a-z_]{1,64}$/

/** The provider's OAuth error code (`invalid_grant`, ...) behind a coded error, when it answered one. */
export function oauthErrorOf (err: unknown): string | undefined {
  const value = (err as { oauthError?: unknown } | null)?.oauthError
  return typeof value === 'string' ? value : undefined
}

/**
 * Turns whatever the protocol layer threw into one of our coded errors.
 *
 * The original error is not kept as `cause`: openid-client attaches the
 * provider's response body and the token claims to its errors, and an error's
 * cause ends up in logs. The replacement cause keeps only the kind of failure.
 */
export function toProviderError (err: unknown): Coded {
  if (isOurs(err)) return err
  const cause = new Error(describe(err))
  if (chain(err).some((e) => e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return new ProviderTimeoutError({ cause })
  }
  if (err instanceof oidc.AuthorizationResponseError) return new ProviderDeniedError({ cause })
  if (err instanceof oidc.ResponseBodyError) {
    const coded = err.status >= 500 ? new ProviderError({ cause }) : new TokenRejectedError({ cause })
    // The registered OAuth error code lets callers tell a refused grant
    // (invalid_grant) from a fault of configuration or load (invalid_client, slow_down).
    if (typeof err.error === 'string' && OAUTH_ERROR_CODE.test(err.error)) Object.assign(coded, { oauthError: err.error })
    return coded
  }
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    // A 401 with a challenge (client_secret_basic gets invalid_client this
    // way, RFC 6749 section 5.2) carries its OAuth error code in the challenge.
    const coded = new TokenRejectedError({ cause })
    const code = err.cause.map((challenge) => challenge.parameters.error).find((e) => typeof e === 'string')
    if (code !== undefined && OAUTH_ERROR_CODE.test(code)) Object.assign(coded, { oauthError: code })
    return coded
  }
  const codes = chain(err).map((e) => (e as { code?: unknown }).code).filter((c): c is string => typeof c === 'string')
  if (codes.some((c) => MALFORMED_RESPONSE_CODES.has(c) || NETWORK_ERROR_CODES.has(c))) return new ProviderError({ cause })
  if (err instanceof TypeError && err.message === 'fetch failed') return new ProviderError({ cause })
  if (err instanceof SyntaxError) return new ProviderError({ cause })
  return new TokenRejectedError({ cause })
}

function isOurs (err: unknown): err is Coded {
  return err instanceof ProviderDeniedError || err instanceof ProviderError || err instanceof ProviderTimeoutError ||
    err instanceof StateMismatchError || err instanceof TokenRejectedError
}

function chain (err: unknown): Error[] {
  const out: Error[] = []
  let current: unknown = err
  while (current instanceof Error && out.length < 8) {
    out.push(current)
    current = current.cause
  }
  return out
}

function describe (err: unknown): string {
  if (!(err instanceof Error)) return 'unknown failure'
  const code = (err as { code?: unknown }).code
  const oauthError = err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError ? err.error : undefined
  // openid-client's own messages are fixed texts; anything else (a JSON
  // parse error quotes the body it choked on) is named, not quoted.
  const parts = [err instanceof oidc.ClientError || err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError ? err.message : err.name]
  if (typeof code === 'string') parts.push(`code=${code}`)
  // The OAuth error code is a registered token (invalid_grant, access_denied);
  // anything else the provider wrote stays out of the message.
  if (typeof oauthError === 'string' && OAUTH_ERROR_CODE.test(oauthError)) parts.push(`error=${oauthError}`)
  return parts.join(' ')
}
