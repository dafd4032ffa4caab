import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { SessionStore } from '@fastify/session'
import type { IdentityClaims, OAuth2Client, TokenSet } from '../oauth2/index.js'
import { LogoutTokenRejectedError, ProviderError, TokenRejectedError, oauthErrorOf } from '../oauth2/index.js'
import type { ResolvedTokensOptions } from './options.js'
import { NoTokensError, RefreshBusyError, SessionEndedError } from './errors.js'
import { jtiKey, lockKey, parseRecord, recordKey, sidKey, subKey, type SessionRecord, type StoredTokens } from './records.js'

/** A completed sign-in, as the callback hands it over. */
export interface SignIn {
  /** Verified claims of the ID token (or the plain OAuth2 profile). */
  claims: IdentityClaims
  /** The issuer to record when the claims carry none. */
  issuer: string
  tokens: TokenSet
  /** Keep access and refresh tokens (and the ID token). */
  storeTokens: boolean
  /** Keep the ID token, for RP-initiated logout. */
  keepIdToken: boolean
  /** Epoch milliseconds at which the session ends. */
  expiresAt: number
}

interface Dependencies {
  client: OAuth2Client
  sessionStore: SessionStore
  log: FastifyBaseLogger
  options: ResolvedTokensOptions
}

// How often a request waiting for another instance's refresh looks again.
const POLL_INTERVAL = 50

/**
 * The life of signed-in sessions after the callback: provider tokens with
 * single-flight refresh, userinfo, and ending sessions by our id, by the
 * provider's session id (back-channel logout) or by user ("log out
 * everywhere"). Available as `app.oidc`.
 */
export class OidcSessions {
  readonly #client: OAuth2Client
  readonly #store: SessionStore
  readonly #log: FastifyBaseLogger
  readonly #options: ResolvedTokensOptions
  // One refresh in flight per session in this process; other instances are
  // kept out by the lock in the coordination store.
  readonly #flights = new Map<string, Promise<StoredTokens>>()

  constructor (deps: Dependencies) {
    this.#client = deps.client
    this.#store = deps.sessionStore
    this.#log = deps.log
    this.#options = deps.options
  }

  /**
   * Records a completed sign-in under our (new) session id and indexes it
   * by the provider's `sid` and `sub`. Called by the login callback.
   */
  async recordSignIn (sessionId: string, signIn: SignIn): Promise<void> {
    const { claims, tokens } = signIn
    const ttl = signIn.expiresAt - Date.now()
    if (ttl <= 0) return
    const record: SessionRecord = {
      sub: claims.sub,
      iss: typeof claims.iss === 'string' ? claims.iss : signIn.issuer,
      expiresAt: signIn.expiresAt
    }
    if (typeof claims.sid === 'string' && claims.sid !== '') record.sid = claims.sid
    if ((signIn.storeTokens || signIn.keepIdToken) && tokens.idToken !== undefined) record.idToken = tokens.idToken
    if (signIn.storeTokens) record.tokens = storedTokens(tokens)
    const coordination = this.#options.coordination
    await coordination.set(recordKey(sessionId), JSON.stringify(record), ttl)
    await coordination.indexAdd(subKey(record.sub), sessionId, ttl)
    if (record.sid !== undefined) await coordination.indexAdd(sidKey(record.sid), sessionId, ttl)
  }

