import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { OAuth2Config } from './config.js'
import { OAuth2Client } from './client.js'
import { OAuth2OptionError } from './errors.js'

/** Options of the oauth2 plugin. */
export interface OAuth2PluginOptions {
  /** The provider and client settings, from a preset or `OAuth2Config.discover`. */
  config: OAuth2Config
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The OAuth2 / OpenID Connect client of the configured provider. */
    readonly oauth2: OAuth2Client
  }
  interface FastifyRequest {
    /** The OAuth2 / OpenID Connect client of the configured provider. */
    readonly oauth2: OAuth2Client
  }
}

/**
 * Decorates the app and every request with an {@link OAuth2Client} for one
 * provider. Options are checked at registration; discovery runs once when
 * the app is ready (a provider that is down then only delays the first login).
 *
 * @example
 * await app.register(oauth2, {
 *   config: OAuth2Config.discover('https://issuer.example', clientId, clientSecret, redirectUri)
 * })
 * const { url } = await app.oauth2.authorizationUrl()
 */
async function oauth2Plugin (app: FastifyInstance, options: OAuth2PluginOptions): Promise<void> {
  if (!(options?.config instanceof OAuth2Config)) {
    throw new OAuth2OptionError('options.config must be an OAuth2Config (use a preset, discover or custom)')
  }
  const client = new OAuth2Client(options.config)
  app.decorate('oauth2', { getter: () => client })
  app.decorateRequest('oauth2', { getter: () => client })
  app.addHook('onReady', async () => {
    try {
      await client.warmUp()
    } catch (err) {
      app.log.warn({ err }, 'fastify-oidc-login: provider discovery failed; it is retried at the next login')
    }
  })
}

/** The oauth2 plugin; register once per application. */
export const oauth2 = fp(oauth2Plugin, {
  name: 'fastify-oidc-login/oauth2',
  fastify: '5.x'
})

export default oauth2
export { OAuth2Config, isLoopbackHost } from './config.js'
export { OAuth2Client } from './client.js'
export { oauthErrorOf } from './provider-errors.js'
export {
  OAuth2OptionError,
  StateMismatchError,
  ProviderDeniedError,
  TokenRejectedError,
  ProviderError,
  ProviderTimeoutError,
  LogoutTokenRejectedError
} from './errors.js'
export type { TokenAuthMethod, ProviderEndpoints } from './config.js'
export type { AuthorizationRequest, ExchangeChecks, IdentityClaims, TokenSet } from './client.js'
export type { LogoutClaims } from './logout-token.js'
