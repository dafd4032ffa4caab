import { Type, type Static, type TNull } from '@sinclair/typebox'

// code, state and iss are VSCHAR (RFC 6749 Appendix A): printable ASCII.
// Bounding them keeps the transaction lookup and logs small whatever is sent.
const VSCHAR = '^[\\x20-\\x7E]+$'

/** Longest `state` accepted anywhere a callback is read. */
export const MAX_STATE_LENGTH = 512

/** `GET /auth/login` query. */
export const LoginQuery = Type.Object({
  returnTo: Type.Optional(Type.String({ maxLength: 2048, description: 'Same-origin path to return to after signing in' }))
})
export type LoginQuery = Static<typeof LoginQuery>

/** `GET /auth/callback` query: the documented `{ code, state }` authorization response, plus RFC 9207 `iss`. */
export const CallbackQuery = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 4096, pattern: VSCHAR, description: 'Authorization code' }),
  state: Type.String({ minLength: 1, maxLength: MAX_STATE_LENGTH, pattern: VSCHAR, description: 'CSRF state sent at login' }),
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

/** The session store failed or hung (any route that touches the session). */
export const StoreUnavailableResponse = ErrorResponse('Session store unavailable (FST_OIDC_SESSION_STORE_UNAVAILABLE)')
/** The provider failed or answered something that is not a protocol response. */
export const ProviderErrorResponse = ErrorResponse('The provider failed or answered nonsense (FST_OIDC_PROVIDER_ERROR)')
/** The provider did not answer within the configured timeout. */
export const ProviderTimeoutResponse = ErrorResponse('The provider did not answer in time (FST_OIDC_PROVIDER_TIMEOUT)')

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
