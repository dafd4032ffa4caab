import type { Test } from 'tap'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fastifyOidcLogin, { OAuth2Config, type FastifyOidcLoginOptions } from '../../index.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URI } from './provider.js'

export const TEST_SECRET = 'a-session-secret-of-at-least-32-characters'

export interface BuildOptions {
  /** Issuer of the provider to sign in at. */
  issuer: string
  session?: Partial<FastifyOidcLoginOptions['session']>
  routes?: FastifyOidcLoginOptions['routes']
  /** Changes to the provider config (scopes, timeout). */
  provider?: (config: OAuth2Config) => OAuth2Config
  fastify?: FastifyServerOptions
}

/** The client config every test app uses against a test provider. */
export function testProviderConfig (issuer: string): OAuth2Config {
  return OAuth2Config.discover(issuer, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URI).scope('email').scope('profile').timeout(3000)
}

/**
 * Builds an app with the all-in-one plugin against a test provider, ready,
 * and closed at teardown. Cookies are not Secure because tests inject over
 * plain http.
 */
export async function build (t: Test, options: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...options.fastify })
  t.teardown(() => app.close())
  const config = testProviderConfig(options.issuer)
  await app.register(fastifyOidcLogin, {
    session: { secret: TEST_SECRET, secure: false, ...options.session },
    provider: options.provider === undefined ? config : options.provider(config),
    routes: options.routes
  })
  await app.ready()
  return app
}
