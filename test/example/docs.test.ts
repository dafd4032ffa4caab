import t from 'tap'
import { buildExample } from '../../example/app.js'

t.test('the example serves its OpenAPI document at /docs/json with the auth routes only', async (t) => {
  const { app } = await buildExample({ PORT: '3999' }, false)
  t.teardown(() => app.close())
  const res = await app.inject('/docs/json')
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.match(doc.openapi, /^3\./)
  const paths = Object.keys(doc.paths)
  for (const route of ['/auth/callback', '/auth/login', '/auth/logout', '/auth/me']) t.ok(paths.includes(route), `${route} is documented`)
  t.same(paths.filter((p) => !p.startsWith('/auth/')), [], 'the HTML pages and the UI stay out')
  t.equal(doc.paths['/auth/callback'].get.parameters.find((p: { name: string }) => p.name === 'code').required, true)
})

t.test('the example serves Swagger UI at /docs from its own assets, with no outside URL', async (t) => {
  const { app } = await buildExample({ PORT: '3999' }, false)
  t.teardown(() => app.close())
  const page = await app.inject('/docs')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
  t.ok(assets.some((a) => a.endsWith('swagger-ui-bundle.js')), 'the page loads the Swagger UI bundle')
  for (const asset of assets) {
    t.notMatch(asset, /^(https?:)?\/\//, `${asset} is served locally`)
    const url = new URL(asset, 'http://127.0.0.1:3999/docs/').pathname
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, `${url} is served`)
  }
  const init = await app.inject('/docs/static/swagger-initializer.js')
  t.match(init.body, /validatorUrl: null/, 'no outside validator badge')
  t.match(init.body, /url: resolveUrl\('\.\/json'\)/, 'the UI reads the document served beside it')
})
