import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyError } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type {} from '@fastify/session'
import type {} from '../../plugins/oauth2/index.js'
import type {} from '../../plugins/session/index.js'
import type {} from '../../plugins/tokens/index.js'
import { CallbackQuery, EmptyResponse, ErrorResponse, LoginQuery, MAX_STATE_LENGTH, ProviderErrorResponse, ProviderTimeoutResponse, RedirectResponse, StoreUnavailableResponse, UserBody } from './schemas.js'
import { safeReturnTo } from './return-to.js'
import { rejectMalformedQuery } from './raw-query.js'
import { addTransaction, takeTransaction, clearTransactions, transactionKey, type LoginTransaction, type PendingLogins } from './transactions.js'
import { resolveRoutesOptions, type AuthMeResponse, type AuthRoutesOptions, type SessionUser } from './options.js'
import { signOut } from './logout.js'
import { backchannelLogoutRoute } from './backchannel.js'
import { InvalidRequestError, LoginExpiredError, NoTransactionError, RoutesOptionError, UnauthenticatedError } from './errors.js'
import { ProviderDeniedError, StateMismatchError } from '../../plugins/oauth2/index.js'

declare module 'fastify' {
  interface Session {
    /** The signed-in user, set by the login callback. */
    user?: SessionUser
    /** Logins started in this browser and not yet completed. */
    oidcLogins?: PendingLogins
  }
}

// Record lifetime when the session cookie carries no expiry.
const DEFAULT_RECORD_TTL = 8 * 60 * 60 * 1000

// What the routes that talk to the provider may answer besides their redirect.
const providerErrorResponses = {
  400: ErrorResponse('Malformed request (FST_OIDC_INVALID_REQUEST)'),
  502: ProviderErrorResponse,
  503: StoreUnavailableResponse,
  504: ProviderTimeoutResponse
}

/**
 * Login, callback, logout and "who am I" routes. Needs the `session` and
 * `oauth2` plugins registered first; register under a prefix (`/auth`).
 *
 * @example
 * await app.register(authRoutes, { prefix: '/auth', defaultReturnTo: '/dashboard' })
 */
