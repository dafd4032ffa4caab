import type { FastifyInstance, FastifyRequest } from 'fastify'
import type {} from '@fastify/session'
import type {} from '../session/index.js'
import fp from 'fastify-plugin'
import type { IdentityClaims } from '../oauth2/index.js'
import { resolveTokensOptions, type TokensPluginOptions } from './options.js'
import { OidcSessions } from './sessions.js'
import { NoTokensError, SessionEndedError, TokensOptionError } from './errors.js'

/** The signed-in user's provider tokens, for one request. */
export interface RequestTokens {
  /**
   * A valid access token for the signed-in user, refreshed first when it
   * expires within `refreshSkew`. When the provider refuses the refresh the
   * session is destroyed and this throws `FST_OIDC_SESSION_ENDED` (401).
   */
  accessToken (): Promise<string>
  /** The provider's userinfo for the signed-in user, checked to be about that user. */
  userinfo (): Promise<IdentityClaims>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Signed-in sessions after the callback: logout everywhere, back-channel logout, records. */
    readonly oidc: OidcSessions
  }
  interface FastifyRequest {
    /** The signed-in user's provider tokens (needs `storeTokens`). */
    readonly oidc: RequestTokens
  }
}

/**
 * Token lifecycle and logout of signed-in users: `request.oidc.accessToken()`
 * (refreshed with single flight across instances), `request.oidc.userinfo()`,
 * `app.oidc.logoutEverywhere(sub)` and back-channel logout. Needs the
 * `session` and `oauth2` plugins registered first; the all-in-one plugin
 * registers it.
 *
 * @example
 * app.get('/api/orders', async (request) => {
 *   const accessToken = await request.oidc.accessToken()
 *   return fetch('https://api.example/orders', { headers: { authorization: `Bearer ${accessToken}` } })
 * })
 */
async function tokensPlugin (app: FastifyInstance, options: TokensPluginOptions): Promise<void> {
  if (!app.hasDecorator('sessionStore')) {
    throw new TokensOptionError('the tokens plugin needs the session plugin registered first')
  }
  if (!app.hasDecorator('oauth2')) {
    throw new TokensOptionError('the tokens plugin needs the oauth2 plugin registered first')
  }
  const opts = resolveTokensOptions(options, app.oauth2.config.timeoutMs, app.hasDecorator('sessionRedis') ? app.sessionRedis : undefined)
  const sessions = new OidcSessions({ client: app.oauth2, sessionStore: app.sessionStore, log: app.log, options: opts })
  app.decorate('oidc', { getter: () => sessions })
  app.decorateRequest('oidc', {
    getter (this: FastifyRequest): RequestTokens {
      return requestTokens(sessions, this)
    }
  })
}

function requestTokens (sessions: OidcSessions, request: FastifyRequest): RequestTokens {
  const sessionId = (): string => {
    const session = request.session
    if (session === null || session === undefined || session.get('user') === undefined) throw new NoTokensError()
    return session.sessionId
  }
  // The session was destroyed in the store; drop this request's copy too, so
  // it is not saved back and the browser's cookie is cleared.
  const ending = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (err) {
      if (err instanceof SessionEndedError && request.session !== null) await request.session.destroy()
      throw err
    }
  }
  return {
    accessToken: async () => await ending(async () => await sessions.accessToken(sessionId())),
    userinfo: async () => await ending(async () => await sessions.userinfo(sessionId()))
  }
}

/** The tokens plugin; register once per application, after `session` and `oauth2`. */
export const tokens = fp(tokensPlugin, {
  name: 'fastify-oidc-login/tokens',
  fastify: '5.x',
  dependencies: ['fastify-oidc-login/session', 'fastify-oidc-login/oauth2']
})

export default tokens
export { OidcSessions } from './sessions.js'
export { MemoryCoordinationStore } from './coordination.js'
export { RedisCoordinationStore } from './redis-coordination.js'
export { TokensOptionError, NoTokensError, SessionEndedError, RefreshBusyError } from './errors.js'
export type { TokensPluginOptions } from './options.js'
export type { CoordinationStore, MemoryCoordinationStoreOptions } from './coordination.js'
export type { RedisCaller, RedisCoordinationStoreOptions } from './redis-coordination.js'
export type { SessionRecord, StoredTokens } from './records.js'
export type { SignIn } from './sessions.js'
