import t from 'tap'
import { build } from '../helpers/build.js'
import { loginAt, startHostileProvider } from '../helpers/hostile-provider.js'

const hostile = [
  '//evil.example', '/\\evil.example', 'https://evil.example', 'http:evil.example', 'javascript:alert(1)',
  'data:text/html,x', '/%2F%2Fevil.example', '/%5Cevil.example', ' /dashboard', '\t//evil.example', '\u0000/dashboard',
  // Dot segments that URL parsing resolves into a protocol-relative URL.
  '/.//evil.example', '/a/..//evil.example', '/%2e//evil.example', '/./\\evil.example'
]

t.test('returns to the default page when the login was started with a returnTo that could leave the site', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer, routes: { defaultReturnTo: '/home' } })
  for (const returnTo of hostile) {
    const login = await loginAt(app, { returnTo })
    t.equal(login.response.statusCode, 302, `signed in (${JSON.stringify(returnTo)})`)
    t.equal(login.response.headers.location, '/home', `falls back for ${JSON.stringify(returnTo)}`)
  }
})

t.test('uses only the returnTo stored at login, never one from the callback query', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const login = await loginAt(app, {
    returnTo: '/orders',
    editCallback: (url) => { url.searchParams.set('returnTo', 'https://evil.example'); url.searchParams.set('redirect', '//evil.example') }
  })
  t.equal(login.response.statusCode, 302)
  t.equal(login.response.headers.location, '/orders')
})
