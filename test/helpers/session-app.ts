import type { Test } from 'tap'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { session, type SessionPluginOptions } from '../../plugins/session/index.js'
import { TEST_SECRET } from './build.js'

/**
 * An app with only the session plugin and three routes: `/write` stores a
 * user, `/read` returns it (a read-only request), `/health` never touches
 * the session. Closed at teardown.
 */
export async function sessionApp (t: Test, options: Partial<SessionPluginOptions> = {}, fastify: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...fastify })
  t.teardown(() => app.close())
  await app.register(session, { secret: TEST_SECRET, secure: false, ...options })
  app.get('/write', async (request) => {
    request.session.set('user', { sub: 'ada', issuer: 'https://issuer.test' })
    return { ok: true }
  })
  app.get('/read', async (request) => ({ user: request.session.get('user')?.sub ?? null }))
  app.get('/health', async () => ({ ok: true }))
  await app.ready()
  return app
}

/** The session id inside a signed `name=id.signature` cookie. */
export function sessionIdOf (cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))
  return value.slice(0, value.indexOf('.'))
}
