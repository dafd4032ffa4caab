// Compiled by `npm run typecheck` (tsc -p test/types) against the emitted declarations.
// SessionUser is augmented with a required field in session-user.ts, so
// every registration of the routes here passes a mapUser.
import Fastify from 'fastify'
import fastifyOidcLogin, { session, oauth2, OAuth2Config, type FastifyOidcLoginOptions, type MapUser } from 'fastify-oidc-login'
import { session as sessionFromSubpath } from 'fastify-oidc-login/session'
import { oauth2 as oauth2FromSubpath } from 'fastify-oidc-login/oauth2'

const provider = OAuth2Config.google('client', 'secret', 'https://app.example/auth/callback').scope('email').timeout(5000)
const secret = 'a-session-secret-of-at-least-32-characters'
const mapUser: MapUser = (claims) => ({ sub: claims.sub, issuer: 'https://accounts.google.com', roles: [] })

const app = Fastify()
await app.register(fastifyOidcLogin, { session: { secret, secure: false, maxAge: 3_600_000 }, provider, routes: { mapUser, prefix: '/auth' } })
await app.register(session, { secret: [secret, secret] })
await app.register(oauth2, { config: provider })
await app.register(sessionFromSubpath, { secret })
await app.register(oauth2FromSubpath, { config: provider })

// @ts-expect-error the all-in-one plugin needs session options
await app.register(fastifyOidcLogin, { provider, routes: { mapUser } })
// @ts-expect-error the all-in-one plugin needs a provider
await app.register(fastifyOidcLogin, { session: { secret }, routes: { mapUser } })
// @ts-expect-error the provider is an OAuth2Config, not a bag of settings
await app.register(fastifyOidcLogin, { session: { secret }, provider: { issuer: 'https://issuer.example' }, routes: { mapUser } })
// @ts-expect-error the session plugin needs a secret
await app.register(session, {})
// @ts-expect-error the session plugin cannot be registered without options
await app.register(session)
// @ts-expect-error a secret is a string or strings
await app.register(session, { secret: 42 })
// @ts-expect-error the oauth2 plugin needs a config
await app.register(oauth2, {})
// @ts-expect-error the oauth2 plugin cannot be registered without options
await app.register(oauth2)
// @ts-expect-error unknown session options are refused, not ignored
await app.register(session, { secret, rolling: true })

const options: FastifyOidcLoginOptions = { session: { secret }, provider, routes: { mapUser, storeTokens: true, loginTimeout: 60_000 } }
// Options built ahead with the exported type register as they are.
await app.register(fastifyOidcLogin, options)
// @ts-expect-error with required SessionUser fields, the exported options type requires mapUser too
const withoutMapUser: FastifyOidcLoginOptions = { session: { secret }, provider, routes: { storeTokens: true } }
// @ts-expect-error option values keep their types
const badTimeout: FastifyOidcLoginOptions = { session: { secret }, provider, routes: { mapUser, loginTimeout: '10m' } }

export { options, badTimeout, withoutMapUser }
