import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { session, type SessionPluginOptions } from './plugins/session/index.js'
import { oauth2, type OAuth2Config } from './plugins/oauth2/index.js'
import { authRoutes, type AuthRoutesSettings, type MapUserRequired, type MapUserRequirement } from './routes/auth/index.js'
import { tokens, type TokensPluginOptions } from './plugins/tokens/index.js'

/** The fields of the all-in-one plugin's options; see {@link FastifyOidcLoginOptions}. */
export interface FastifyOidcLoginSettings {
  /** Session cookie and store settings. */
  session: SessionPluginOptions
  /** The provider and client, from a preset or `OAuth2Config.discover`. */
  provider: OAuth2Config
  /** Auth routes settings; `prefix` defaults to `/auth`. */
  routes?: AuthRoutesSettings & { prefix?: string }
  /** Token refresh and cross-instance coordination (refresh lock, logout indexes). */
  tokens?: TokensPluginOptions
}

/**
 * Added to the options type: `routes.mapUser` becomes required once
 * `SessionUser` has required fields of the application.
 */
export type RoutesRequirement = MapUserRequired extends true ? { routes: MapUserRequirement } : unknown

/**
 * Options of the all-in-one plugin. `routes.mapUser` is required once
 * `SessionUser` has required fields of the application, also for options
 * built ahead of `register` with this type.
 */
export type FastifyOidcLoginOptions = FastifyOidcLoginSettings & RoutesRequirement

/**
 * Sessions, the provider client and the auth routes in one registration.
 *
 * @example
 * await app.register(fastifyOidcLogin, {
 *   session: { secret: process.env.SESSION_SECRET! },
 *   provider: OAuth2Config.discover(issuer, clientId, clientSecret, 'https://app.example/auth/callback'),
 *   routes: { defaultReturnTo: '/dashboard' }
 * })
 */
async function oidcLoginPlugin (app: FastifyInstance, options: FastifyOidcLoginOptions): Promise<void> {
  const { prefix = '/auth', ...routeOptions } = options?.routes ?? {}
  await app.register(session, options?.session)
  await app.register(oauth2, { config: options?.provider })
  await app.register(tokens, options?.tokens ?? {})
  await app.register(authRoutes, { ...routeOptions, prefix })
  warnInsecureRedirect(app, options)
}

// Browsers drop a Secure cookie set over plain http, so with an http
// callback the session never sticks and every login ends in "no login in
// progress". Said once, at startup, instead of leaving it to be debugged.
function warnInsecureRedirect (app: FastifyInstance, options: FastifyOidcLoginSettings): void {
  const secure = options.session?.secure ?? true
  const redirectUri = options.provider.redirectUri
  if (secure && URL.canParse(redirectUri) && new URL(redirectUri).protocol === 'http:') {
    app.log.warn({ redirectUri }, 'fastify-oidc-login: the session cookie is Secure but the redirect URI is plain http; browsers will not send the cookie back to the callback, so logins fail. Serve the app over https, or set session.secure: false for local http work')
  }
}

/** The all-in-one plugin: `session` + `oauth2` + auth routes. */
export const fastifyOidcLogin = fp(oidcLoginPlugin, {
  name: 'fastify-oidc-login',
  fastify: '5.x'
})

export default fastifyOidcLogin
export { session, MemorySessionStore, RedisSessionStore, redisClientOptions, SessionOptionError, SessionStoreUnavailableError } from './plugins/session/index.js'
export {
  oauth2,
  OAuth2Config,
  OAuth2Client,
  OAuth2OptionError,
  StateMismatchError,
  ProviderDeniedError,
  TokenRejectedError,
  ProviderError,
  ProviderTimeoutError,
  LogoutTokenRejectedError
} from './plugins/oauth2/index.js'
export {
  authRoutes,
  safeReturnTo,
  InvalidRequestError,
  NoTransactionError,
  LoginExpiredError,
  UnauthenticatedError,
  RoutesOptionError
} from './routes/auth/index.js'
export {
  tokens,
  OidcSessions,
  MemoryCoordinationStore,
  RedisCoordinationStore,
  TokensOptionError,
  NoTokensError,
  SessionEndedError,
  RefreshBusyError
} from './plugins/tokens/index.js'
export type { SessionPluginOptions, SessionRedisOptions, MemorySessionStoreOptions, RedisSessionStoreOptions, OidcSessionStore, SessionTimes } from './plugins/session/index.js'
export type { AuthorizationRequest, ExchangeChecks, IdentityClaims, TokenSet, TokenAuthMethod, ProviderEndpoints, LogoutClaims } from './plugins/oauth2/index.js'
export type {
  TokensPluginOptions,
  RequestTokens,
  CoordinationStore,
  MemoryCoordinationStoreOptions,
  RedisCaller,
  RedisCoordinationStoreOptions,
  SessionRecord,
  SignIn
} from './plugins/tokens/index.js'
export type { AuthRoutesOptions, AuthRoutesSettings, SessionUser, StoredTokens, MapUser, LoginTransaction } from './routes/auth/index.js'
export type { AuthMeResponse, MapUserRequired, MapUserRequirement } from './routes/auth/index.js'
