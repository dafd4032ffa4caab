import { OAuth2OptionError } from './errors.js'

/** How the client authenticates at the token endpoint. */
export type TokenAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'

/** Where a provider's endpoints come from. */
export type ProviderEndpoints =
  | { readonly kind: 'discovery', readonly issuer: string }
  | {
    readonly kind: 'static'
    readonly authorizationUrl: string
    readonly tokenUrl: string
    /** A plain OAuth2 provider's "who am I" API, used when there is no ID token. */
    readonly profileUrl?: string
  }

interface ConfigFields {
  readonly name: string
  readonly endpoints: ProviderEndpoints
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly redirectUri: string
  readonly scopes: readonly string[]
  readonly timeoutMs: number
  readonly keyRefreshIntervalMs: number
  readonly tokenAuthMethod: TokenAuthMethod
  readonly authorizationParams: Readonly<Record<string, string>>
}

const DEFAULT_TIMEOUT_MS = 10_000
// A token signed with a key the client has not seen (the provider rotated its
// keys) makes the client fetch the keys again, but at most this often, so
// forged key ids cannot turn the client into a request amplifier.
const DEFAULT_KEY_REFRESH_INTERVAL_MS = 5_000

// Parameters the login sets itself; letting configuration override them would
// switch off a protection (PKCE, state, nonce) or send the code elsewhere.
const RESERVED_PARAMS = new Set(['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method'])

const GOOGLE_ISSUER = 'https://accounts.google.com'

const GITHUB_AUTHORIZATION_URL = 'https://github.com/login/oauth/authorize'
const GITHUB_TOKEN_URL = 'https://github.com/login/oauth/access_token'
const GITHUB_PROFILE_URL = 'https://api.github.com/user'

const MICROSOFT_LOGIN_HOST = 'https://login.microsoftonline.com'
// Multi-tenant endpoints publish a templated issuer ("{tenantid}") that cannot
// be checked without per-tenant allow-listing, so they are refused for now.
const MICROSOFT_MULTI_TENANT = new Set(['common', 'organizations'])
// The personal-accounts tenant has one fixed id, so it can be verified.
const MICROSOFT_CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad'

const DISCORD_AUTHORIZATION_URL = 'https://discord.com/oauth2/authorize'
const DISCORD_TOKEN_URL = 'https://discord.com/api/oauth2/token'
const DISCORD_PROFILE_URL = 'https://discord.com/api/users/@me'

/**
 * Settings of one provider and one registered client. Immutable: every
 * builder method returns a new config.
 *
 * @example
 * const config = OAuth2Config.google(clientId, clientSecret, 'https://app.example/auth/callback')
 *   .scope('openid').scope('email').scope('profile')
 *   .timeout(5_000)
 */
export class OAuth2Config {
  readonly #fields: ConfigFields

  private constructor (fields: ConfigFields) {
    this.#fields = fields
  }

  /** Any OpenID Connect provider, through its discovery document. */
  static discover (issuer: string, clientId: string, clientSecret: string | undefined, redirectUri: string): OAuth2Config {
    return OAuth2Config.#create('oidc', { kind: 'discovery', issuer }, clientId, clientSecret, redirectUri, ['openid'])
  }

  /**
   * A plain OAuth2 provider with fixed endpoints and no ID token. Add
   * `.profileUrl()` so the callback can learn who signed in.
   */
  static custom (authorizationUrl: string, tokenUrl: string, clientId: string, clientSecret: string | undefined, redirectUri: string): OAuth2Config {
    return OAuth2Config.#create('oauth2', { kind: 'static', authorizationUrl, tokenUrl }, clientId, clientSecret, redirectUri, [])
  }

  /** Google (OpenID Connect, discovered). Default scopes: openid email profile. */
  static google (clientId: string, clientSecret: string, redirectUri: string): OAuth2Config {
    return OAuth2Config.#create('google', { kind: 'discovery', issuer: GOOGLE_ISSUER }, clientId, clientSecret, redirectUri, ['openid', 'email', 'profile'])
  }

