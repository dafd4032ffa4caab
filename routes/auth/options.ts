import type { IdentityClaims, TokenSet } from '../../plugins/oauth2/index.js'
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

/** Tokens kept server-side when `storeTokens` is on; never sent to the browser. */
export interface StoredTokens {
  accessToken: string
  tokenType: string
  expiresAt?: number
  refreshToken?: string
  idToken?: string
  scope?: string
}

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

/** Options of the auth routes plugin. Durations in milliseconds. */
export interface AuthRoutesOptions {
  /** Turns verified claims into the stored user. Default `{ sub, email, name, issuer }`. */
  mapUser?: MapUser
  /** Where to go after signing in when no valid `returnTo` was given. Default `/`. */
  defaultReturnTo?: string
  /** How long a started login may take before its callback is refused. Default 10 minutes. */
  loginTimeout?: number
  /** Keep access, refresh and ID tokens in the server-side session. Default `false`. */
  storeTokens?: boolean
  /** Send browsers here (with `?error=CODE`) when a callback fails, instead of a JSON error. */
  errorRedirect?: string
  /** Where a browser goes after logging out. Default `/`. */
  logoutRedirect?: string
}

/** Options after defaults and checks. */
export interface ResolvedRoutesOptions {
  mapUser: MapUser
  defaultReturnTo: string
  loginTimeout: number
  storeTokens: boolean
  errorRedirect: string | undefined
  logoutRedirect: string
}

/** The default `mapUser`: the standard claims, nothing else. */
export function defaultMapUser (claims: IdentityClaims, fallbackIssuer: string): SessionUser {
  const user: SessionUser = { sub: claims.sub, issuer: typeof claims.iss === 'string' ? claims.iss : fallbackIssuer }
  if (typeof claims.email === 'string') user.email = claims.email
  if (typeof claims.name === 'string') user.name = claims.name
  return user
}

/** Applies defaults and rejects invalid options with a coded error naming the option. */
export function resolveRoutesOptions (options: AuthRoutesOptions, fallbackIssuer: string): ResolvedRoutesOptions {
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
    logoutRedirect: samePath(opts.logoutRedirect, 'options.logoutRedirect')
  }
}
