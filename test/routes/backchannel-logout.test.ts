import t from 'tap'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import * as jose from 'jose'
import type { FastifyInstance } from 'fastify'
import { signIn } from '../helpers/login.js'
import { TEST_CLIENT_ID } from '../helpers/provider.js'
import { buildTokensApp, logoutAtProvider, sessionIdOf, signInWithProviderSession, startTokenProvider } from '../helpers/tokens.js'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'

function rsaKey (kid: string): { jwk: jose.JWK, key: ReturnType<typeof generateKeyPairSync>['privateKey'] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { jwk: { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }, key: privateKey }
}

async function postLogoutToken (app: FastifyInstance, token: string): Promise<{ statusCode: number, code: string | undefined }> {
  const res = await app.inject({
    method: 'POST',
    url: '/auth/backchannel-logout',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ logout_token: token }).toString()
  })
  return { statusCode: res.statusCode, code: res.statusCode === 200 ? undefined : res.json().code }
}

async function signedIn (app: FastifyInstance, cookie: string): Promise<boolean> {
  return (await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } })).statusCode === 200
}

t.test('a real logout token from the provider ends that provider session\'s sessions only', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, routes: { backchannelLogout: true } })
  const laptop = await signInWithProviderSession(app, 'ada')
  const phone = await signInWithProviderSession(app, 'ada')

  await logoutAtProvider(provider.issuer, laptop.providerCookies)
  t.equal(provider.logoutTokens.length, 1, 'the provider sent one logout token')
  const res = await postLogoutToken(app, provider.logoutTokens[0]!)
  t.equal(res.statusCode, 200)
  t.notOk(await signedIn(app, laptop.cookie), 'the laptop session ended')
  t.equal(await app.oidc.record(sessionIdOf(laptop.cookie)), undefined, 'with its tokens')
  t.ok(await signedIn(app, phone.cookie), 'the phone, another provider session, is still signed in')

  const replay = await postLogoutToken(app, provider.logoutTokens[0]!)
  t.equal(replay.statusCode, 400, 'the same token again is refused')
  t.equal(replay.code, 'FST_OIDC_INVALID_LOGOUT_TOKEN')
})

t.test('refuses bad logout tokens with 400 and ends nothing', async (t) => {
  const signing = rsaKey('test-signing-key')
  const provider = await startTokenProvider(t, { jwks: { keys: [signing.jwk] } })
  const app = await buildTokensApp(t, { issuer: provider.issuer, routes: { backchannelLogout: true } })
  const { cookie, callback } = await signIn(app, 'ada')
  t.equal(callback.statusCode, 302)
  const sid = (await app.oidc.record(sessionIdOf(cookie)))!.sid!
  t.type(sid, 'string', 'the sign-in recorded the provider session id')

  const now = Math.floor(Date.now() / 1000)
  const sign = async (claims: Record<string, unknown>, options: { key?: typeof signing.key, typ?: string } = {}): Promise<string> => {
    const payload = { iss: provider.issuer, aud: TEST_CLIENT_ID, iat: now, exp: now + 120, jti: randomUUID(), sub: 'ada', sid, events: { [EVENT]: {} }, ...claims }
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[name]
    return await new jose.SignJWT(payload as jose.JWTPayload)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-signing-key', typ: options.typ ?? 'logout+jwt' })
      .sign(options.key ?? signing.key)
  }
  const forger = rsaKey('test-signing-key')
  const bad: Record<string, string> = {
    'forged (another key, same key id)': await sign({}, { key: forger.key }),
    expired: await sign({ iat: now - 900, exp: now - 600 }),
    'issued too long ago': await sign({ iat: now - 3600, exp: undefined }),
    'issued in the future': await sign({ iat: now + 3600, exp: now + 3720 }),
    'wrong audience': await sign({ aud: 'another-client' }),
    'wrong issuer': await sign({ iss: 'http://127.0.0.1:1' }),
    'carrying a nonce': await sign({ nonce: 'n-0S6_WzA2Mj' }),
    'without events': await sign({ events: undefined }),
    'with another event': await sign({ events: { 'http://schemas.openid.net/event/other': {} } }),
    'without sid and sub': await sign({ sid: undefined, sub: undefined }),
    'without jti': await sign({ jti: undefined }),
    'of another JWT type': await sign({}, { typ: 'at+jwt' }),
    'not a JWT': 'not.a.jwt'
  }
  for (const [name, token] of Object.entries(bad)) {
    const res = await postLogoutToken(app, token)
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.equal(res.code, 'FST_OIDC_INVALID_LOGOUT_TOKEN', `${name}: coded`)
  }
  t.ok(await signedIn(app, cookie), 'the session survived every refused token')

  // The same checks pass a well-formed token, so the refusals above are each
  // about the one thing changed.
  const good = await postLogoutToken(app, await sign({}))
  t.equal(good.statusCode, 200)
  t.notOk(await signedIn(app, cookie), 'a valid token ends the session')
})

