import { Type, type Static, type TNull } from '@sinclair/typebox'

// code, state and iss are VSCHAR (RFC 6749 Appendix A): printable ASCII.
// Bounding them keeps the transaction lookup and logs small whatever is sent.
const VSCHAR = '^[\\x20-\\x7E]+$'

/** `GET /auth/login` query. */
export const LoginQuery = Type.Object({
  returnTo: Type.Optional(Type.String({ maxLength: 2048, description: 'Same-origin path to return to after signing in' }))
})
export type LoginQuery = Static<typeof LoginQuery>

/** `GET /auth/callback` query: the documented `{ code, state }` authorization response, plus RFC 9207 `iss`. */
export const CallbackQuery = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 4096, pattern: VSCHAR, description: 'Authorization code' }),
  state: Type.String({ minLength: 1, maxLength: 512, pattern: VSCHAR, description: 'CSRF state sent at login' }),
  iss: Type.Optional(Type.String({ maxLength: 2048, pattern: VSCHAR, description: 'Issuer of the response (RFC 9207)' }))
})
export type CallbackQuery = Static<typeof CallbackQuery>

/** The body of every error answer. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'Stable error code, FST_OIDC_*' }),
  error: Type.String(),
  message: Type.String()
})

/**
 * An error answer for the OpenAPI document: the error body, described by what
 * the status means on this route (@fastify/swagger takes the response's
 * description from the schema's).
 */
export function ErrorResponse (description: string): typeof ErrorBody {
  return Type.Object(ErrorBody.properties, { description })
}

/**
 * A redirect answer: no body, a `Location` header. Its `type: 'null'` keeps
 * @fastify/swagger from documenting a JSON body for it.
 */
export function RedirectResponse (description: string): TNull {
  return Type.Null({ description, headers: { Location: { type: 'string', description: 'Where the browser goes next' } } })
}

/**
 * An answer with no body at all (204). A plain schema rather than
 * `Type.Null()`, so the typed `reply.send()` needs no argument.
 */
export function EmptyResponse (description: string): { type: 'null', description: string } {
  return { type: 'null', description }
}

/** The signed-in user as `/auth/me` returns it. Extra fields from `mapUser` pass through. */
export const UserBody = Type.Object({
  sub: Type.String(),
  issuer: Type.String(),
  email: Type.Optional(Type.String()),
  name: Type.Optional(Type.String())
}, { additionalProperties: true, description: 'The signed-in user, as mapUser built it' })
