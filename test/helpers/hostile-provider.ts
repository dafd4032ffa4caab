import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from './provider.js'
import { sessionCookie, startLogin } from './login.js'

/** How the ID token of the next logins is signed. */
export type Signing =
  | 'provider' // the provider's current RSA key (RS256)
  | 'provider-ec' // the provider's published EC key (ES256)
  | 'foreign-key' // an RSA key that is not the provider's, with the provider's key id
  | 'unknown-kid' // an RSA key that is not the provider's, with a key id never published
  | 'client-secret' // HS256 with the client secret
  | 'none' // unsigned

/** What the provider does at the next logins; everything unset behaves correctly. */
export interface Behaviour {
  /** Changes the ID token claims before signing (return the claims to sign). */
  claims?: (claims: JWTPayload) => JWTPayload
  signing?: Signing
  /** Leave the ID token out of the token response. */
  omitIdToken?: boolean
  tokenType?: string
  /** A broken token endpoint instead of tokens. */
  tokenEndpoint?: 'invalid_grant' | 'html-500' | 'malformed-json' | 'hang'
  /** The token endpoint's answer to a refresh token grant; unset issues new tokens. */
  refreshError?: { status: number, error: string, /** Also send the code in a WWW-Authenticate challenge, as a 401 does. */ challenge?: boolean }
  /** How long the token endpoint takes to answer a refresh. */
  refreshDelayMs?: number
  /** The `sub` userinfo answers. */
  userinfoSub?: string
  /** A whole userinfo body instead, as a plain OAuth2 profile API (GitHub's `/user`) answers. */
  userinfoBody?: Record<string, unknown>
  /** An `iss` parameter added to the authorization response (RFC 9207). */
  responseIss?: string
}

/** Text the provider puts in error bodies, to check it is never echoed or logged. */
export const PROVIDER_BODY_MARKER = 'provider-body-marker-7f3a9c'

/** What the provider handed out, for tests that look for leaks. */
export interface Issued {
  codes: string[]
  accessTokens: string[]
  refreshTokens: string[]
  idTokens: string[]
}

export interface HostileProvider {
  issuer: string
  /** Requests received, by path. */
  requests: Map<string, number>
  issued: Issued
  /** Sets the behaviour of the following logins. */
  behave: (behaviour: Behaviour) => void
  /** Starts signing with a new key (new key id) and publishes it. */
  rotateKey: () => void
}

interface Keys {
  rsa: Array<{ privateKey: CryptoKey, jwk: JWK }>
  ec: { privateKey: CryptoKey, jwk: JWK }
  foreign: CryptoKey
}

let sharedKeys: Promise<Keys> | undefined

