import * as oidc from 'openid-client'
import type { OAuth2Config } from './config.js'
import { isLoopbackHost } from './config.js'
import { LogoutTokenRejectedError, ProviderError, ProviderTimeoutError, StateMismatchError, TokenRejectedError } from './errors.js'
import { toProviderError } from './provider-errors.js'
import { IdTokenSignatureVerifier } from './id-token-signature.js'
import { verifyLogoutToken, type LogoutClaims } from './logout-token.js'
import { loginSecrets, pkceChallenge, sameState } from './secrets.js'

/** What a login redirect needs to remember until the callback. */
export interface AuthorizationRequest {
  /** Where to send the browser. */
  url: URL
  /** The CSRF `state` sent to the provider. */
  csrfState: string
  /** The PKCE code verifier (S256), sent only to the token endpoint. */
  pkceVerifier: string
  /** The ID token nonce; present when the `openid` scope is asked. */
  nonce: string | undefined
}

/** The checks bound to one login, kept server-side between redirect and callback. */
export interface ExchangeChecks {
  pkceVerifier: string
  nonce?: string | undefined
  csrfState: string
}

/** Verified claims of an ID token (or the normalized profile of a plain OAuth2 provider). */
export interface IdentityClaims {
  sub: string
  iss?: string
  email?: string
  name?: string
  [claim: string]: unknown
}

/** The result of a code exchange or refresh. `claims` come only from a verified ID token. */
export interface TokenSet {
  accessToken: string
  tokenType: string
  /** Epoch milliseconds at which the access token expires, when the provider said. */
  expiresAt: number | undefined
  refreshToken: string | undefined
  idToken: string | undefined
  scope: string | undefined
  claims: IdentityClaims | undefined
}

// A logout token is sent the moment the provider session ends; an old one is
// either delayed beyond use or replayed.
const LOGOUT_TOKEN_MAX_AGE = 300
const CLOCK_TOLERANCE = 60

type CallbackParams = URLSearchParams | Record<string, string | undefined>

// openid-client refuses an expired ID token but not one issued in the future;
// a provider clock this far ahead (or a forged iat) is refused.
const MAX_IAT_AHEAD_SECONDS = 60

/**
 * Runs the OAuth2 / OpenID Connect protocol for one provider and client, over
 * openid-client.
 *
 * Beyond openid-client's defaults it always uses PKCE S256, sends a nonce with
 * every OpenID login, verifies the ID token's signature against the
 * provider's published keys, applies a timeout to every provider call, and
 * fetches discovery and keys once, not per login.
 */
export class OAuth2Client {
  readonly #config: OAuth2Config
  #configuration: Promise<oidc.Configuration> | undefined
  #signatures: IdTokenSignatureVerifier | undefined

  constructor (config: OAuth2Config) {
    config.validate()
    this.#config = config
  }

  /** The provider settings this client was built from. */
  get config (): OAuth2Config {
    return this.#config
  }

  /** Fetches discovery (once) so the first login does not pay for it. */
  async warmUp (): Promise<void> {
    await this.#configurationOnce()
  }

  /**
   * Builds the authorization URL with fresh state, PKCE verifier and nonce.
   * `params` adds request parameters such as `login_hint`; it cannot replace
   * the protocol's own.
   */
  async authorizationUrl (params: Record<string, string> = {}): Promise<AuthorizationRequest> {
    const configuration = await this.#configurationOnce()
    const secrets = loginSecrets()
    const { pkceVerifier, csrfState } = secrets
    const nonce = this.#config.isOpenId ? secrets.nonce : undefined
    const request: Record<string, string> = {
      ...this.#config.authorizationParams,
      ...params,
      redirect_uri: this.#config.redirectUri,
      response_type: 'code',
      scope: this.#config.scopes.join(' '),
      state: csrfState,
      code_challenge: pkceChallenge(pkceVerifier),
      code_challenge_method: 'S256'
    }
    if (nonce !== undefined) request.nonce = nonce
    const url = oidc.buildAuthorizationUrl(configuration, request)
    return { url, csrfState, pkceVerifier, nonce }
  }

  /**
   * Compares the state stored at login with the one the provider returned,
   * in constant time. Throws `FST_OIDC_STATE_MISMATCH` when they differ.
   */
  validateState (expected: string, received: string | undefined): void {
    if (!sameState(expected, received)) throw new StateMismatchError()
  }

