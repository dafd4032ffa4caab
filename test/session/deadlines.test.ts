import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Deadlines } from '../../plugins/session/deadlines.js'

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

t.test('expires only the calls that did not finish, after the timeout', async (t) => {
  const deadlines = new Deadlines(50)
  const expired: number[] = []
  const started = Date.now()
  const finishes = [0, 1, 2, 3].map((n) => deadlines.start(() => expired.push(n)))
  t.equal(finishes[1]!(), true, 'a call finishing in time is told so')
  t.equal(finishes[3]!(), true)
  await sleep(20)
  t.same(expired, [], 'nothing expires before the timeout')
  await sleep(100)
  t.same(expired, [0, 2], 'the unfinished calls expire, in order')
  t.ok(Date.now() - started >= 50)
  t.equal(finishes[0]!(), false, 'an expired call finishing late is told it was too late')
})

t.test('uses one timer however many calls are pending, and none when idle', async (t) => {
  const before = timers()
  const deadlines = new Deadlines(30)
  const finishes = Array.from({ length: 100 }, () => deadlines.start(() => {}))
  t.equal(timers(), before + 1, 'one sweep timer for 100 pending calls')
  for (const finish of finishes) finish()
  await sleep(60)
  t.equal(timers(), before, 'the sweep stops once nothing is pending')
  deadlines.start(() => {})
  t.equal(timers(), before + 1, 'and starts again with the next call')
  await sleep(80)
  t.equal(timers(), before)
})

t.test('measures deadlines on a clock that wall-clock corrections do not move', async (t) => {
  let clock = 1_000
  const deadlines = new Deadlines(50, () => clock)
  const expired: string[] = []
  deadlines.start(() => expired.push('first'))
  clock += 30
  deadlines.start(() => expired.push('second'))
  clock += 25
  await sleep(20)
  t.same(expired, ['first'], 'the first call expired 55 ms after it started, the second not yet')
  clock += 30
  await sleep(20)
  t.same(expired, ['first', 'second'])
})
