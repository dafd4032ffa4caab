import type { Test } from 'tap'
import type { ClientMetadata, Configuration } from 'oidc-provider'
import { startDevProvider, type DevProvider } from '../../example/dev-provider.js'

/** The client every test app is registered as at the test provider. */
export const TEST_CLIENT_ID = 'test-app'
export const TEST_CLIENT_SECRET = 'test-client-secret-0123456789abcdef'
/** The app is never listened on in tests; the redirect URI only has to match. */
export const TEST_REDIRECT_URI = 'http://127.0.0.1:3999/auth/callback'

/** Counts of requests the provider received, by path. */
export type RequestCounts = Map<string, number>

export interface TestProvider extends DevProvider {
  requests: RequestCounts
}

/**
 * Starts a real oidc-provider on loopback for one test, closed at teardown,
 * counting the requests it receives per path.
 */
export async function startProvider (t: Test, options: { clients?: ClientMetadata[], configuration?: Partial<Configuration> } = {}): Promise<TestProvider> {
  const dev = await startDevProvider({
    clients: options.clients ?? [{
      client_id: TEST_CLIENT_ID,
      client_secret: TEST_CLIENT_SECRET,
      redirect_uris: [TEST_REDIRECT_URI],
      post_logout_redirect_uris: ['http://127.0.0.1:3999/']
    }],
    configuration: options.configuration
  })
  const requests: RequestCounts = new Map()
  dev.server.prependListener('request', (req) => {
    const path = (req.url ?? '').split('?', 1)[0] ?? ''
    requests.set(path, (requests.get(path) ?? 0) + 1)
  })
  t.teardown(() => dev.close())
  return { ...dev, requests }
}
