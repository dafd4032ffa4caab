import t, { type Test } from 'tap'
import { OAuth2Config } from '../../index.js'
import { build } from '../helpers/build.js'
import { startHostileProvider } from '../helpers/hostile-provider.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../helpers/provider.js'

async function warnings (t: Test, options: { secure: boolean, redirectUri?: string }): Promise<string[]> {
  const provider = await startHostileProvider(t)
  const lines: Array<{ level: number, msg: string }> = []
  await build(t, {
    issuer: provider.issuer,
    session: { secure: options.secure },
    provider: (config) => options.redirectUri === undefined
      ? config
      : OAuth2Config.discover(provider.issuer, TEST_CLIENT_ID, TEST_CLIENT_SECRET, options.redirectUri),
    fastify: { logger: { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } }
  })
  return lines.filter((line) => line.level === 40 && /Secure/.test(line.msg)).map((line) => line.msg)
}

t.test('warns at startup when the session cookie is Secure and the redirect URI is plain http', async (t) => {
  const found = await warnings(t, { secure: true })
  t.equal(found.length, 1, 'one warning')
  t.match(found[0], /redirect URI is plain http/)
})

t.test('does not warn when the cookie is not Secure (local http work)', async (t) => {
  t.same(await warnings(t, { secure: false }), [])
})

t.test('does not warn when the redirect URI is https', async (t) => {
  t.same(await warnings(t, { secure: true, redirectUri: 'https://app.example/auth/callback' }), [])
})
