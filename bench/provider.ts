// The benchmark's OpenID Provider (oidc-provider, development sign-in), in a
// process of its own so that its cost is not charged to the apps measured.
// BENCH_PROVIDER_PORT, BENCH_CLIENTS (JSON client metadata); tells `{ issuer }`.
import type { ClientMetadata } from 'oidc-provider'
import { startDevProvider } from '../example/dev-provider.js'

const clients = JSON.parse(process.env.BENCH_CLIENTS ?? '[]') as ClientMetadata[]
const provider = await startDevProvider({ port: Number(process.env.BENCH_PROVIDER_PORT), clients })
process.send?.({ issuer: provider.issuer })
process.once('SIGTERM', () => {
  provider.close().finally(() => process.exit(0))
})
