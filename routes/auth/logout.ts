import type { FastifyRequest } from 'fastify'
import type { OAuth2Client } from '../../plugins/oauth2/index.js'
import type { OidcSessions } from '../../plugins/tokens/index.js'
import type { ResolvedRoutesOptions } from './options.js'

/**
 * Ends the request's sign-in: forgets its record (tokens, logout indexes),
 * destroys the session, optionally revokes the provider token, and returns
 * the provider's end-session URL when RP-initiated logout is on.
 *
 * The URL carries only configured values (`post_logout_redirect_uri` from
 * the options, never from the request) and the ID token as `id_token_hint`.
 */
export async function signOut (request: FastifyRequest, client: OAuth2Client, sessions: OidcSessions | undefined, opts: ResolvedRoutesOptions): Promise<URL | undefined> {
  const session = request.session
  const sessionId = session.sessionId
  const signedIn = session.get('user') !== undefined
  // The session goes first: whatever fails afterwards, the user is signed out.
  if (signedIn || session.get('oidcLogins') !== undefined) {
    await session.destroy()
  }
  let record
  if (signedIn && sessions !== undefined) {
    try {
      record = await sessions.forget(sessionId)
    } catch (err) {
      // The record (tokens, index entries) expires with its TTL.
      request.log.warn({ code: (err as { code?: unknown }).code }, 'could not remove the sign-in record at logout')
    }
  }
  const tokens = record?.tokens
  if (opts.revokeTokensOnLogout && tokens !== undefined) {
    const [token, hint] = tokens.refreshToken !== undefined
      ? [tokens.refreshToken, 'refresh_token' as const]
      : [tokens.accessToken, 'access_token' as const]
    try {
      await client.revokeToken(token, hint)
    } catch (err) {
      // The local session is gone either way; the token expires by itself.
      request.log.warn({ code: (err as { code?: unknown }).code }, 'token revocation at logout failed')
    }
  }
  if (!opts.providerLogout || !signedIn) return undefined
  return await client.endSessionUrl(record?.idToken, opts.postLogoutRedirectUri)
}