export async function authRoutes (app: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  if (!app.hasRequestDecorator('session') || !app.hasDecorator('claimOnce')) {
    throw new RoutesOptionError('the auth routes need the session plugin registered first')
  }
  if (!app.hasDecorator('oauth2')) {
    throw new RoutesOptionError('the auth routes need the oauth2 plugin registered first')
  }
  const client = app.oauth2
  const endpoints = client.config.endpoints
  const issuer = endpoints.kind === 'discovery' ? endpoints.issuer : new URL(endpoints.authorizationUrl).origin
  const opts = resolveRoutesOptions(options, issuer)
  // Tokens, provider logout and back-channel logout live in the tokens plugin.
  const sessions = app.hasDecorator('oidc') ? app.oidc : undefined
  if (sessions === undefined && (opts.storeTokens || opts.providerLogout || opts.backchannelLogout || opts.revokeTokensOnLogout)) {
    throw new RoutesOptionError('options.storeTokens, providerLogout, revokeTokensOnLogout and backchannelLogout need the tokens plugin registered first')
  }
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  // Schema failures become one coded 400 that names the parameter, never a
  // dump of the schema or of the value that was sent.
  app.setSchemaErrorFormatter((errors, dataVar) => {
    const first = errors[0]
    const where = first === undefined ? dataVar : `${dataVar}${first.instancePath.replaceAll('/', '.')}`
    return new InvalidRequestError(`${where} ${first?.message ?? 'is invalid'}`)
  })

  routes.get('/login', {
    schema: {
      summary: 'Start a login: redirect to the provider',
      tags: ['auth'],
      querystring: LoginQuery,
      response: { 302: RedirectResponse('Redirect to the provider'), ...providerErrorResponses }
    }
  }, async (request, reply) => {
    const returnTo = safeReturnTo(request.query.returnTo, opts.defaultReturnTo)
    const auth = await client.authorizationUrl()
    // One literal with every field present (nonce may be undefined): adding
    // the nonce by spreading a first literal cost about 6% of a redirect,
    // measured over HTTP.
    const tx: LoginTransaction = { state: auth.csrfState, pkceVerifier: auth.pkceVerifier, nonce: auth.nonce, returnTo, createdAt: Date.now() }
    addTransaction(request.session, tx, opts.loginTimeout)
    // Saved before redirecting: the browser must never reach the provider
    // with a transaction this server could not keep.
    await request.session.save()
    return reply.header('cache-control', 'no-store').redirect(auth.url.href, 302)
  })

  routes.get('/callback', {
    schema: {
      summary: 'The provider redirects here after the user signed in',
      tags: ['auth'],
      querystring: CallbackQuery,
      response: {
        302: RedirectResponse('Signed in; redirect to returnTo'),
        303: RedirectResponse('Sign-in failed; browser sent to errorRedirect with ?error=CODE (when configured)'),
        ...providerErrorResponses,
        401: ErrorResponse('Sign-in refused: no or mismatched login, expired, denied, or token rejected (FST_OIDC_*)')
      }
    },
    // Fastify logs the request URL; here its query holds the authorization code.
    logSerializers: { req: redactedRequest },
    onRequest: rejectMalformedQuery,
    onSend: noStoreNoReferrer,
    preValidation: providerErrorResponse,
    errorHandler: callbackErrorHandler
  }, async (request, reply) => {
    const { code, state, iss } = request.query
    const session = request.session
    const { tx, hadPending } = takeTransaction(session, state)
    if (tx === undefined) {
      // A callback that matches nothing writes nothing: a cookieless request
      // must not cost a store write (or evict anyone from a bounded store).
      if (hadPending) {
        clearTransactions(session)
        await session.save()
      }
      throw hadPending ? new StateMismatchError() : new NoTransactionError()
    }
    // Claimed in the session store before the provider is called: of identical
    // callbacks racing (on one instance or several), exactly one gets through.
    // The copy in this session is dropped when the session is written at the end.
    if (!await app.claimOnce(`login:${transactionKey(tx.state)}`, opts.loginTimeout)) throw new NoTransactionError()
    if (Date.now() - tx.createdAt > opts.loginTimeout) throw new LoginExpiredError()

    const tokens = await client.exchangeCode({ code, state, iss }, { pkceVerifier: tx.pkceVerifier, nonce: tx.nonce, csrfState: tx.state })
    const claims = tokens.claims ?? await client.userinfo(tokens.accessToken)
    const user = await opts.mapUser(claims, tokens)

    // A new session id at sign-in: whoever knew the pre-login id (session
    // fixation) holds a dead id now.
    await session.regenerate()
    if (sessions !== undefined) {
      // Recorded before the user is set: a session that back-channel logout
      // and "log out everywhere" cannot find must never be signed in.
      const expires = request.session.cookie.expires
      try {
        await sessions.recordSignIn(request.session.sessionId, {
          claims, issuer, tokens, storeTokens: opts.storeTokens, keepIdToken: opts.providerLogout,
          expiresAt: expires instanceof Date ? expires.getTime() : Date.now() + DEFAULT_RECORD_TTL
        })
      } catch (err) {
        await request.session.destroy().catch(() => {})
        throw err
      }
    }
    request.session.set('user', user)
    return reply.redirect(tx.returnTo, 302)
  })

  // A plain HTML form posts logout as urlencoded; the body carries nothing we
  // read, so accept it (small) instead of answering 415.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) => {
      done(null, {})
    })
  }

  routes.post('/logout', {
    schema: {
      summary: 'Sign out: destroy the session server-side (and at the provider with providerLogout)',
      tags: ['auth'],
      response: { 204: EmptyResponse('Signed out'), 303: RedirectResponse('Signed out; browser sent to logoutRedirect'), 503: StoreUnavailableResponse }
    }
  }, async (request, reply) => {
    const providerLogoutUrl = await signOut(request, client, sessions, opts)
    reply.header('cache-control', 'no-store')
    if (providerLogoutUrl !== undefined) {
      // RP-initiated logout: the browser continues to the provider.
      return reply.header('referrer-policy', 'no-referrer').redirect(providerLogoutUrl.href, 303)
    }
    if (request.headers.accept?.includes('text/html') === true) {
      return reply.redirect(opts.logoutRedirect, 303)
    }
    return reply.code(204).send()
  })

  if (opts.backchannelLogout) await app.register(backchannelLogoutRoute)

  routes.get('/me', {
    schema: {
      summary: 'The signed-in user',
      tags: ['auth'],
      response: { 200: UserBody, 401: ErrorResponse('Not signed in (FST_OIDC_UNAUTHENTICATED)'), 503: StoreUnavailableResponse }
    }
  }, async (request, reply): Promise<AuthMeResponse> => {
    reply.header('cache-control', 'no-store')
    const user = request.session.get('user')
    if (user === undefined) throw new UnauthenticatedError()
    return user
  })

  async function providerErrorResponse (request: FastifyRequest): Promise<void> {
    const query = request.query as Record<string, unknown>
    if (query.error === undefined) return
    // The provider answered with an error: the login is over either way.
    if (typeof query.state === 'string' && query.state.length <= MAX_STATE_LENGTH) {
      takeTransaction(request.session, query.state)
    } else {
      clearTransactions(request.session)
    }
    throw new ProviderDeniedError()
  }

  function callbackErrorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const status = error.statusCode ?? 500
    if (opts.errorRedirect !== undefined && isCoded(error)) {
      request.log.info({ code: error.code, cause: (error.cause as Error | undefined)?.message }, 'login failed')
      return reply.redirect(`${opts.errorRedirect}?error=${encodeURIComponent(error.code)}`, 303)
    }
    if (status >= 500) request.log.error({ err: error }, 'login failed')
    else request.log.info({ code: error.code, cause: (error.cause as Error | undefined)?.message }, 'login failed')
    return reply.code(status).send(status >= 500 && !isCoded(error) ? { statusCode: 500, code: 'FST_OIDC_INTERNAL', error: 'Internal Server Error', message: 'Login failed' } : error)
  }
}

function isCoded (error: FastifyError): boolean {
  return typeof error.code === 'string' && error.code.startsWith('FST_OIDC_')
}

async function noStoreNoReferrer (_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  reply.header('cache-control', 'no-store')
  reply.header('referrer-policy', 'no-referrer')
  return payload
}

function redactedRequest (request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url.split('?', 1)[0] + '?[redacted]',
    host: request.host,
    remoteAddress: request.ip
  }
}

export default authRoutes
export { safeReturnTo } from './return-to.js'
export { InvalidRequestError, NoTransactionError, LoginExpiredError, UnauthenticatedError, RoutesOptionError } from './errors.js'
export type { AuthRoutesOptions, AuthRoutesSettings, SessionUser, StoredTokens, MapUser } from './options.js'
export type { AuthMeResponse, MapUserRequired, MapUserRequirement } from './options.js'
export type { LoginTransaction, PendingLogins } from './transactions.js'
