import t from 'tap'
import { buildExample } from '../../example/app.js'
import { authorizeAtProvider, sessionCookie } from '../helpers/login.js'
import { skipWithoutRedis, startRedis } from '../helpers/redis.js'

t.test('the example keeps sessions in Redis when REDIS_URL is set', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const { app } = await buildExample({ PORT: '3999', REDIS_URL: redis.url }, false)
  t.teardown(() => app.close())
  await app.ready()

  const login = await app.inject('/auth/login?returnTo=/dashboard')
  t.equal(login.statusCode, 302)
  t.equal((await redis.inspect.keys('oidc:sess:*')).length, 1, 'the login is kept in Redis')
  const callbackUrl = await authorizeAtProvider(new URL(login.headers.location as string), 'Shared')
  const callback = await app.inject({ url: callbackUrl.pathname + callbackUrl.search, headers: { cookie: sessionCookie(login)! } })
  const cookie = sessionCookie(callback)!
  const dashboard = await app.inject({ url: '/dashboard', headers: { cookie } })
  t.equal(dashboard.statusCode, 200)
  t.match(dashboard.body, /Shared/)

  const id = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).split('.', 1)[0]
  t.equal(await redis.inspect.exists(`oidc:sess:${id}`), 1, 'the signed-in session is in Redis')
})