  /** What is recorded about a session, or `undefined`. */
  async record (sessionId: string): Promise<SessionRecord | undefined> {
    return parseRecord(await this.#options.coordination.get(recordKey(sessionId)))
  }

  /**
   * A valid access token for the session. When the stored one expires within
   * `refreshSkew` it is refreshed first, once for all concurrent requests of
   * the session on every instance.
   *
   * Throws `FST_OIDC_NO_TOKENS` (401) without stored tokens,
   * `FST_OIDC_SESSION_ENDED` (401, session destroyed) when the provider
   * refuses the refresh, `FST_OIDC_REFRESH_BUSY` (503) when another
   * instance's refresh takes too long, and provider errors (502, 504).
   */
  async accessToken (sessionId: string): Promise<string> {
    return (await this.#current(sessionId)).accessToken
  }

  /** The provider's userinfo for the session's user; the answer's `sub` must be the signed-in one. */
  async userinfo (sessionId: string): Promise<IdentityClaims> {
    const { record, accessToken } = await this.#current(sessionId)
    return await this.#client.userinfo(accessToken, record.sub)
  }

  // The session's record and a valid access token, from one read of the
  // record (a refresh never changes who the record is about).
  async #current (sessionId: string): Promise<{ record: SessionRecord, accessToken: string }> {
    const record = await this.record(sessionId)
    if (record?.tokens === undefined) throw new NoTokensError()
    if (!this.#expiring(record.tokens)) return { record, accessToken: record.tokens.accessToken }
    let flight = this.#flights.get(sessionId)
    if (flight === undefined) {
      flight = this.#refresh(sessionId).finally(() => this.#flights.delete(sessionId))
      this.#flights.set(sessionId, flight)
    }
    return { record, accessToken: (await flight).accessToken }
  }

  /**
   * Forgets a session's record and index entries (its tokens with it) and
   * returns what was recorded, for logout. Does not touch the session itself.
   */
  async forget (sessionId: string): Promise<SessionRecord | undefined> {
    const coordination = this.#options.coordination
    const record = await this.record(sessionId)
    await coordination.delete(recordKey(sessionId))
    if (record !== undefined) {
      await coordination.indexRemove(subKey(record.sub), sessionId)
      if (record.sid !== undefined) await coordination.indexRemove(sidKey(record.sid), sessionId)
    }
    return record
  }

  /** Destroys one of our sessions by id, in the session store and here. */
  async destroySession (sessionId: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#store.destroy(sessionId, (err?: unknown) => { err === undefined || err === null ? resolve() : reject(err) })
    })
    await this.forget(sessionId)
  }

  /**
   * Log out everywhere: destroys every session of one provider subject, on
   * every instance sharing the coordination store. Resolves the number of
   * sessions ended.
   *
   * @example
   * app.post('/account/logout-everywhere', async (request) => {
   *   await app.oidc.logoutEverywhere(request.session.get('user')!.sub)
   * })
   */
  async logoutEverywhere (sub: string): Promise<number> {
    return await this.#destroyIndexed(subKey(sub))
  }

  /**
   * Handles a back-channel logout token: validates it, refuses a replayed
   * one, then destroys every session of its `sid` (or, without `sid`, of its
   * `sub`). Throws `FST_OIDC_INVALID_LOGOUT_TOKEN` (400), destroying nothing,
   * when the token is refused. Resolves the number of sessions ended.
   */
  async backchannelLogout (logoutToken: string): Promise<number> {
    const claims = await this.#client.verifyLogoutToken(logoutToken)
    const replayTtl = claims.replayUntil * 1000 - Date.now()
    const marker = jtiKey(claims.iss, claims.jti)
    const fresh = await this.#options.coordination.add(marker, '1', Math.max(replayTtl, 1000))
    if (!fresh) throw new LogoutTokenRejectedError({ cause: new Error('replayed jti') })
    let ended: number
    try {
      ended = claims.sid !== undefined
        ? await this.#destroyIndexed(sidKey(claims.sid), claims.sub)
        : await this.#destroyIndexed(subKey(claims.sub as string))
    } catch (err) {
      // The provider retries a failed delivery; its retry must not be
      // refused as a replay while the sessions are still alive.
      await this.#options.coordination.delete(marker).catch(() => {})
      throw err
    }
    this.#log.info({ ended }, 'back-channel logout')
    return ended
  }

