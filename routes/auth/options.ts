import type { IdentityClaims, TokenSet } from '../../plugins/oauth2/index.js'
import type { StoredTokens } from '../../plugins/tokens/index.js'
import { RoutesOptionError } from './errors.js'
import { safeReturnTo } from './return-to.js'

/**
 * The user kept in the session and returned by `/auth/me`. Add fields by
 * augmenting this interface and returning them from `mapUser`.
 *
 * @example
 * declare module 'fastify-oidc-login' {
 *   interface SessionUser { roles: string[] }
 * }
 */
export interface SessionUser {
  sub: string
  issuer: string
  email?: string
  name?: string
}

export type { StoredTokens }

/** Builds the session user from the verified claims. */
export type MapUser = (claims: IdentityClaims, tokens: TokenSet) => SessionUser | Promise<SessionUser>

/** The body of `GET /auth/me`: the session user exactly as `mapUser` built it. */
export type AuthMeResponse = SessionUser

// The fields the default mapUser fills from standard claims.
type DefaultUserKeys = 'sub' | 'issuer' | 'email' | 'name'
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T]

/**
 * `true` once `SessionUser` has been augmented with a required field that the
 * default `mapUser` cannot fill.
 */
export type MapUserRequired = [Exclude<RequiredKeys<SessionUser>, DefaultUserKeys>] extends [never] ? false : true

/**
 * Added to the routes' options type: `mapUser` becomes required once
 * `SessionUser` has required fields of the application, so a user type that
 * promises `roles` cannot be stored without them.
 */
export type MapUserRequirement = MapUserRequired extends true ? { mapUser: MapUser } : unknown

/**
 * Options of the auth routes plugin. `mapUser` is required once `SessionUser`
 * has required fields of the application, also for options built ahead of
 * `register` with this type.
 */
export type AuthRoutesOptions = AuthRoutesSettings & MapUserRequirement

/** The fields of the auth routes' options (durations in milliseconds); see {@link AuthRoutesOptions}. */
export interface AuthRoutesSettings {
  /** Turns verified claims into the stored user. Default `{ sub, email, name, issuer }`. */
  mapUser?: MapUser
  /** Where to go after signing in when no valid `returnTo` was given. Default `/`. */
  defaultReturnTo?: string
  /** How long a started login may take before its callback is refused. Default 10 minutes. */
  loginTimeout?: number
  /**
   * Keep access, refresh and ID tokens server-side with the session, for
   * `request.oidc.accessToken()` and `request.oidc.userinfo()`. Default `false`.
   */
  storeTokens?: boolean
  /** Send browsers here (with `?error=CODE`) when a callback fails, instead of a JSON error. */
  errorRedirect?: string
  /** Where a browser goes after logging out. Default `/`. */
  logoutRedirect?: string
  /**
   * RP-initiated logout: `POST /auth/logout` also redirects (303) to the
   * provider's `end_session_endpoint` with `id_token_hint`, so the provider
   * session ends too. Keeps the ID token server-side. Default `false`.
   */
  providerLogout?: boolean
  /** The absolute `post_logout_redirect_uri` registered at the provider, sent with `providerLogout`. */
  postLogoutRedirectUri?: string
  /** Revoke the refresh (or access) token at the provider at logout, when it supports revocation. Default `false`. */
  revokeTokensOnLogout?: boolean
  /** Serve `POST /auth/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0). Default `false`. */
  backchannelLogout?: boolean
}

/** Options after defaults and checks. */
export interface ResolvedRoutesOptions {
  mapUser: MapUser
  defaultReturnTo: string
  loginTimeout: number
  storeTokens: boolean
  errorRedirect: string | undefined
  logoutRedirect: string
  providerLogout: boolean
  postLogoutRedirectUri: string | undefined
  revokeTokensOnLogout: boolean
  backchannelLogout: boolean
}

/** The default `mapUser`: the standard claims, nothing else. */
export function defaultMapUser (claims: IdentityClaims, fallbackIssuer: string): SessionUser {
  const user: SessionUser = { sub: claims.sub, issuer: typeof claims.iss === 'string' ? claims.iss : fallbackIssuer }
  if (typeof claims.email === 'string') user.email = claims.email
  if (typeof claims.name === 'string') user.name = claims.name
  return user
}

/** Applies defaults and rejects invalid options with a coded error naming the option. */
export function resolveRoutesOptions (options: AuthRoutesSettings, fallbackIssuer: string): ResolvedRoutesOptions {
  const opts = options ?? {}
  if (opts.mapUser !== undefined && typeof opts.mapUser !== 'function') {
    throw new RoutesOptionError('options.mapUser must be a function')
  }
  const samePath = (value: string | undefined, path: string): string => {
    if (value === undefined) return '/'
    if (safeReturnTo(value, '') !== value) throw new RoutesOptionError(`${path} must be a same-origin path such as /dashboard`)
    return value
  }
  const loginTimeout = opts.loginTimeout ?? 10 * 60 * 1000
  if (!Number.isSafeInteger(loginTimeout) || loginTimeout <= 0) {
    throw new RoutesOptionError('options.loginTimeout must be a positive integer')
  }
  return {
    mapUser: opts.mapUser ?? ((claims) => defaultMapUser(claims, fallbackIssuer)),
    defaultReturnTo: samePath(opts.defaultReturnTo, 'options.defaultReturnTo'),
    loginTimeout,
    storeTokens: opts.storeTokens === true,
    errorRedirect: opts.errorRedirect === undefined ? undefined : samePath(opts.errorRedirect, 'options.errorRedirect'),
    logoutRedirect: samePath(opts.logoutRedirect, 'options.logoutRedirect'),
    providerLogout: flag(opts.providerLogout, 'options.providerLogout'),
    postLogoutRedirectUri: absoluteUrl(opts.postLogoutRedirectUri, 'options.postLogoutRedirectUri'),
    revokeTokensOnLogout: flag(opts.revokeTokensOnLogout, 'options.revokeTokensOnLogout'),
    backchannelLogout: flag(opts.backchannelLogout, 'options.backchannelLogout')
  }
}

function flag (value: unknown, path: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new RoutesOptionError(`${path} must be a boolean`)
  return value
}

function absoluteUrl (value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !URL.canParse(value) || !['https:', 'http:'].includes(new URL(value).protocol)) {
    throw new RoutesOptionError(`${path} must be an absolute http(s) URL registered at the provider`)
  }
  return value
}