  /** GitHub (plain OAuth2, no ID token; the user comes from its /user API). */
  static github (clientId: string, clientSecret: string, redirectUri: string): OAuth2Config {
    const endpoints = { kind: 'static', authorizationUrl: GITHUB_AUTHORIZATION_URL, tokenUrl: GITHUB_TOKEN_URL, profileUrl: GITHUB_PROFILE_URL } as const
    return OAuth2Config.#create('github', endpoints, clientId, clientSecret, redirectUri, ['read:user', 'user:email'])
  }

  /**
   * Microsoft identity platform v2 for one tenant: a tenant id, a verified
   * domain, or `consumers` for personal accounts.
   */
  static microsoft (clientId: string, clientSecret: string, redirectUri: string, options: { tenant: string }): OAuth2Config {
    const tenant = options?.tenant
    if (typeof tenant !== 'string' || !/^[A-Za-z0-9.-]{1,128}$/.test(tenant)) {
      throw new OAuth2OptionError('options.tenant must be a tenant id, a domain, or "consumers"')
    }
    if (MICROSOFT_MULTI_TENANT.has(tenant.toLowerCase())) {
      throw new OAuth2OptionError(`options.tenant "${tenant}" is multi-tenant; its ID tokens cannot be issuer-checked, so name one tenant`)
    }
    const tenantId = tenant.toLowerCase() === 'consumers' ? MICROSOFT_CONSUMERS_TENANT_ID : tenant
    const issuer = `${MICROSOFT_LOGIN_HOST}/${tenantId}/v2.0`
    return OAuth2Config.#create('microsoft', { kind: 'discovery', issuer }, clientId, clientSecret, redirectUri, ['openid', 'email', 'profile'])
  }

  /** Discord (plain OAuth2; the user comes from its /users/@me API). */
  static discord (clientId: string, clientSecret: string, redirectUri: string): OAuth2Config {
    const endpoints = { kind: 'static', authorizationUrl: DISCORD_AUTHORIZATION_URL, tokenUrl: DISCORD_TOKEN_URL, profileUrl: DISCORD_PROFILE_URL } as const
    return OAuth2Config.#create('discord', endpoints, clientId, clientSecret, redirectUri, ['identify', 'email'])
  }

