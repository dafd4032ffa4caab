import createError from '@fastify/error'

/** A provider option is missing or invalid; thrown at registration so `ready()` fails. */
export const OAuth2OptionError = createError('FST_OIDC_OAUTH2_OPTION', '%s', 500, TypeError)

/** The `state` returned by the provider is not the one this browser's login sent. */
export const StateMismatchError = createError('FST_OIDC_STATE_MISMATCH', 'Login state did not match', 401)

/** The provider answered the login with an error (the user declined, the client is not allowed, ...). */
export const ProviderDeniedError = createError('FST_OIDC_PROVIDER_DENIED', 'The provider refused the login', 401)

/** The code exchange or the ID token failed a check (signature, issuer, audience, nonce, expiry, grant). */
export const TokenRejectedError = createError('FST_OIDC_TOKEN_REJECTED', 'The provider response failed verification', 401)

/** The provider could not be reached or answered something that is not a protocol response. */
export const ProviderError = createError('FST_OIDC_PROVIDER_ERROR', 'The provider answered with an error', 502)

/** The provider did not answer within the configured timeout. */
export const ProviderTimeoutError = createError('FST_OIDC_PROVIDER_TIMEOUT', 'The provider did not answer in time', 504)

/** A back-channel logout token failed validation (signature, issuer, audience, age, events, replay). */
export const LogoutTokenRejectedError = createError('FST_OIDC_INVALID_LOGOUT_TOKEN', 'Invalid logout token', 400)
