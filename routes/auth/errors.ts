import createError from '@fastify/error'

/** A routes option is missing or invalid, or a plugin the routes need is not registered. */
export const RoutesOptionError = createError('FST_OIDC_ROUTES_OPTION', '%s', 500, TypeError)

/** The request is malformed (missing or oversized parameters, bad characters, repeated parameters). */
export const InvalidRequestError = createError('FST_OIDC_INVALID_REQUEST', 'Invalid request: %s', 400)

/** The callback has no login transaction in this browser's session: never started here, already used, or expired. */
export const NoTransactionError = createError('FST_OIDC_NO_TRANSACTION', 'No login in progress for this browser', 401)

/** The login transaction is older than the configured login timeout. */
export const LoginExpiredError = createError('FST_OIDC_LOGIN_EXPIRED', 'The login took too long; start again', 401)

/** The request needs a signed-in user and there is none. */
export const UnauthenticatedError = createError('FST_OIDC_UNAUTHENTICATED', 'Not signed in', 401)
