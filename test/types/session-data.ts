// Compiled by `npm run typecheck` (tsc -p test/types) against the emitted
// declarations, as a user of the package sees them. Every `@ts-expect-error`
// must hit an error, or the check fails.
import Fastify from 'fastify'
import type { AuthMeResponse, SessionUser } from 'fastify-oidc-login'
import { expectTrue, type Equal } from './expect.js'

declare module 'fastify' {
  interface Session {
    /** Items this browser put in its cart. */
    cart?: string[]
  }
}

const app = Fastify()

app.get('/cart', async (request) => {
  // Typed through the package alone: importing it brings in the session
  // decorator's types, no import of @fastify/session needed.
  const cart = request.session.get('cart')
  expectTrue<Equal<typeof cart, string[] | undefined>>()
  expectTrue<Equal<typeof request.session.cart, string[] | undefined>>()
  request.session.set('cart', [...(cart ?? []), 'book'])

  // The keys the library keeps are typed too.
  expectTrue<Equal<ReturnType<typeof request.session.get<'user'>>, SessionUser | undefined>>()
  expectTrue<Equal<AuthMeResponse, SessionUser>>()

  // @ts-expect-error a key nobody declared cannot be read
  request.session.get('basket')
  // @ts-expect-error a declared key cannot be read as another type
  const count: number | undefined = request.session.get('cart')
  // @ts-expect-error a declared key cannot be given a value of another type
  request.session.set('cart', 3)
  // @ts-expect-error the user is the library's: no arbitrary value
  request.session.set('user', { name: 'no subject' })

  return { items: count }
})
