import { compactVerify, createRemoteJWKSet, errors as joseErrors } from 'jose'
import { isLoopbackHost } from './config.js'
import { ProviderError, ProviderTimeoutError, TokenRejectedError } from './errors.js'

// Signature algorithms that are verified with a key the provider publishes.
// HMAC (HS*) would be verified with the client secret, which proves nothing
// about the provider, and `none` is no signature at all: neither is ever
// accepted, whatever the provider's metadata or the token's header says.
const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA', 'Ed25519'
])

// OpenID Connect Discovery: RS256 when the provider does not say.
const DEFAULT_ALGORITHMS = ['RS256']

// A re-fetch of the same keys is pointless sooner than this; a key the
// provider removed (compromised, retired) stops being accepted after it.
const KEYS_MAX_AGE_MS = 10 * 60 * 1000

/** What the verifier needs from the provider's discovery document. */
export interface SigningMetadata {
  jwks_uri?: string | undefined
  id_token_signing_alg_values_supported?: unknown
}

/** Settings of an {@link IdTokenSignatureVerifier}. */
export interface SignatureVerifierOptions {
  /** Timeout of one fetch of the key set. */
  timeoutMs: number
  /** Shortest time between two fetches caused by an unknown key id. */
  refreshIntervalMs: number
}

/**
 * The ID token signature algorithms this client accepts for a provider: the
 * asymmetric ones its metadata lists, or RS256 when it lists none. The
 * token's own `alg` header only picks among these.
 */
export function acceptedAlgorithms (metadata: SigningMetadata): string[] {
  const listed = metadata.id_token_signing_alg_values_supported
  if (!Array.isArray(listed)) return DEFAULT_ALGORITHMS
  return listed.filter((alg): alg is string => typeof alg === 'string' && ASYMMETRIC_ALGORITHMS.has(alg))
}

/**
 * Verifies ID token signatures against the provider's published key set.
 *
 * The key set is fetched on first use and cached; a token whose key is not in
 * the cache (the provider rotated its keys) triggers one fetch, at most once
 * per `refreshIntervalMs`, and is then verified against the new set.
 */
export class IdTokenSignatureVerifier {
  readonly #keys: ReturnType<typeof createRemoteJWKSet>
  readonly #algorithms: string[]

  constructor (metadata: SigningMetadata, options: SignatureVerifierOptions) {
    if (typeof metadata.jwks_uri !== 'string' || !URL.canParse(metadata.jwks_uri)) {
      throw new ProviderError({ cause: new Error('the provider publishes no jwks_uri, so ID token signatures cannot be verified') })
    }
    const jwksUri = new URL(metadata.jwks_uri)
    if (jwksUri.protocol !== 'https:' && !(jwksUri.protocol === 'http:' && isLoopbackHost(jwksUri.hostname))) {
      throw new ProviderError({ cause: new Error('the provider\'s jwks_uri must use https') })
    }
    this.#algorithms = acceptedAlgorithms(metadata)
    if (this.#algorithms.length === 0) {
      throw new ProviderError({ cause: new Error('the provider signs ID tokens with no algorithm that can be verified against its published keys') })
    }
    this.#keys = createRemoteJWKSet(jwksUri, {
      timeoutDuration: options.timeoutMs,
      cooldownDuration: options.refreshIntervalMs,
      cacheMaxAge: KEYS_MAX_AGE_MS
    })
  }

  /** The provider's key set, cached, for verifying other JWTs it signs (logout tokens). */
  get keys (): ReturnType<typeof createRemoteJWKSet> {
    return this.#keys
  }

  /** The algorithms accepted for this provider. */
  get algorithms (): readonly string[] {
    return this.#algorithms
  }

  /** Resolves when `idToken` carries a valid signature by one of the provider's keys; throws a coded error otherwise. */
  async verify (idToken: string): Promise<void> {
    try {
      await compactVerify(idToken, this.#keys, { algorithms: this.#algorithms })
    } catch (err) {
      throw toSignatureError(err)
    }
  }
}

function toSignatureError (err: unknown): Error {
  const cause = new Error(`ID token signature: ${err instanceof joseErrors.JOSEError ? err.code : 'key set unavailable'}`)
  if (err instanceof joseErrors.JWKSTimeout || (err instanceof Error && err.name === 'TimeoutError')) {
    return new ProviderTimeoutError({ cause })
  }
  // The token is bad: unknown key, wrong signature, algorithm not accepted,
  // malformed JWS.
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys ||
    err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JOSEAlgNotAllowed ||
    err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JOSENotSupported) {
    return new TokenRejectedError({ cause })
  }
  // Fetching or reading the key set failed: the provider's fault.
  return new ProviderError({ cause })
}
