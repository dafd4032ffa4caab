import createError from '@fastify/error'

/** A session option is missing or invalid; thrown at registration so `ready()` fails. */
export const SessionOptionError = createError('FST_OIDC_SESSION_OPTION', '%s', 500, TypeError)

/** The session store failed or did not answer in time; the request cannot be served safely. */
export const SessionStoreUnavailableError = createError('FST_OIDC_SESSION_STORE_UNAVAILABLE', 'Session store unavailable', 503)
