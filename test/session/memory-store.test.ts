import t from 'tap'
import type { Session } from 'fastify'
import { MemorySessionStore } from '../../plugins/session/index.js'

const session = (expires?: Date) => ({ cookie: { originalMaxAge: null, expires }, user: { sub: 'x', issuer: 'i' } }) as unknown as Session
const get = (store: MemorySessionStore, id: string) => new Promise<Session | null | undefined>((resolve, reject) => store.get(id, (err, s) => err ? reject(err) : resolve(s)))
const set = (store: MemorySessionStore, id: string, s: Session) => new Promise<void>((resolve) => store.set(id, s, () => resolve()))

t.test('holds at most maxEntries sessions, dropping the oldest', async (t) => {
  const store = new MemorySessionStore({ maxEntries: 3 })
  for (const id of ['a', 'b', 'c', 'd']) await set(store, id, session())
  t.equal(store.size, 3)
  t.equal(await get(store, 'a'), null, 'the oldest is gone')
  t.ok(await get(store, 'd'))
})

t.test('expires entries at the session cookie expiry', async (t) => {
  const store = new MemorySessionStore()
  await set(store, 'old', session(new Date(Date.now() - 1)))
  await set(store, 'new', session(new Date(Date.now() + 60_000)))
  t.equal(await get(store, 'old'), null)
  t.ok(await get(store, 'new'))
})

t.test('stores a copy, not the live object', async (t) => {
  const store = new MemorySessionStore()
  const s = session()
  await set(store, 'id', s)
  ;(s as unknown as { user: { sub: string } }).user.sub = 'changed'
  t.equal(((await get(store, 'id')) as unknown as { user: { sub: string } }).user.sub, 'x')
})

t.test('drops logins in progress before signed-in sessions when full', async (t) => {
  const store = new MemorySessionStore({ maxEntries: 3 })
  await set(store, 'signed-in', session())
  const anonymous = { cookie: { originalMaxAge: null }, oidcLogins: [] } as unknown as Session
  for (let i = 0; i < 10; i++) await set(store, `login-${i}`, anonymous)
  t.equal(store.size, 3)
  t.ok(await get(store, 'signed-in'), 'a flood of anonymous logins does not sign anyone out')
  t.ok(await get(store, 'login-9'), 'the newest login is kept')
  t.equal(await get(store, 'login-0'), null, 'the oldest login is dropped')
})

t.test('keeps a new login when signed-in sessions fill the store', async (t) => {
  const store = new MemorySessionStore({ maxEntries: 3 })
  for (const id of ['a', 'b', 'c']) await set(store, id, session())
  const anonymous = { cookie: { originalMaxAge: null }, oidcLogins: [] } as unknown as Session
  await set(store, 'login', anonymous)
  t.ok(await get(store, 'login'), 'the login just started is kept, or nobody new could sign in')
  t.equal(store.size, 3)
  t.equal(await get(store, 'a'), null, 'the oldest signed-in session made room')
})

t.test('a full store makes room for many writes at once, never holding more than maxEntries', async (t) => {
  const store = new MemorySessionStore({ maxEntries: 200 })
  for (let i = 0; i < 200; i++) await set(store, `s-${i}`, session())
  t.equal(store.size, 200)
  await set(store, 'one-more', session())
  t.equal(store.size, 198, 'drops 1% more than needed (the 3 oldest)')
  for (const id of ['s-0', 's-1', 's-2']) t.equal(await get(store, id), null, `${id}, among the oldest, is gone`)
  t.ok(await get(store, 's-3'))
  t.ok(await get(store, 'one-more'))
  for (let i = 0; i < 1000; i++) {
    await set(store, `flood-${i}`, session())
    if (store.size > 200) t.fail(`holds ${store.size} entries`)
  }
  t.ok(await get(store, 'flood-999'), 'the newest is kept')
})

t.test('keeps the cookie fields, with its expiry as a date', async (t) => {
  const store = new MemorySessionStore()
  const expires = new Date(Date.now() + 60_000)
  await set(store, 'id', session(expires))
  const read = await get(store, 'id') as unknown as { cookie: { expires: Date, originalMaxAge: null } }
  t.ok(read.cookie.expires instanceof Date)
  t.equal(read.cookie.expires.getTime(), expires.getTime())
  t.not(read.cookie.expires, expires, 'a copy, not the same date object')
  t.equal(read.cookie.originalMaxAge, null)
})

t.test('refuses session data JSON cannot hold with a coded error, keeping what was stored', async (t) => {
  const store = new MemorySessionStore()
  await set(store, 'id', session())
  const cyclic = session() as unknown as Record<string, unknown>
  cyclic.self = cyclic
  const err = await new Promise<unknown>((resolve) => store.set('id', cyclic as unknown as Session, resolve))
  t.match(err, { code: 'FST_OIDC_SESSION_STORE_UNAVAILABLE', statusCode: 503 })
  t.same((await get(store, 'id') as unknown as { user: unknown }).user, { sub: 'x', issuer: 'i' }, 'the earlier session is still there')
})
