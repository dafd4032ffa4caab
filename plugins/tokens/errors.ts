import createError from '@fastify/error'

/** A tokens option is missing or invalid; thrown at registration so `ready()` fails. */
export const TokensOptionError = createError('FST_OIDC_TOKENS_OPTION', '%s', 500, TypeError)

/** The request has no signed-in session with provider tokens (not signed in, or `storeTokens` is off). */
export const NoTokensError = createError('FST_OIDC_NO_TOKENS', 'No provider tokens for this session', 401)

/**
 * The provider ended this sign-in: the refresh token was refused (revoked,
 * expired, reused), or a refreshed ID token named another user or issuer.
 * The session has been destroyed.
 */
export const SessionEndedError = createError('FST_OIDC_SESSION_ENDED', 'The sign-in has ended; sign in again', 401)

/** Another instance is refreshing this session's tokens and did not finish within the bounded wait. */
export const RefreshBusyError = createError('FST_OIDC_REFRESH_BUSY', 'Token refresh in progress; retry', 503)
