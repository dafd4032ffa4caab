import t from 'tap'
import { build } from '../helpers/build.js'
import { assertSignedIn, authorizeAt, startHostileProvider } from '../helpers/hostile-provider.js'
import { sessionCookie, startLogin } from '../helpers/login.js'

// Each is a callback query an attacker (or a broken proxy) can send; STATE
// stands for the state of the login in progress.
const malformed: Array<[string, string]> = [
  ['a repeated code', 'code=a&code=b&state=STATE'],
  ['a repeated state', 'code=a&state=STATE&state=STATE'],
  ['a repeated iss', 'code=a&state=STATE&iss=x&iss=y'],
  ['an oversize code', `code=${'a'.repeat(5000)}&state=STATE`],
  ['an oversize state', `code=a&state=${'s'.repeat(600)}`],
  ['an oversize iss', `code=a&state=STATE&iss=${'i'.repeat(3000)}`],
  ['an oversize extra parameter', `code=a&state=STATE&extra=${'x'.repeat(10_000)}`],
  ['a NUL character', 'code=a%00b&state=STATE'],
  ['a control character', 'code=a%0Ab&state=STATE'],
  ['a lone surrogate', 'code=a\uD800b&state=STATE'],
  ['a percent-encoded lone surrogate', 'code=a%ED%A0%80b&state=STATE'],
  ['an overlong UTF-8 sequence', 'code=%C0%AF&state=STATE'],
  ['an invalid UTF-8 byte', 'code=%FF&state=STATE'],
  ['a bad percent escape', 'code=%ZZ&state=STATE'],
  ['a truncated percent escape', 'code=abc%2&state=STATE'],
  ['a missing code', 'state=STATE'],
  ['a missing state', 'code=a'],
  ['an empty code', 'code=&state=STATE']
]

t.test('answers 400 with a coded error to malformed callback queries, without touching the login or calling the provider', async (t) => {
  const provider = await startHostileProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const { authorizeUrl, cookie } = await startLogin(app)
  const callbackUrl = await authorizeAt(authorizeUrl)
  const state = callbackUrl.searchParams.get('state')!
  for (const [what, query] of malformed) {
    const res = await app.inject({ method: 'GET', url: `/auth/callback?${query.replaceAll('STATE', state)}`, headers: { cookie } })
    t.equal(res.statusCode, 400, `400 for ${what}`)
    t.equal(res.json().code, 'FST_OIDC_INVALID_REQUEST', `coded error for ${what}`)
  }
  t.equal(provider.requests.get('/token') ?? 0, 0, 'no malformed query reached the token endpoint')

  const callbackPath = callbackUrl.pathname + callbackUrl.search
  const response = await app.inject({ method: 'GET', url: callbackPath, headers: { cookie } })
  await assertSignedIn(t, app, { response, cookie: sessionCookie(response) ?? cookie, callbackPath, authorizeUrl })
})