  async #destroyIndexed (key: string, sub?: string): Promise<number> {
    const coordination = this.#options.coordination
    let ended = 0
    for (const sessionId of await coordination.indexMembers(key)) {
      if (sub !== undefined) {
        // A logout token naming both only ends sessions of that user.
        const record = await this.record(sessionId)
        if (record !== undefined && record.sub !== sub) continue
      }
      await this.destroySession(sessionId)
      await coordination.indexRemove(key, sessionId)
      ended++
    }
    return ended
  }

  #expiring (tokens: StoredTokens): boolean {
    return tokens.expiresAt !== undefined && tokens.expiresAt - this.#options.refreshSkew <= Date.now()
  }

  async #refresh (sessionId: string): Promise<StoredTokens> {
    const { coordination, lockTtl, refreshWait } = this.#options
    const deadline = Date.now() + refreshWait
    const holder = randomUUID()
    for (;;) {
      if (await coordination.add(lockKey(sessionId), holder, lockTtl)) {
        try {
          return await this.#refreshHoldingLock(sessionId)
        } finally {
          await coordination.deleteIfEqual(lockKey(sessionId), holder).catch((err: unknown) => {
            this.#log.warn({ err }, 'could not release the refresh lock; it expires by itself')
          })
        }
      }
      // Another instance is refreshing: wait for its result, within bounds.
      await sleep(POLL_INTERVAL)
      const record = await this.record(sessionId)
      if (record?.tokens === undefined) throw new SessionEndedError()
      if (!this.#expiring(record.tokens)) return record.tokens
      if (Date.now() >= deadline) throw new RefreshBusyError()
    }
  }

  async #refreshHoldingLock (sessionId: string): Promise<StoredTokens> {
    // Read again under the lock: the previous holder may have refreshed already.
    const record = await this.record(sessionId)
    if (record?.tokens === undefined) throw new SessionEndedError()
    if (!this.#expiring(record.tokens)) return record.tokens
    const refreshToken = record.tokens.refreshToken
    if (refreshToken === undefined) {
      return await this.#end(sessionId, 'the access token expired and there is no refresh token')
    }
    let fresh: TokenSet
    try {
      fresh = await this.#client.refreshToken(refreshToken)
    } catch (err) {
      // The provider refused the grant (revoked, expired, reused): the
      // sign-in is over. Anything else (invalid_client after a secret
      // rotation, slow_down, an unreachable provider) is not the user's
      // doing and leaves the session be.
      const oauthError = oauthErrorOf(err)
      if (oauthError === 'invalid_grant') return await this.#end(sessionId, 'the provider refused the refresh token', err)
      if (oauthError !== undefined && !(err instanceof ProviderError)) throw new ProviderError({ cause: (err as Error).cause })
      // Tokens that fail verification (a refreshed ID token with a bad
      // signature or claims) cannot be trusted, and neither can the sign-in.
      if (err instanceof TokenRejectedError) return await this.#end(sessionId, 'the refreshed tokens failed verification', err)
      throw err
    }
    if (fresh.claims !== undefined && (fresh.claims.sub !== record.sub || fresh.claims.iss !== record.iss)) {
      return await this.#end(sessionId, 'a refreshed ID token names another subject or issuer')
    }
    const tokens = storedTokens(fresh)
    // Rotation: the new refresh token replaces the old; a provider that does
    // not rotate keeps the old one valid.
    if (tokens.refreshToken === undefined && refreshToken !== undefined) tokens.refreshToken = refreshToken
    if (tokens.scope === undefined && record.tokens.scope !== undefined) tokens.scope = record.tokens.scope
    const updated: SessionRecord = { ...record, tokens }
    if (record.idToken !== undefined && fresh.idToken !== undefined) updated.idToken = fresh.idToken
    const ttl = record.expiresAt - Date.now()
    if (ttl <= 0) return await this.#end(sessionId, 'the session expired')
    // Only while the record exists: a logout during the refresh removed it,
    // and must not find the new refresh token written back afterwards.
    if (!await this.#options.coordination.replace(recordKey(sessionId), JSON.stringify(updated), ttl)) {
      throw new SessionEndedError({ cause: new Error('the session ended during the refresh') })
    }
    return tokens
  }

  async #end (sessionId: string, why: string, cause?: unknown): Promise<never> {
    this.#log.info({ reason: why, code: (cause as { code?: unknown } | undefined)?.code }, 'sign-in ended')
    await this.destroySession(sessionId)
    throw new SessionEndedError({ cause: new Error(why) })
  }
}

function storedTokens (tokens: TokenSet): StoredTokens {
  const stored: StoredTokens = { accessToken: tokens.accessToken, tokenType: tokens.tokenType }
  if (tokens.expiresAt !== undefined) stored.expiresAt = tokens.expiresAt
  if (tokens.refreshToken !== undefined) stored.refreshToken = tokens.refreshToken
  if (tokens.scope !== undefined) stored.scope = tokens.scope
  return stored
}
