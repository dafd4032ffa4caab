import t from 'tap'
import Fastify from 'fastify'
import { Writable } from 'node:stream'
import { session, type SessionPluginOptions } from '../../plugins/session/index.js'
import { TEST_SECRET } from '../helpers/build.js'

async function readyError (options: Record<string, unknown>): Promise<{ code?: string, message?: string } | undefined> {
  const app = Fastify()
  app.register(session, { secret: TEST_SECRET, ...options } as SessionPluginOptions)
  try {
    await app.ready()
    return undefined
  } catch (err) {
    return err as { code?: string, message?: string }
  } finally {
    await app.close()
  }
}

t.test('refuses invalid Redis and expiry options naming the option', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ redis: { url: 'http://localhost:6379' } }, /options\.redis\.url/],
    [{ redis: {} }, /options\.redis needs exactly one/],
    [{ redis: { url: 'redis://127.0.0.1:1', client: {} } }, /options\.redis needs exactly one/],
    [{ redis: { client: { get: 1 } } }, /options\.redis\.client/],
    [{ redis: { url: 'redis://127.0.0.1:1', prefix: 'has space' } }, /options\.redis\.prefix/],
    [{ redis: { url: 'redis://127.0.0.1:1' }, store: { get () {}, set () {}, destroy () {} } }, /options\.redis and options\.store/],
    [{ idleTimeout: 0 }, /options\.idleTimeout/],
    [{ idleTimeout: 1000, idleRefreshInterval: 1000 }, /options\.idleRefreshInterval must be less than options\.idleTimeout/]
  ]
  for (const [options, message] of cases) {
    const err = await readyError(options)
    t.equal(err?.code, 'FST_OIDC_SESSION_OPTION', JSON.stringify(options))
    t.match(err?.message, message)
  }
})

t.test('warns at startup when sessions stay in memory under NODE_ENV=production', async (t) => {
  const previous = process.env.NODE_ENV
  t.teardown(() => { process.env.NODE_ENV = previous })

  const warnings = async (env: string, options: Partial<SessionPluginOptions> = {}): Promise<string[]> => {
    process.env.NODE_ENV = env
    const lines: string[] = []
    const stream = new Writable({ write (chunk, _enc, done) { lines.push(chunk.toString()); done() } })
    const app = Fastify({ logger: { level: 'warn', stream } })
    await app.register(session, { secret: TEST_SECRET, ...options })
    await app.ready()
    await app.close()
    return lines.map((line) => JSON.parse(line) as { level: number, msg: string }).filter((l) => l.level === 40).map((l) => l.msg)
  }

  const production = await warnings('production')
  t.equal(production.length, 1, 'one warning in production')
  t.match(production[0], /sessions are in process memory/)
  t.same(await warnings('development'), [], 'none in development')
  const custom = { get: (_id: string, cb: (err: null, s: null) => void) => cb(null, null), set: (_id: string, _s: unknown, cb: () => void) => cb(), destroy: (_id: string, cb: () => void) => cb() }
  t.same(await warnings('production', { store: custom }), [], 'none with a store of your own')
})
