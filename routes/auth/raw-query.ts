import type { FastifyRequest } from 'fastify'
import { InvalidRequestError } from './errors.js'

// The whole callback query: code (4096), state (512), iss (2048) and the few
// extra parameters providers add (session_state, scope) fit well within it.
const MAX_QUERY_LENGTH = 8192

/**
 * Refuses a callback query that is oversized or not well-formed
 * percent-encoded UTF-8 (`%ZZ`, a truncated escape, an encoded lone surrogate
 * or overlong sequence). The query parser would otherwise pass such bytes
 * through as literal text, to the schema and on to the provider.
 */
export async function rejectMalformedQuery (request: FastifyRequest): Promise<void> {
  const url = request.raw.url ?? ''
  const start = url.indexOf('?')
  if (start === -1) return
  const query = url.slice(start + 1)
  if (query.length > MAX_QUERY_LENGTH) throw new InvalidRequestError('querystring is too long')
  for (const part of query.split('&')) {
    try {
      decodeURIComponent(part.replaceAll('+', ' '))
    } catch {
      throw new InvalidRequestError('querystring is not valid percent-encoded UTF-8')
    }
  }
}