  /**
   * Exchanges the authorization code from the callback for tokens and
   * verifies the ID token: signature against the provider's keys, issuer,
   * audience, expiry, nonce. Provider failures become coded errors.
   */
  async exchangeCode (callbackParams: CallbackParams, checks: ExchangeChecks): Promise<TokenSet> {
    const configuration = await this.#configurationOnce()
    const currentUrl = new URL(this.#config.redirectUri)
    currentUrl.search = ''
    for (const [name, value] of entries(callbackParams)) {
      if (value !== undefined) currentUrl.searchParams.set(name, value)
    }
    try {
      const response = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: checks.pkceVerifier,
        expectedState: checks.csrfState,
        expectedNonce: checks.nonce,
        idTokenExpected: this.#config.isOpenId
      })
      await this.#verifyIdToken(response)
      return toTokenSet(response)
    } catch (err) {
      throw toProviderError(err)
    }
  }

  /** Uses a refresh token; the result carries the rotated refresh token when the provider rotates. */
  async refreshToken (refreshToken: string): Promise<TokenSet> {
    const configuration = await this.#configurationOnce()
    try {
      const response = await oidc.refreshTokenGrant(configuration, refreshToken)
      await this.#verifyIdToken(response)
      return toTokenSet(response)
    } catch (err) {
      throw toProviderError(err)
    }
  }

  /**
   * The provider's claims about the user. For OpenID providers the answer's
   * `sub` must equal `expectedSubject`. For plain OAuth2 providers this calls
   * the configured profile API and normalizes its id into `sub`.
   */
  async userinfo (accessToken: string, expectedSubject?: string): Promise<IdentityClaims> {
    const configuration = await this.#configurationOnce()
    const endpoints = this.#config.endpoints
    try {
      if (endpoints.kind === 'static') {
        if (endpoints.profileUrl === undefined) {
          throw new TypeError('this provider has no profile URL (OAuth2Config.profileUrl)')
        }
        const response = await oidc.fetchProtectedResource(configuration, accessToken, new URL(endpoints.profileUrl), 'GET')
        if (!response.ok) throw new oidc.ClientError(`profile endpoint answered HTTP ${response.status}`)
        const profile = normalizeProfile(await response.json())
        if (expectedSubject !== undefined && profile.sub !== expectedSubject) {
          throw new oidc.ClientError('profile subject differs from the expected subject')
        }
        return profile
      }
      const claims = await oidc.fetchUserInfo(configuration, accessToken, expectedSubject ?? oidc.skipSubjectCheck)
      return claims as IdentityClaims
    } catch (err) {
      throw toProviderError(err)
    }
  }

  /**
   * openid-client has checked the ID token's claims (issuer, audience,
   * authorized party, expiry, nonce) and that its `alg` is one the provider's
   * metadata lists; this adds the signature, against the provider's keys.
   */
  async #verifyIdToken (response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): Promise<void> {
    if (response.id_token === undefined) return
    if (this.#signatures === undefined) throw new TokenRejectedError({ cause: new Error('ID token from a provider without published keys') })
    await this.#signatures.verify(response.id_token)
    const iat = response.claims()?.iat
    if (typeof iat !== 'number' || iat > Date.now() / 1000 + MAX_IAT_AHEAD_SECONDS) {
      throw new TokenRejectedError({ cause: new Error('ID token "iat" is in the future') })
    }
  }

  /**
   * Validates a back-channel logout token (OpenID Connect Back-Channel
   * Logout 1.0) against the provider's published keys. Throws
   * `FST_OIDC_INVALID_LOGOUT_TOKEN` (400) when any check fails. Replay of its
   * `jti` is for the caller to refuse, until `replayUntil`.
   */
  async verifyLogoutToken (logoutToken: string): Promise<LogoutClaims> {
    const configuration = await this.#configurationOnce()
    const metadata = configuration.serverMetadata()
    if (this.#signatures === undefined) {
      throw new LogoutTokenRejectedError({ cause: new Error('this provider publishes no keys') })
    }
    // The same key cache as ID tokens: one fetch serves both, and an unknown
    // key id refetches at most once per keyRefreshInterval.
    return await verifyLogoutToken(logoutToken, {
      issuer: metadata.issuer,
      clientId: this.#config.clientId,
      keys: this.#signatures.keys,
      algorithms: [...this.#signatures.algorithms],
      maxAge: LOGOUT_TOKEN_MAX_AGE,
      clockTolerance: CLOCK_TOLERANCE
    })
  }

  /**
   * The provider's RP-initiated logout URL (`end_session_endpoint`) with
   * `id_token_hint` and `post_logout_redirect_uri`, or `undefined` when the
   * provider has none.
   */
  async endSessionUrl (idTokenHint: string | undefined, postLogoutRedirectUri: string | undefined): Promise<URL | undefined> {
    const configuration = await this.#configurationOnce()
    if (configuration.serverMetadata().end_session_endpoint === undefined) return undefined
    const params: Record<string, string> = { client_id: this.#config.clientId }
    if (idTokenHint !== undefined) params.id_token_hint = idTokenHint
    if (postLogoutRedirectUri !== undefined) params.post_logout_redirect_uri = postLogoutRedirectUri
    return oidc.buildEndSessionUrl(configuration, params)
  }

  /**
   * Revokes a token at the provider (RFC 7009). Resolves `false` when the
   * provider has no revocation endpoint.
   */
  async revokeToken (token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    const configuration = await this.#configurationOnce()
    if (configuration.serverMetadata().revocation_endpoint === undefined) return false
    try {
      await oidc.tokenRevocation(configuration, token, { token_type_hint: hint })
      return true
    } catch (err) {
      throw toProviderError(err)
    }
  }

  #configurationOnce (): Promise<oidc.Configuration> {
    if (this.#configuration === undefined) {
      this.#configuration = this.#buildConfiguration().catch((err: unknown) => {
        // Forget the failure so the next login retries instead of failing forever.
        this.#configuration = undefined
        // Whatever went wrong before any login (a discovery document naming
        // another issuer, no usable keys) is the provider's fault, not a
        // rejected login.
        const mapped = toProviderError(err)
        throw mapped instanceof ProviderError || mapped instanceof ProviderTimeoutError ? mapped : new ProviderError({ cause: mapped.cause })
      })
    }
    return this.#configuration
  }

  async #buildConfiguration (): Promise<oidc.Configuration> {
    const config = this.#config
    const auth = clientAuth(config)
    const timeoutSeconds = config.timeoutMs / 1000
    const endpoints = config.endpoints
    let configuration: oidc.Configuration
    if (endpoints.kind === 'discovery') {
      const issuer = new URL(endpoints.issuer)
      configuration = await oidc.discovery(issuer, config.clientId, undefined, auth, {
        timeout: timeoutSeconds,
        execute: issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname) ? [oidc.allowInsecureRequests] : []
      })
      if (config.isOpenId) {
        // openid-client trusts the TLS channel for code-flow ID tokens; we
        // verify the signature against the provider's keys ourselves, with a
        // key cache that refetches when the provider rotates its keys
        // (openid-client's waits a minute before it refetches).
        this.#signatures = new IdTokenSignatureVerifier(configuration.serverMetadata(), {
          timeoutMs: config.timeoutMs,
          refreshIntervalMs: config.keyRefreshIntervalMs
        })
      }
    } else {
      const metadata: oidc.ServerMetadata = {
        issuer: new URL(endpoints.authorizationUrl).origin,
        authorization_endpoint: endpoints.authorizationUrl,
        token_endpoint: endpoints.tokenUrl
      }
      configuration = new oidc.Configuration(metadata, config.clientId, undefined, auth)
      const loopbackOnly = [endpoints.authorizationUrl, endpoints.tokenUrl, endpoints.profileUrl]
        .filter((url): url is string => url !== undefined)
        .some((url) => new URL(url).protocol === 'http:')
      if (loopbackOnly) oidc.allowInsecureRequests(configuration)
    }
    configuration.timeout = timeoutSeconds
    return configuration
  }
}

