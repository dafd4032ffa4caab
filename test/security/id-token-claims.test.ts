import t from 'tap'
import type { JWTPayload } from 'jose'
import { build } from '../helpers/build.js'
import { assertRefused, assertSignedIn, loginAt, startHostileProvider, type Behaviour } from '../helpers/hostile-provider.js'
import { TEST_CLIENT_ID } from '../helpers/provider.js'

const now = () => Math.floor(Date.now() / 1000)
const without = (claim: string) => (claims: JWTPayload): JWTPayload => {
  const { [claim]: _dropped, ...rest } = claims
  return rest
}

const refused: Array<[string, Behaviour]> = [
  ['an ID token for another audience', { claims: (c) => ({ ...c, aud: 'another-client' }) }],
  ['an ID token from another issuer', { claims: (c) => ({ ...c, iss: 'https://attacker.example' }) }],
  ['an expired ID token', { claims: (c) => ({ ...c, iat: now() - 7200, exp: now() - 3600 }) }],
  ['an ID token issued far in the future', { claims: (c) => ({ ...c, iat: now() + 3600, exp: now() + 7200 }) }],
  ['an ID token without sub', { claims: without('sub') }],
  ['an ID token with a wrong nonce', { claims: (c) => ({ ...c, nonce: 'a-nonce-from-another-login' }) }],
  ['an ID token without nonce', { claims: without('nonce') }],
  ['a token response without an ID token although openid was asked', { omitIdToken: true }],
  ['an ID token for several audiences without azp', { claims: (c) => ({ ...c, aud: [TEST_CLIENT_ID, 'another-client'] }) }],
  ['an ID token for several audiences whose azp is another client', { claims: (c) => ({ ...c, aud: [TEST_CLIENT_ID, 'another-client'], azp: 'another-client' }) }]
]

for (const [what, behaviour] of refused) {
  t.test(`refuses ${what}`, async (t) => {
    const provider = await startHostileProvider(t)
    const app = await build(t, { issuer: provider.issuer })
    provider.behave(behaviour)
    await assertRefused(t, app, await loginAt(app), { statusCode: 401, code: 'FST_OIDC_TOKEN_REJECTED' })
  })
}

const accepted: Array<[string, Behaviour]> = [
  ['a single-element aud array', { claims: (c) => ({ ...c, aud: [TEST_CLIENT_ID] }) }],
  ['several audiences with azp naming this client', { claims: (c) => ({ ...c, aud: [TEST_CLIENT_ID, 'another-client'], azp: TEST_CLIENT_ID }) }],
  ['token_type in lower case', { tokenType: 'bearer' }],
  ['token_type in mixed case', { tokenType: 'bEaReR' }],
  ['an iat a few seconds ahead (clock skew)', { claims: (c) => ({ ...c, iat: now() + 5 }) }]
]

for (const [what, behaviour] of accepted) {
  t.test(`accepts ${what}`, async (t) => {
    const provider = await startHostileProvider(t)
    const app = await build(t, { issuer: provider.issuer })
    provider.behave(behaviour)
    await assertSignedIn(t, app, await loginAt(app))
  })
}
