import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type {} from '../../plugins/tokens/index.js'
import { EmptyResponse, ErrorResponse, ProviderErrorResponse, ProviderTimeoutResponse, StoreUnavailableResponse } from './schemas.js'

/** `POST /auth/backchannel-logout` body. */
export const BackchannelLogoutBody = Type.Object({
  logout_token: Type.String({ minLength: 1, maxLength: 8192, pattern: '^[A-Za-z0-9_\\-.]+$', description: 'The logout token (a signed JWT)' })
}, { additionalProperties: true })

// A logout token is a few hundred bytes to a few kilobytes.
const BODY_LIMIT = 16 * 1024

/**
 * OpenID Connect Back-Channel Logout 1.0: the provider posts a logout token
 * here and every session of that provider session (or user) ends, on every
 * instance sharing the coordination store. A token that fails a check gets
 * 400 and ends nothing. Registered by the auth routes with `backchannelLogout`.
 */
export async function backchannelLogoutRoute (app: FastifyInstance): Promise<void> {
  // The parent context parses logout forms into nothing; this route needs the body.
  app.removeContentTypeParser('application/x-www-form-urlencoded')
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    const params = new URLSearchParams(body as string)
    const parsed: Record<string, string | string[]> = {}
    for (const name of new Set(params.keys())) {
      const values = params.getAll(name)
      parsed[name] = values.length === 1 ? values[0]! : values
    }
    done(null, parsed)
  })

  app.withTypeProvider<TypeBoxTypeProvider>().post('/backchannel-logout', {
    schema: {
      summary: 'Back-channel logout: the provider ends sessions',
      tags: ['auth'],
      consumes: ['application/x-www-form-urlencoded'],
      body: BackchannelLogoutBody,
      response: {
        200: EmptyResponse('Sessions ended'),
        400: ErrorResponse('The logout token was refused (FST_OIDC_INVALID_LOGOUT_TOKEN or FST_OIDC_INVALID_REQUEST)'),
        502: ProviderErrorResponse,
        503: StoreUnavailableResponse,
        504: ProviderTimeoutResponse
      }
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    try {
      await app.oidc.backchannelLogout(request.body.logout_token)
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (code === 'FST_OIDC_INVALID_LOGOUT_TOKEN') {
        request.log.info({ code, cause: ((err as Error).cause as Error | undefined)?.message }, 'logout token refused')
      }
      throw err
    }
    return reply.code(200).send()
  })
}
