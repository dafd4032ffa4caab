import t, { type Test } from 'tap'
import { Signer } from '@fastify/cookie'
import { SessionCookieSigner } from '../../plugins/session/signer.js'

const CURRENT = 'current-secret-of-at-least-32-characters!'
const OLD = 'older-secret-of-at-least-32-characters!!!'

// Counts the HMACs computed for signing, to show which ones are saved.
function countSigning (t: Test): { count: number } {
  const counter = { count: 0 }
  const original = Signer.prototype.sign
  Signer.prototype.sign = function (this: Signer, value: string) {
    counter.count++
    return original.call(this, value)
  }
  t.teardown(() => { Signer.prototype.sign = original })
  return counter
}

t.test('re-signing a value it just verified gives the same signature without computing it', async (t) => {
  const reference = new Signer([CURRENT])
  const signer = new SessionCookieSigner([CURRENT])
  const cookie = reference.sign('session-id')
  const signing = countSigning(t)
  t.same(signer.unsign(cookie), { valid: true, renew: false, value: 'session-id' })
  t.equal(signer.sign('session-id'), cookie)
  t.equal(signing.count, 0, 'no HMAC computed for the re-signing')
  t.equal(signer.sign('session-id'), cookie, 'and the same result when asked again')
  t.equal(signing.count, 1, 'computed then: each verification saves one signing')
})

t.test('signs values it did not verify, and refuses what does not verify', async (t) => {
  const reference = new Signer([CURRENT])
  const signer = new SessionCookieSigner([CURRENT])
  t.equal(signer.sign('fresh-id'), reference.sign('fresh-id'))
  const forged = 'session-id.' + 'A'.repeat(43)
  t.equal(signer.unsign(forged).valid, false)
  t.equal(signer.sign('session-id'), reference.sign('session-id'), 'a forged signature is never handed back')
})

t.test('a cookie signed with an older key is re-signed with the current one', async (t) => {
  const signer = new SessionCookieSigner([CURRENT, OLD])
  const oldCookie = new Signer([OLD]).sign('session-id')
  t.same(signer.unsign(oldCookie), { valid: true, renew: true, value: 'session-id' })
  t.equal(signer.sign('session-id'), new Signer([CURRENT]).sign('session-id'))
})

t.test('remembers a bounded number of values', async (t) => {
  const reference = new Signer([CURRENT])
  const signer = new SessionCookieSigner([CURRENT])
  for (let i = 0; i < 5000; i++) signer.unsign(reference.sign(`id-${i}`))
  const signing = countSigning(t)
  t.equal(signer.sign('id-4999'), reference.sign('id-4999'))
  t.equal(signing.count, 1, 'one for the reference only: the newest is still remembered')
  t.equal(signer.sign('id-0'), reference.sign('id-0'), 'the oldest were forgotten, and are signed again')
})

t.test('a request with a session verifies its cookie once and signs nothing', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { session } = await import('../../plugins/session/index.js')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(session, { secret: CURRENT, secure: false })
  app.get('/write', async (request) => { request.session.set('user', { sub: 'ada', issuer: 'https://id.example' }); return 'ok' })
  app.get('/read', async (request) => ({ sub: request.session.get('user')?.sub ?? null }))
  const write = await app.inject('/write')
  const cookie = String(write.headers['set-cookie']).split(';')[0]!
  const signing = countSigning(t)
  const read = await app.inject({ url: '/read', headers: { cookie } })
  t.same(read.json(), { sub: 'ada' })
  t.equal(signing.count, 0, 'the signed id comes from the verified cookie')
})
