// Compiled by `npm run typecheck` (tsc -p test/types) against the emitted
// declarations. The augmentation below applies to every file of this
// program, as it would in an application.
import Fastify from 'fastify'
import fastifyOidcLogin, { authRoutes, OAuth2Config, type AuthMeResponse, type AuthRoutesOptions, type MapUser, type SessionUser } from 'fastify-oidc-login'
import { expectTrue, type Equal } from './expect.js'

declare module 'fastify-oidc-login' {
  interface SessionUser {
    /** Roles of the user in this application, set by mapUser. */
    roles: string[]
    /** Optional fields need no mapUser of their own. */
    tenant?: string
  }
}

const provider = OAuth2Config.discover('https://issuer.example', 'client', 'secret', 'https://app.example/auth/callback')
const session = { secret: 'a-session-secret-of-at-least-32-characters' }

// The augmentation of the re-exported interface merged.
expectTrue<Equal<SessionUser['roles'], string[]>>()
expectTrue<Equal<SessionUser['tenant'], string | undefined>>()

const mapUser: MapUser = (claims) => ({
  sub: claims.sub,
  issuer: 'https://issuer.example',
  roles: claims.groups === 'admin' ? ['admin'] : []
})

const app = Fastify()
await app.register(fastifyOidcLogin, { session, provider, routes: { mapUser, defaultReturnTo: '/dashboard' } })

// What mapUser returns is what the session holds and what /auth/me answers.
app.get('/admin', async (request) => {
  const user = request.session.get('user')
  expectTrue<Equal<typeof user, SessionUser | undefined>>()
  const me: AuthMeResponse | undefined = user
  return { admin: me?.roles.includes('admin') ?? false }
})

// @ts-expect-error a mapUser that leaves out a required field of SessionUser
const forgetful: MapUser = (claims) => ({ sub: claims.sub, issuer: 'https://issuer.example' })

// @ts-expect-error mapUser may not return a field of the wrong type
const wrongType: MapUser = async (claims) => ({ sub: claims.sub, issuer: 'x', roles: 'admin' })

// @ts-expect-error with required fields of yours, the default mapUser cannot fill them: routes.mapUser is required
await app.register(fastifyOidcLogin, { session, provider })

// @ts-expect-error the same for the routes plugin alone
await app.register(authRoutes, { prefix: '/auth' })

await app.register(authRoutes, { prefix: '/auth', mapUser })

// Options built ahead with the exported type register as they are.
const routeOptions: AuthRoutesOptions = { mapUser, defaultReturnTo: '/home' }
await app.register(authRoutes, { ...routeOptions, prefix: '/account' })
await app.register(authRoutes, routeOptions)
// @ts-expect-error the exported routes options type requires mapUser too
const withoutMapUser: AuthRoutesOptions = { defaultReturnTo: '/home' }

export { forgetful, wrongType, withoutMapUser }
