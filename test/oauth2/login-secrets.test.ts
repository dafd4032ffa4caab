import t from 'tap'
import { loginSecrets, pkceChallenge } from '../../plugins/oauth2/secrets.js'
import { build } from '../helpers/build.js'
import { startProvider } from '../helpers/provider.js'

t.test('the PKCE challenge is the S256 transform of RFC 7636', async (t) => {
  // RFC 7636, Appendix B.
  t.equal(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
})

t.test('every login gets its own state, verifier and nonce, each 256 bits', async (t) => {
  const provider = await startProvider(t)
  const app = await build(t, { issuer: provider.issuer })
  const seen = new Set<string>()
  for (let i = 0; i < 20; i++) {
    const auth = await app.oauth2.authorizationUrl()
    for (const secret of [auth.csrfState, auth.pkceVerifier, auth.nonce]) {
      t.match(secret, /^[A-Za-z0-9_-]{43}$/)
      seen.add(secret!)
    }
    t.equal(auth.url.searchParams.get('state'), auth.csrfState)
    t.equal(auth.url.searchParams.get('nonce'), auth.nonce)
    t.equal(auth.url.searchParams.get('code_challenge'), pkceChallenge(auth.pkceVerifier), 'sends the challenge of the verifier it keeps')
    t.equal(auth.url.searchParams.get('code_verifier'), null, 'never sends the verifier itself')
  }
  t.equal(seen.size, 60, 'no value repeats, within a login or across logins')
})

t.test('secrets drawn ahead are handed out once, across refills of the pool', async (t) => {
  // 300 logins use the pre-drawn bytes more than twice over.
  const seen = new Set<string>()
  for (let i = 0; i < 300; i++) {
    const secrets = loginSecrets()
    for (const secret of [secrets.csrfState, secrets.pkceVerifier, secrets.nonce]) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) t.fail(`malformed secret ${secret}`)
      seen.add(secret)
    }
  }
  t.equal(seen.size, 900, 'no value repeats')
})
