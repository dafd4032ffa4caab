import t from 'tap'
import type { FastifySessionObject } from '@fastify/session'
import { addTransaction, clearTransactions, takeTransaction, type LoginTransaction } from '../../routes/auth/transactions.js'

// The part of a session the transactions use: get and set of plain data.
function sessionData (initial: Record<string, unknown> = {}): FastifySessionObject {
  const data: Record<string, unknown> = { ...initial }
  return { get: (key: string) => data[key], set: (key: string, value: unknown) => { data[key] = value } } as unknown as FastifySessionObject
}

const tx = (state: string, createdAt = Date.now()): LoginTransaction => ({ state, pkceVerifier: `v-${state}`, nonce: `n-${state}`, returnTo: `/${state}`, createdAt })
const LIFETIME = 60_000

t.test('keeps up to five logins of one browser, dropping the oldest', async (t) => {
  const session = sessionData()
  for (const state of ['a', 'b', 'c', 'd', 'e', 'f']) addTransaction(session, tx(state), LIFETIME)
  t.same((session.get('oidcLogins') ?? []).map((p) => p.state), ['b', 'c', 'd', 'e', 'f'])
})

t.test('drops expired logins when adding one', async (t) => {
  const session = sessionData({ oidcLogins: [tx('old', Date.now() - LIFETIME - 1), tx('recent')] })
  addTransaction(session, tx('new'), LIFETIME)
  t.same((session.get('oidcLogins') ?? []).map((p) => p.state), ['recent', 'new'])
})

t.test('takes exactly the login whose state matches', async (t) => {
  const session = sessionData()
  for (const state of ['a', 'b', 'c']) addTransaction(session, tx(state), LIFETIME)
  const { tx: taken, hadPending } = takeTransaction(session, 'b')
  t.equal(taken?.returnTo, '/b')
  t.equal(hadPending, true)
  t.same((session.get('oidcLogins') ?? []).map((p) => p.state), ['a', 'c'], 'the other tabs keep theirs')
  t.same(takeTransaction(session, 'b'), { tx: undefined, hadPending: true }, 'a state is taken once')
  t.same(takeTransaction(session, 'b-longer'), { tx: undefined, hadPending: true }, 'a longer state is no match')
  takeTransaction(session, 'a')
  takeTransaction(session, 'c')
  t.equal(session.get('oidcLogins'), undefined, 'the last one taken leaves nothing behind')
  t.same(takeTransaction(session, 'a'), { tx: undefined, hadPending: false })
})

t.test('reads pending logins of another shape as none, and replaces them', async (t) => {
  const session = sessionData({ oidcLogins: { someKey: tx('a') } })
  t.same(takeTransaction(session, 'a'), { tx: undefined, hadPending: false })
  addTransaction(session, tx('b'), LIFETIME)
  t.same((session.get('oidcLogins') ?? []).map((p) => p.state), ['b'])
  clearTransactions(session)
  t.equal(session.get('oidcLogins'), undefined)
})

t.test('ignores damaged records instead of failing or skipping the expiry', async (t) => {
  const good = tx('good')
  const { createdAt: _dropped, ...noCreatedAt } = tx('no-time')
  const session = sessionData({ oidcLogins: [null, 'text', { state: 1 }, noCreatedAt, good] })
  t.same(takeTransaction(session, 'no-time'), { tx: undefined, hadPending: true }, 'a record without its time never matches')
  addTransaction(session, tx('new'), LIFETIME)
  t.same((session.get('oidcLogins') ?? []).map((p) => p.state), ['good', 'new'], 'adding keeps only well-formed records')
})