// Key generation is the slow part; every provider in a test process shares it.
async function keys (): Promise<Keys> {
  sharedKeys ??= (async () => {
    const rsa = []
    for (const kid of ['rsa-1', 'rsa-2']) {
      const pair = await generateKeyPair('RS256', { extractable: true })
      rsa.push({ privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } })
    }
    const ecPair = await generateKeyPair('ES256', { extractable: true })
    const ec = { privateKey: ecPair.privateKey, jwk: { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' } }
    const foreign = (await generateKeyPair('RS256')).privateKey
    return { rsa, ec, foreign }
  })()
  return sharedKeys
}

interface PendingCode {
  state: string | null
  nonce: string | null
  codeChallenge: string | null
  redirectUri: string
}

/**
 * Starts an OpenID provider of our own on loopback that misbehaves on
 * purpose: discovery, keys, authorize (redirects straight back with a code),
 * token and userinfo, its behaviour switchable per login. Closed at teardown.
 */
export async function startHostileProvider (t: Test, options: { metadata?: Record<string, unknown> } = {}): Promise<HostileProvider> {
  const { rsa, ec, foreign } = await keys()
  let signingKey = 0
  let published: JWK[] = [rsa[0]!.jwk, ec.jwk]
  let behaviour: Behaviour = {}
  const requests = new Map<string, number>()
  const codes = new Map<string, PendingCode>()
  const issued: Issued = { codes: [], accessTokens: [], refreshTokens: [], idTokens: [] }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1)
    handle(req, res, url).catch((err: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const metadata: Record<string, unknown> = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    ...options.metadata
  }

  async function handle (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(res, 200, metadata)
      case '/jwks':
        return json(res, 200, { keys: published })
      case '/authorize':
        return authorize(res, url)
      case '/token':
        return token(req, res)
      case '/userinfo':
        return json(res, 200, behaviour.userinfoBody ?? { sub: behaviour.userinfoSub ?? 'alice', email: 'alice@example.test' })
      default:
        res.writeHead(404).end()
    }
  }

  function authorize (res: ServerResponse, url: URL): void {
    const redirectUri = url.searchParams.get('redirect_uri') ?? ''
    const code = randomBytes(24).toString('base64url')
    codes.set(code, {
      state: url.searchParams.get('state'),
      nonce: url.searchParams.get('nonce'),
      codeChallenge: url.searchParams.get('code_challenge'),
      redirectUri
    })
    issued.codes.push(code)
    const back = new URL(redirectUri)
    back.searchParams.set('code', code)
    const state = url.searchParams.get('state')
    if (state !== null) back.searchParams.set('state', state)
    const iss = behaviour.responseIss ?? (metadata.authorization_response_iss_parameter_supported === true ? issuer : undefined)
    if (iss !== undefined) back.searchParams.set('iss', iss)
    res.writeHead(302, { location: back.href }).end()
  }

  async function token (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = new URLSearchParams(await readBody(req))
    if (behaviour.tokenEndpoint === 'hang') return // never answers; closed at teardown
    if (!clientAuthenticated(req.headers.authorization)) return json(res, 401, { error: 'invalid_client' })
    if (body.get('grant_type') === 'refresh_token') return await refresh(body, res)
    const code = body.get('code') ?? ''
    const pending = codes.get(code)
    codes.delete(code)
    const verifier = body.get('code_verifier') ?? ''
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    if (pending === undefined || pending.codeChallenge !== challenge || body.get('redirect_uri') !== pending.redirectUri) {
      return json(res, 400, { error: 'invalid_grant' })
    }
    switch (behaviour.tokenEndpoint) {
      case 'invalid_grant':
        return json(res, 400, { error: 'invalid_grant', error_description: `code expired ${PROVIDER_BODY_MARKER}` })
      case 'html-500':
        res.writeHead(500, { 'content-type': 'text/html' }).end(`<html><body>Internal error ${PROVIDER_BODY_MARKER}</body></html>`)
        return
      case 'malformed-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end(`{"access_token": "${PROVIDER_BODY_MARKER}", `)
        return
    }
    const accessToken = randomBytes(24).toString('base64url')
    const refreshToken = randomBytes(24).toString('base64url')
    issued.accessTokens.push(accessToken)
    issued.refreshTokens.push(refreshToken)
    const response: Record<string, unknown> = {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: behaviour.tokenType ?? 'Bearer',
      expires_in: 300,
      scope: 'openid email profile'
    }
    if (behaviour.omitIdToken !== true) {
      const now = Math.floor(Date.now() / 1000)
      const defaults: JWTPayload = { iss: issuer, sub: 'alice', aud: TEST_CLIENT_ID, iat: now, exp: now + 300, email: 'alice@example.test', name: 'Alice' }
      if (pending.nonce !== null) defaults.nonce = pending.nonce
      const idToken = await sign(behaviour.claims === undefined ? defaults : behaviour.claims(defaults), behaviour.signing ?? 'provider')
      issued.idTokens.push(idToken)
      response.id_token = idToken
    }
    return json(res, 200, response)
  }

  async function refresh (body: URLSearchParams, res: ServerResponse): Promise<void> {
    if (behaviour.refreshDelayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, behaviour.refreshDelayMs))
    if (behaviour.refreshError !== undefined) {
      const { status, error, challenge } = behaviour.refreshError
      if (challenge === true) res.setHeader('www-authenticate', `Basic realm="token", error="${error}"`)
      return json(res, status, { error, error_description: PROVIDER_BODY_MARKER })
    }
    if (!issued.refreshTokens.includes(body.get('refresh_token') ?? '')) return json(res, 400, { error: 'invalid_grant' })
    const accessToken = randomBytes(24).toString('base64url')
    issued.accessTokens.push(accessToken)
    return json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 })
  }

  async function sign (claims: JWTPayload, signing: Signing): Promise<string> {
    const current = rsa[signingKey]!
    switch (signing) {
      case 'none':
        return new UnsecuredJWT(claims).encode()
      case 'client-secret':
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: current.jwk.kid }).sign(new TextEncoder().encode(TEST_CLIENT_SECRET))
      case 'provider-ec':
        return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: ec.jwk.kid }).sign(ec.privateKey)
      case 'foreign-key':
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: current.jwk.kid }).sign(foreign)
      case 'unknown-kid':
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: `never-published-${randomBytes(4).toString('hex')}` }).sign(foreign)
      default:
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: current.jwk.kid }).sign(current.privateKey)
    }
  }

  return {
    issuer,
    requests,
    issued,
    behave: (next) => { behaviour = next },
    rotateKey: () => {
      signingKey = 1
      published = [rsa[1]!.jwk, rsa[0]!.jwk, ec.jwk]
    }
  }
}

