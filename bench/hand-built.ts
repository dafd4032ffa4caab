import Fastify, { type FastifyInstance } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifySession, { type FastifySessionOptions, type SessionStore } from '@fastify/session'
import * as oidc from 'openid-client'

declare module 'fastify' {
  interface Session {
    /** The hand-built app's login in progress. */
    handLogin?: { state: string, verifier: string, nonce: string, returnTo: string }
  }
}

/** How the hand-built app configures @fastify/session. */
export type HandSessionMode =
  /** Configured with care: no rolling writes, no sessions for anonymous requests. */
  | 'rolling-off'
  /** @fastify/session's defaults (rolling, saveUninitialized), Secure off for plain http. */
  | 'defaults'

export interface HandBuiltOptions {
  issuer: string
  clientId: string
  clientSecret: string
  redirectUri: string
  secret: string
  mode: HandSessionMode
  /** Default: @fastify/session's own memory store. */
  store?: SessionStore
}

/**
 * The same login app built by hand from @fastify/cookie, @fastify/session and
 * openid-client with its defaults: state, PKCE and nonce in the session, no
 * ID token signature check (openid-client trusts TLS for code-flow tokens),
 * no timeouts beyond openid-client's, plain JSON answers.
 */
export async function buildHandBuilt (options: HandBuiltOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(fastifyCookie)
  const sessionOptions: FastifySessionOptions = options.mode === 'rolling-off'
    ? { secret: options.secret, store: options.store, saveUninitialized: false, rolling: false, cookie: { secure: false, httpOnly: true, sameSite: 'lax', path: '/', maxAge: 8 * 60 * 60 * 1000 } }
    : { secret: options.secret, store: options.store, cookie: { secure: false } }
  await app.register(fastifySession, sessionOptions)

  const config = await oidc.discovery(new URL(options.issuer), options.clientId, options.clientSecret, undefined, { execute: [oidc.allowInsecureRequests] })
  const origin = new URL(options.redirectUri).origin

  app.get('/auth/login', async (request, reply) => {
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const nonce = oidc.randomNonce()
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: options.redirectUri,
      scope: 'openid email profile',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256'
    })
    request.session.set('handLogin', { state, verifier, nonce, returnTo: '/' })
    await request.session.save()
    return reply.redirect(url.href, 302)
  })

  app.get('/auth/callback', async (request, reply) => {
    const tx = request.session.get('handLogin')
    if (tx === undefined) return reply.code(401).send({ error: 'no login in progress' })
    request.session.set('handLogin', undefined)
    const tokens = await oidc.authorizationCodeGrant(config, new URL(request.url, origin), {
      pkceCodeVerifier: tx.verifier,
      expectedState: tx.state,
      expectedNonce: tx.nonce,
      idTokenExpected: true
    })
    const claims = tokens.claims()
    if (claims === undefined) return reply.code(401).send({ error: 'no ID token' })
    await request.session.regenerate()
    const user: { sub: string, issuer: string, email?: string, name?: string } = { sub: claims.sub, issuer: claims.iss }
    if (typeof claims.email === 'string') user.email = claims.email
    if (typeof claims.name === 'string') user.name = claims.name
    request.session.set('user', user)
    return reply.redirect(tx.returnTo, 302)
  })

  app.get('/auth/me', async (request, reply) => {
    const user = request.session.get('user')
    if (user === undefined) return reply.code(401).send({ error: 'not signed in' })
    return user
  })

  return app
}
