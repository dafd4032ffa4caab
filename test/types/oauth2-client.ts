// Compiled by `npm run typecheck` (tsc -p test/types) against the emitted declarations.
import Fastify from 'fastify'
import { OAuth2Client, type AuthorizationRequest, type IdentityClaims, type TokenSet } from 'fastify-oidc-login'
import { expectTrue, type Equal } from './expect.js'

const app = Fastify()
expectTrue<Equal<typeof app.oauth2, OAuth2Client>>()

app.get('/link-account', async (request) => {
  expectTrue<Equal<typeof request.oauth2, OAuth2Client>>()

  const auth = await request.oauth2.authorizationUrl({ login_hint: 'ada@example.test' })
  expectTrue<Equal<typeof auth, AuthorizationRequest>>()
  expectTrue<Equal<typeof auth.url, URL>>()
  expectTrue<Equal<typeof auth.nonce, string | undefined>>()

  const tokens = await request.oauth2.exchangeCode({ code: 'c', state: 's' }, { pkceVerifier: auth.pkceVerifier, nonce: auth.nonce, csrfState: auth.csrfState })
  expectTrue<Equal<typeof tokens, TokenSet>>()
  expectTrue<Equal<typeof tokens.claims, IdentityClaims | undefined>>()
  const claims = await request.oauth2.userinfo(tokens.accessToken, tokens.claims?.sub)
  expectTrue<Equal<typeof claims.sub, string>>()

  // @ts-expect-error the code exchange needs the checks kept at login
  await request.oauth2.exchangeCode({ code: 'c', state: 's' })
  // @ts-expect-error the PKCE verifier is not optional
  await request.oauth2.exchangeCode({ code: 'c', state: 's' }, { csrfState: auth.csrfState })
  // @ts-expect-error the client is read-only
  request.oauth2 = app.oauth2
  // @ts-expect-error authorization parameters are strings
  await request.oauth2.authorizationUrl({ max_age: 60 })

  return { url: auth.url.href }
})