// client_secret_basic: form-encoded id and secret (RFC 6749 section 2.3.1).
function clientAuthenticated (header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Basic ')) return false
  const [id, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':').map((part) => decodeURIComponent(part.replaceAll('+', ' ')))
  return id === TEST_CLIENT_ID && secret === TEST_CLIENT_SECRET
}

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body))
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** One login against the hostile provider, as a browser plays it. */
export interface HostileLogin {
  /** The app's answer to the callback. */
  response: LightMyRequestResponse
  /** The session cookie the browser holds after the callback. */
  cookie: string
  /** The callback path and query, to replay it. */
  callbackPath: string
  /** The authorization request the app sent. */
  authorizeUrl: URL
}

/** Plays the browser at the hostile provider: returns the callback URL it redirects to. */
export async function authorizeAt (authorizeUrl: URL): Promise<URL> {
  const redirect = await fetch(authorizeUrl, { redirect: 'manual' })
  await redirect.arrayBuffer()
  const location = redirect.headers.get('location')
  if (redirect.status !== 302 || location === null) throw new Error(`authorize answered ${redirect.status}`)
  return new URL(location)
}

/** Starts a login at the app, lets the provider redirect straight back, and runs the callback. */
export async function loginAt (app: FastifyInstance, options: { returnTo?: string, editCallback?: (url: URL) => void } = {}): Promise<HostileLogin> {
  const { authorizeUrl, cookie } = await startLogin(app, options.returnTo === undefined ? {} : { returnTo: options.returnTo })
  const callbackUrl = await authorizeAt(authorizeUrl)
  options.editCallback?.(callbackUrl)
  const callbackPath = callbackUrl.pathname + callbackUrl.search
  const response = await app.inject({ method: 'GET', url: callbackPath, headers: { cookie } })
  return { response, cookie: sessionCookie(response) ?? cookie, callbackPath, authorizeUrl }
}

/**
 * Asserts a refused login: the coded error, no signed-in session, the login
 * transaction gone (the same callback again finds none), and the app still
 * serving.
 */
export async function assertRefused (t: Test, app: FastifyInstance, login: HostileLogin, expected: { statusCode: number, code: string }): Promise<void> {
  t.equal(login.response.statusCode, expected.statusCode, `answers ${expected.statusCode}`)
  t.equal(login.response.json().code, expected.code)
  t.notMatch(login.response.body, PROVIDER_BODY_MARKER, 'the provider\'s body is not echoed')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: login.cookie } })
  t.equal(me.statusCode, 401, 'nobody is signed in')
  const replay = await app.inject({ method: 'GET', url: login.callbackPath, headers: { cookie: login.cookie } })
  t.equal(replay.json().code, 'FST_OIDC_NO_TRANSACTION', 'the login transaction is cleared')
  const next = await app.inject({ method: 'GET', url: '/auth/login' })
  t.equal(next.statusCode, 302, 'the app still serves')
}

/** Asserts a completed login: redirected, and `/auth/me` knows the user. */
export async function assertSignedIn (t: Test, app: FastifyInstance, login: HostileLogin): Promise<void> {
  t.equal(login.response.statusCode, 302, 'the callback signs in')
  const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: login.cookie } })
  t.equal(me.statusCode, 200, '/auth/me knows the user')
  t.equal(me.json().sub, 'alice')
}
