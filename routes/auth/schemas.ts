import { Type, type Static } from '@sinclair/typebox'

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

/** The signed-in user as `/auth/me` returns it. Extra fields from `mapUser` pass through. */
export const UserBody = Type.Object({
  sub: Type.String(),
  issuer: Type.String(),
  email: Type.Optional(Type.String()),
  name: Type.Optional(Type.String())
}, { additionalProperties: true })
