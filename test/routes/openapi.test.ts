import t, { type Test } from 'tap'
import Fastify from 'fastify'
import fastifySwagger from '@fastify/swagger'
import type { OpenAPIV3 } from 'openapi-types'
import fastifyOidcLogin from '../../index.js'
import { TEST_SECRET, testProviderConfig } from '../helpers/build.js'
import { startProvider } from '../helpers/provider.js'

type Operation = OpenAPIV3.OperationObject
type Parameter = OpenAPIV3.ParameterObject
type Response = OpenAPIV3.ResponseObject
type Schema = OpenAPIV3.SchemaObject

/** The OpenAPI document of an app with swagger and the all-in-one plugin under `prefix`. */
async function documentOf (t: Test, prefix?: string): Promise<OpenAPIV3.Document> {
  const provider = await startProvider(t)
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(fastifySwagger, { openapi: { info: { title: 'test', version: '1.0.0' } } })
  await app.register(fastifyOidcLogin, {
    session: { secret: TEST_SECRET, secure: false },
    provider: testProviderConfig(provider.issuer),
    routes: prefix === undefined ? undefined : { prefix }
  })
  await app.ready()
  return app.swagger() as OpenAPIV3.Document
}

function operation (doc: OpenAPIV3.Document, method: 'get' | 'post', path: string): Operation {
  const op = doc.paths[path]?.[method]
  if (op === undefined) throw new Error(`${method.toUpperCase()} ${path} is not in the document`)
  return op
}

function queryParameters (op: Operation): Record<string, { required: boolean, type: unknown }> {
  const result: Record<string, { required: boolean, type: unknown }> = {}
  for (const p of (op.parameters ?? []) as Parameter[]) {
    if (p.in !== 'query') continue
    result[p.name] = { required: p.required === true, type: (p.schema as Schema | undefined)?.type }
  }
  return result
}

function jsonSchema (response: Response | undefined): Schema | undefined {
  return response?.content?.['application/json']?.schema as Schema | undefined
}

const errorBody = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' }
  }
}

function assertRedirect (t: Test, response: Response | undefined, what: string): void {
  t.ok(response, `${what} is documented`)
  t.equal(response?.content, undefined, `${what} has no body`)
  t.match(response?.headers?.Location, { schema: { type: 'string' } }, `${what} documents its Location header`)
  t.notMatch(response?.description ?? '', /Default Response/, `${what} says what it means`)
}

function assertErrors (t: Test, op: Operation, statuses: string[], what: string): void {
  for (const status of statuses) {
    const response = op.responses[status] as Response | undefined
    t.match(jsonSchema(response), errorBody, `${what} documents ${status} with the error body`)
    t.notMatch(response?.description ?? '', /Default Response/, `${what} ${status} says what it means`)
  }
}

t.test('documents the callback query: code and state required, iss optional, all strings', async (t) => {
  const doc = await documentOf(t)
  const callback = operation(doc, 'get', '/auth/callback')
  t.same(queryParameters(callback), {
    code: { required: true, type: 'string' },
    state: { required: true, type: 'string' },
    iss: { required: false, type: 'string' }
  })
  t.same(callback.tags, ['auth'])
  t.ok(callback.summary)
})

t.test('documents the callback answers: redirects and coded errors', async (t) => {
  const doc = await documentOf(t)
  const callback = operation(doc, 'get', '/auth/callback')
  t.same(Object.keys(callback.responses).sort(), ['302', '303', '400', '401', '502', '503', '504'])
  assertRedirect(t, callback.responses['302'] as Response, 'the success redirect')
  assertRedirect(t, callback.responses['303'] as Response, 'the error-page redirect')
  assertErrors(t, callback, ['400', '401', '502', '503', '504'], 'the callback')
})

t.test('documents the login: an optional returnTo and its answers', async (t) => {
  const doc = await documentOf(t)
  const login = operation(doc, 'get', '/auth/login')
  t.same(queryParameters(login), { returnTo: { required: false, type: 'string' } })
  t.same(Object.keys(login.responses).sort(), ['302', '400', '502', '503', '504'], 'a login never answers 401')
  assertRedirect(t, login.responses['302'] as Response, 'the redirect to the provider')
  assertErrors(t, login, ['400', '502', '503', '504'], 'the login')
})

t.test('documents logout and the signed-in user', async (t) => {
  const doc = await documentOf(t)
  const logout = operation(doc, 'post', '/auth/logout')
  t.same(Object.keys(logout.responses).sort(), ['204', '303', '503'])
  t.equal((logout.responses['204'] as Response).content, undefined, '204 has no body')
  assertRedirect(t, logout.responses['303'] as Response, 'the browser redirect')
  assertErrors(t, logout, ['503'], 'logout')

  const me = operation(doc, 'get', '/auth/me')
  t.match(jsonSchema(me.responses['200'] as Response), {
    type: 'object',
    required: ['sub', 'issuer'],
    properties: { sub: { type: 'string' }, issuer: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } }
  })
  assertErrors(t, me, ['401', '503'], '/auth/me')
})

t.test('documents the routes under the configured prefix', async (t) => {
  const doc = await documentOf(t, '/account')
  const paths = Object.keys(doc.paths)
  for (const route of ['/account/callback', '/account/login', '/account/logout', '/account/me']) t.ok(paths.includes(route), `${route} is documented`)
  t.notOk(paths.some((p) => p.startsWith('/auth/')), 'nothing is documented under the default prefix')
})