t.test('a logout token with only sub ends every session of that user, and cannot be replayed', async (t) => {
  const signing = rsaKey('test-signing-key')
  const provider = await startTokenProvider(t, { jwks: { keys: [signing.jwk] } })
  const app = await buildTokensApp(t, { issuer: provider.issuer, routes: { backchannelLogout: true } })
  const first = await signIn(app, 'ada')
  const second = await signIn(app, 'ada')
  const other = await signIn(app, 'grace')
  const now = Math.floor(Date.now() / 1000)
  const token = await new jose.SignJWT({ events: { [EVENT]: {} }, jti: randomUUID(), sub: 'ada' })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-signing-key', typ: 'logout+jwt' })
    .setIssuer(provider.issuer).setAudience(TEST_CLIENT_ID).setIssuedAt(now).setExpirationTime(now + 120)
    .sign(signing.key)

  t.equal((await postLogoutToken(app, token)).statusCode, 200)
  t.notOk(await signedIn(app, first.cookie))
  t.notOk(await signedIn(app, second.cookie))
  t.ok(await signedIn(app, other.cookie), 'another user stays signed in')

  const again = await signIn(app, 'ada')
  const replay = await postLogoutToken(app, token)
  t.equal(replay.statusCode, 400, 'a replayed token is refused')
  t.ok(await signedIn(app, again.cookie), 'and ends nothing')
})

t.test('answers 400 for a malformed back-channel request', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer, routes: { backchannelLogout: true } })
  const post = async (payload: string, type = 'application/x-www-form-urlencoded'): Promise<number> =>
    (await app.inject({ method: 'POST', url: '/auth/backchannel-logout', headers: { 'content-type': type }, payload })).statusCode
  t.equal(await post(''), 400, 'no logout_token')
  t.equal(await post('logout_token=a.b.c&logout_token=d.e.f'), 400, 'a repeated logout_token')
  t.equal(await post(`logout_token=${'a'.repeat(20_000)}`), 413, 'an oversize body')
  t.equal(await post('{"logout_token":"a.b.c"}', 'application/json'), 400, 'JSON is not the protocol\'s form body')
})

t.test('serves no back-channel route unless asked to', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer })
  const res = await app.inject({ method: 'POST', url: '/auth/backchannel-logout', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'logout_token=a.b.c' })
  t.equal(res.statusCode, 404)
})

t.test('"log out everywhere" ends every session of the user', async (t) => {
  const provider = await startTokenProvider(t)
  const app = await buildTokensApp(t, { issuer: provider.issuer })
  const first = await signIn(app, 'ada')
  const second = await signIn(app, 'ada')
  const other = await signIn(app, 'grace')
  const res = await app.inject({ method: 'POST', url: '/api/logout-everywhere', headers: { cookie: first.cookie } })
  t.same(res.json(), { ended: 2 })
  t.notOk(await signedIn(app, first.cookie))
  t.notOk(await signedIn(app, second.cookie))
  t.ok(await signedIn(app, other.cookie), 'another user stays signed in')
})