  static #create (name: string, endpoints: ProviderEndpoints, clientId: string, clientSecret: string | undefined, redirectUri: string, scopes: string[]): OAuth2Config {
    return new OAuth2Config({
      name,
      endpoints,
      clientId,
      clientSecret,
      redirectUri,
      scopes,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      keyRefreshIntervalMs: DEFAULT_KEY_REFRESH_INTERVAL_MS,
      tokenAuthMethod: clientSecret === undefined || clientSecret === '' ? 'none' : 'client_secret_basic',
      authorizationParams: {}
    })
  }

  #with (changes: Partial<ConfigFields>): OAuth2Config {
    return new OAuth2Config({ ...this.#fields, ...changes })
  }

  /** Adds a scope (once; asking twice changes nothing). */
  scope (scope: string): OAuth2Config {
    if (this.#fields.scopes.includes(scope)) return this
    return this.#with({ scopes: [...this.#fields.scopes, scope] })
  }

  /** Timeout in milliseconds for every call to the provider (discovery, keys, token, userinfo). Default 10000. */
  timeout (ms: number): OAuth2Config {
    return this.#with({ timeoutMs: ms })
  }

  /**
   * Shortest time in milliseconds between two fetches of the provider's keys
   * caused by an ID token whose key id is not in the cached set. Default 5000.
   */
  keyRefreshInterval (ms: number): OAuth2Config {
    return this.#with({ keyRefreshIntervalMs: ms })
  }

  /** How the client authenticates at the token endpoint. Default `client_secret_basic` (or `none` without a secret). */
  tokenAuth (method: TokenAuthMethod): OAuth2Config {
    return this.#with({ tokenAuthMethod: method })
  }

  /** An extra authorization request parameter, such as `prompt` or `hd`. Protocol parameters cannot be overridden. */
  authorizationParam (name: string, value: string): OAuth2Config {
    if (RESERVED_PARAMS.has(name)) {
      throw new OAuth2OptionError(`authorization parameter "${name}" is set by the login itself`)
    }
    return this.#with({ authorizationParams: { ...this.#fields.authorizationParams, [name]: value } })
  }

  /** For a plain OAuth2 provider: the API that returns the signed-in user's profile. */
  profileUrl (url: string): OAuth2Config {
    const endpoints = this.#fields.endpoints
    if (endpoints.kind !== 'static') {
      throw new OAuth2OptionError('profileUrl applies to OAuth2Config.custom providers; OpenID providers publish userinfo')
    }
    return this.#with({ endpoints: { ...endpoints, profileUrl: url } })
  }

  /** The preset's name (`google`, `github`, `oidc`, ...), for logs. */
  get name (): string { return this.#fields.name }
  get endpoints (): ProviderEndpoints { return this.#fields.endpoints }
  get clientId (): string { return this.#fields.clientId }
  get clientSecret (): string | undefined { return this.#fields.clientSecret }
  get redirectUri (): string { return this.#fields.redirectUri }
  get scopes (): readonly string[] { return this.#fields.scopes }
  get timeoutMs (): number { return this.#fields.timeoutMs }
  get keyRefreshIntervalMs (): number { return this.#fields.keyRefreshIntervalMs }
  get tokenAuthMethod (): TokenAuthMethod { return this.#fields.tokenAuthMethod }
  get authorizationParams (): Readonly<Record<string, string>> { return this.#fields.authorizationParams }
  /** True when the login asks for an ID token (`openid` scope). */
  get isOpenId (): boolean { return this.#fields.scopes.includes('openid') }

  /**
   * Throws a coded `TypeError` naming the first invalid option. Called when
   * the plugin is registered, so a bad configuration fails `ready()`.
   */
  validate (): void {
    const f = this.#fields
    if (typeof f.clientId !== 'string' || f.clientId === '') {
      throw new OAuth2OptionError('options.config.clientId is required')
    }
    if (f.tokenAuthMethod !== 'none' && (typeof f.clientSecret !== 'string' || f.clientSecret === '')) {
      throw new OAuth2OptionError('options.config.clientSecret is required for token authentication ' + f.tokenAuthMethod)
    }
    checkUrl(f.redirectUri, 'options.config.redirectUri', { allowHttp: true })
    if (f.endpoints.kind === 'discovery') {
      checkUrl(f.endpoints.issuer, 'options.config.issuer', { allowHttp: false })
    } else {
      checkUrl(f.endpoints.authorizationUrl, 'options.config.authorizationUrl', { allowHttp: false })
      checkUrl(f.endpoints.tokenUrl, 'options.config.tokenUrl', { allowHttp: false })
      if (f.endpoints.profileUrl !== undefined) checkUrl(f.endpoints.profileUrl, 'options.config.profileUrl', { allowHttp: false })
      if (f.scopes.includes('openid')) {
        throw new OAuth2OptionError('options.config: the openid scope needs a discovered provider (OAuth2Config.discover) so the ID token can be verified')
      }
    }
    if (!Number.isSafeInteger(f.timeoutMs) || f.timeoutMs <= 0) {
      throw new OAuth2OptionError('options.config.timeout must be a positive number of milliseconds')
    }
    if (!Number.isSafeInteger(f.keyRefreshIntervalMs) || f.keyRefreshIntervalMs <= 0) {
      throw new OAuth2OptionError('options.config.keyRefreshInterval must be a positive number of milliseconds')
    }
    for (const scope of f.scopes) {
      if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
        throw new OAuth2OptionError(`options.config.scope "${scope}" is not a valid scope token`)
      }
    }
  }
}

/** True for hosts that never leave the machine, where plain http is tolerable. */
export function isLoopbackHost (hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname)
}

function checkUrl (value: unknown, path: string, { allowHttp }: { allowHttp: boolean }): URL {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new OAuth2OptionError(`${path} must be an absolute URL`)
  }
  const url = new URL(value)
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && (allowHttp || isLoopbackHost(url.hostname))) return url
  if (url.protocol === 'http:') {
    throw new OAuth2OptionError(`${path} must use https (plain http is allowed only on loopback hosts)`)
  }
  throw new OAuth2OptionError(`${path} must be an http(s) URL`)
}
