import t from 'tap'
import { buildExample } from '../../example/app.js'
import { authorizeAtProvider, sessionCookie } from '../helpers/login.js'

t.test('the example boots with no configuration and signs in at its embedded provider', async (t) => {
  const { app, devProvider } = await buildExample({ PORT: '3999' }, false)
  t.teardown(() => app.close())
  await app.ready()
  t.ok(devProvider, 'an embedded provider was started')

  const home = await app.inject('/')
  t.equal(home.statusCode, 200)
  t.match(home.body, /href="\/auth\/login\?returnTo=\/dashboard"[^>]*>Log in/)

  const anonymous = await app.inject('/dashboard')
  t.equal(anonymous.statusCode, 302, 'the dashboard needs a signed-in user')

  const login = await app.inject('/auth/login?returnTo=/dashboard')
  t.equal(login.statusCode, 302)
  const callbackUrl = await authorizeAtProvider(new URL(login.headers.location as string), 'Newcomer')
  const callback = await app.inject({ url: callbackUrl.pathname + callbackUrl.search, headers: { cookie: sessionCookie(login)! } })
  t.equal(callback.statusCode, 302)
  t.equal(callback.headers.location, '/dashboard')
  const dashboard = await app.inject({ url: '/dashboard', headers: { cookie: sessionCookie(callback)! } })
  t.equal(dashboard.statusCode, 200)
  t.match(dashboard.body, /Welcome, <strong id="user-name">Newcomer<\/strong>/)
})

t.test('the example shows a failed login\'s error code, not a stack', async (t) => {
  const { app } = await buildExample({ PORT: '3999' }, false)
  t.teardown(() => app.close())
  const res = await app.inject('/auth/callback?code=x&state=y')
  t.equal(res.statusCode, 303)
  const page = await app.inject(res.headers.location as string)
  t.match(page.body, /<code id="error-code">FST_OIDC_NO_TRANSACTION<\/code>/)
  t.notMatch(page.body, /at .*\.ts:\d+/)
})
