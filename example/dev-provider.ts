import { createServer, type Server } from 'node:http'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider'

/** Options of the embedded development provider. */
export interface DevProviderOptions {
  /** Loopback address to listen on. Default 127.0.0.1. */
  host?: string
  /** Port; 0 picks a free one. Default 0. */
  port?: number
  /** The clients this provider knows. */
  clients: ClientMetadata[]
  /** Settings merged over the defaults, for tests that need other behaviour. */
  configuration?: Partial<Configuration>
}

/** A running development provider. */
export interface DevProvider {
  /** Issuer URL, for `OAuth2Config.discover`. */
  issuer: string
  provider: Provider
  server: Server
  close (): Promise<void>
}

/**
 * Starts a real OpenID Provider (oidc-provider) on loopback with its
 * built-in development sign-in pages: any username and password sign in, and
 * the username becomes `sub`, `name` and the local part of `email`.
 *
 * For local development and tests only: keys are generated at start and the
 * sign-in pages check nothing.
 */
export async function startDevProvider (options: DevProviderOptions): Promise<DevProvider> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://${host}:${port}`

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `dev-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' }

  const provider = new Provider(issuer, {
    clients: options.clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name']
    },
    // Put the profile and email claims in the ID token too, as most hosted
    // providers do, so a login needs no extra userinfo call.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true }
    },
    async findAccount (_ctx, id) {
      return {
        accountId: id,
        async claims () {
          return { sub: id, name: id, email: `${id.toLowerCase().replace(/[^a-z0-9._-]/g, '')}@example.test`, email_verified: true }
        }
      }
    },
    ...options.configuration
  })
  server.on('request', provider.callback())

  return {
    issuer,
    provider,
    server,
    async close () {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