function clientAuth (config: OAuth2Config): oidc.ClientAuth {
  switch (config.tokenAuthMethod) {
    case 'none': return oidc.None()
    case 'client_secret_post': return oidc.ClientSecretPost(config.clientSecret)
    default: return oidc.ClientSecretBasic(config.clientSecret)
  }
}

function entries (params: CallbackParams): Iterable<[string, string | undefined]> {
  return params instanceof URLSearchParams ? params.entries() : Object.entries(params)
}

function toTokenSet (response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): TokenSet {
  const expiresIn = response.expiresIn()
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt: expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000,
    refreshToken: response.refresh_token,
    idToken: response.id_token,
    scope: response.scope,
    claims: response.claims() as IdentityClaims | undefined
  }
}

/** Maps a plain OAuth2 profile (GitHub, Discord, ...) onto OpenID claim names. */
function normalizeProfile (profile: unknown): IdentityClaims {
  if (profile === null || typeof profile !== 'object') {
    throw new oidc.ClientError('profile endpoint did not answer a JSON object')
  }
  const p = profile as Record<string, unknown>
  const id = p.sub ?? p.id
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
    throw new oidc.ClientError('profile has no subject identifier')
  }
  const name = [p.name, p.global_name, p.login, p.username].find((v) => typeof v === 'string' && v !== '')
  const claims: IdentityClaims = { sub: String(id) }
  if (typeof name === 'string') claims.name = name
  if (typeof p.email === 'string') claims.email = p.email
  return claims
}
