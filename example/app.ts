import Fastify, { type FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fastifyOidcLogin, { OAuth2Config } from '../index.js'
import { startDevProvider, type DevProvider } from './dev-provider.js'
import { dashboardPage, homePage, loginErrorPage } from './views.js'

/** The environment the example reads; every key is optional. */
export type ExampleEnv = Partial<Record<
  'HOST' | 'PORT' | 'OIDC_ISSUER' | 'OAUTH_CLIENT_ID' | 'OAUTH_CLIENT_SECRET' | 'OAUTH_REDIRECT_URI' |
  'SESSION_SECRET' | 'REDIS_URL' | 'SESSION_COOKIE_SECURE' | 'OAUTH_HTTP_TIMEOUT_MS' | 'LOG_LEVEL' | 'NODE_ENV',
  string
>>

/** The example app and, when no provider was configured, the embedded one. */
export interface Example {
  app: FastifyInstance
  host: string
  port: number
  devProvider: DevProvider | undefined
}

/**
 * Builds the example app from environment variables. With none set it starts
 * an embedded development provider on loopback so the whole login works on a
 * fresh machine.
 */
export async function buildExample (env: ExampleEnv = process.env as ExampleEnv, logger: boolean | object = true): Promise<Example> {
  const host = env.HOST ?? '127.0.0.1'
  const port = integer(env.PORT, 3000, 'PORT')
  const redirectUri = env.OAUTH_REDIRECT_URI ?? `http://${host}:${port}/auth/callback`
  const timeout = integer(env.OAUTH_HTTP_TIMEOUT_MS, 10_000, 'OAUTH_HTTP_TIMEOUT_MS')

  let devProvider: DevProvider | undefined
  let provider: OAuth2Config
  if (env.OIDC_ISSUER === undefined || env.OIDC_ISSUER === '') {
    const clientSecret = randomBytes(24).toString('base64url')
    devProvider = await startDevProvider({
      host: '127.0.0.1',
      clients: [{ client_id: 'example-app', client_secret: clientSecret, redirect_uris: [redirectUri], post_logout_redirect_uris: [`http://${host}:${port}/`] }]
    })
    provider = OAuth2Config.discover(devProvider.issuer, 'example-app', clientSecret, redirectUri)
  } else {
    provider = OAuth2Config.discover(env.OIDC_ISSUER, env.OAUTH_CLIENT_ID ?? '', env.OAUTH_CLIENT_SECRET, redirectUri)
  }
  provider = provider.scope('email').scope('profile').timeout(timeout)

  const app = Fastify({
    logger: logger === true ? { level: env.LOG_LEVEL ?? 'info' } : logger
  })
  if (devProvider !== undefined) {
    const dev = devProvider
    app.addHook('onClose', async () => { await dev.close() })
  }

  let secret = env.SESSION_SECRET
  if (secret === undefined || secret === '') {
    if (env.NODE_ENV === 'production') throw new Error('SESSION_SECRET is required in production (at least 32 characters)')
    secret = randomBytes(32).toString('base64url')
    app.log.warn('SESSION_SECRET is not set: using a random one, so sessions end when the server restarts')
  }
  // Several instances share sessions through Redis; without it they stay in
  // this process's memory.
  const redis = env.REDIS_URL === undefined || env.REDIS_URL === '' ? undefined : { url: env.REDIS_URL }

  // Registered before the routes so it sees them. Swagger UI serves its own
  // assets from /docs/static, so the page works without internet access.
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'fastify-oidc-login example', version: '0.1.0', description: 'The auth routes of fastify-oidc-login' },
      tags: [{ name: 'auth', description: 'Login, callback, logout and the signed-in user' }]
    }
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })

  await app.register(fastifyOidcLogin, {
    session: {
      secret,
      redis,
      // Plain http (local work) needs a non-Secure cookie, or the browser drops it.
      secure: env.SESSION_COOKIE_SECURE === undefined ? new URL(redirectUri).protocol === 'https:' : env.SESSION_COOKIE_SECURE !== 'false'
    },
    provider,
    routes: { defaultReturnTo: '/dashboard', errorRedirect: '/login-error' }
  })

  // The HTML pages stay out of the API document.
  const page = { schema: { hide: true } }
  app.get('/', page, async (request, reply) => {
    return reply.type('text/html').header('cache-control', 'no-store').send(homePage(request.session.get('user')))
  })
  app.get('/dashboard', page, async (request, reply) => {
    const user = request.session.get('user')
    if (user === undefined) return reply.redirect('/auth/login?returnTo=/dashboard', 302)
    return reply.type('text/html').header('cache-control', 'no-store').send(dashboardPage(user))
  })
  app.get<{ Querystring: { error?: string } }>('/login-error', page, async (request, reply) => {
    return reply.code(401).type('text/html').send(loginErrorPage(String(request.query.error ?? '')))
  })

  return { app, host, port, devProvider }
}

function integer (value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`)
  return n
}
