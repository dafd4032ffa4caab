/** The apps the benchmark compares, each run in a process of its own. */
export const READ_CASES = [
  'bare',
  'ours-memory',
  'hand-rolling-off-memory',
  'hand-defaults-memory',
  'ours-redis',
  'ours-plain-client-redis',
  'hand-rolling-off-redis',
  'hand-defaults-redis'
] as const

export type CaseName = typeof READ_CASES[number]

/** What each case is, for the printed tables. */
export const CASE_LABELS: Record<CaseName, string> = {
  bare: 'bare Fastify, same JSON, no session',
  'ours-memory': 'fastify-oidc-login, memory store',
  'hand-rolling-off-memory': 'hand-built, rolling off, memory store',
  'hand-defaults-memory': 'hand-built, @fastify/session defaults, memory store',
  'ours-redis': 'fastify-oidc-login, Redis (redis: { url })',
  'ours-plain-client-redis': 'fastify-oidc-login, Redis, the hand-built client',
  'hand-rolling-off-redis': 'hand-built, rolling off, Redis',
  'hand-defaults-redis': 'hand-built, @fastify/session defaults, Redis'
}

export const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef'
export const SESSION_SECRET = 'bench-session-secret-of-at-least-32-characters'

/** The registered client of a case at the benchmark's provider. */
export function clientId (name: CaseName): string {
  return `bench-${name}`
}

export function redirectUri (port: number): string {
  return `http://127.0.0.1:${port}/auth/callback`
}

export function usesRedis (name: CaseName): boolean {
  return name.endsWith('-redis')
}
