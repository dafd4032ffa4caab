import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { MemoryCoordinationStore, RedisCoordinationStore, type CoordinationStore } from '../../index.js'
import { skipWithoutRedis, startRedis } from '../helpers/redis.js'

type Make = (t: Test) => Promise<CoordinationStore>

const stores: Array<[string, Make, string | false]> = [
  ['memory', async () => new MemoryCoordinationStore(), false],
  ['redis', async (t) => {
    const redis = await startRedis(t)
    const client = new Redis(redis.url)
    t.teardown(() => { client.disconnect() })
    return new RedisCoordinationStore(client)
  }, skipWithoutRedis]
]

for (const [name, make, skip] of stores) {
  t.test(`${name}: add sets a key only once while it lives`, { skip }, async (t) => {
    const store = await make(t)
    t.equal(await store.add('lock:a', 'one', 10_000), true)
    t.equal(await store.add('lock:a', 'two', 10_000), false, 'a second add is refused')
    t.equal(await store.get('lock:a'), 'one')
    t.equal(await store.add('lock:short', 'one', 30), true)
    await sleep(80)
    t.equal(await store.get('lock:short'), undefined, 'expired')
    t.equal(await store.add('lock:short', 'two', 1000), true, 'an expired key can be added again')
  })

  t.test(`${name}: deleteIfEqual releases only the holder's own lock`, { skip }, async (t) => {
    const store = await make(t)
    await store.set('lock:b', 'holder-2', 10_000)
    await store.deleteIfEqual('lock:b', 'holder-1')
    t.equal(await store.get('lock:b'), 'holder-2', 'another holder\'s lock stays')
    await store.deleteIfEqual('lock:b', 'holder-2')
    t.equal(await store.get('lock:b'), undefined)
  })

  t.test(`${name}: replace writes only a key that still exists`, { skip }, async (t) => {
    const store = await make(t)
    t.equal(await store.replace('session:gone', 'late', 10_000), false, 'reports that it did not write')
    t.equal(await store.get('session:gone'), undefined, 'a removed key stays removed')
    await store.set('session:here', 'old', 10_000)
    t.equal(await store.replace('session:here', 'new', 10_000), true)
    t.equal(await store.get('session:here'), 'new')
  })

  t.test(`${name}: index members expire one by one`, { skip }, async (t) => {
    const store = await make(t)
    await store.indexAdd('sub:x', 's1', 50)
    await store.indexAdd('sub:x', 's2', 10_000)
    t.same((await store.indexMembers('sub:x')).sort(), ['s1', 's2'])
    await sleep(100)
    t.same(await store.indexMembers('sub:x'), ['s2'], 'the short-lived member is gone')
    await store.indexRemove('sub:x', 's2')
    t.same(await store.indexMembers('sub:x'), [])
  })
}

t.test('redis: every key carries a TTL', { skip: skipWithoutRedis }, async (t) => {
  const redis = await startRedis(t)
  const client = new Redis(redis.url)
  t.teardown(() => { client.disconnect() })
  const store = new RedisCoordinationStore(client)
  await store.set('session:s1', '{}', 60_000)
  await store.add('jti:j', '1', 60_000)
  await store.indexAdd('sid:p', 's1', 60_000)
  await store.indexAdd('sid:p', 's2', 120_000)
  const keys = await redis.inspect.keys('*')
  t.equal(keys.length, 3)
  for (const key of keys) t.ok(await redis.inspect.pttl(key) > 0, `${key} has a TTL`)
  t.ok(await redis.inspect.pttl('oidc:coord:sid:p') > 60_000, 'an index lives as long as its longest member')
})

t.test('memory: the number of entries is bounded', async (t) => {
  const store = new MemoryCoordinationStore({ maxEntries: 3, maxIndexMembers: 2 })
  for (let i = 0; i < 10; i++) await store.set(`k${i}`, 'v', 60_000)
  t.equal(await store.get('k0'), undefined, 'the oldest are dropped')
  t.equal(await store.get('k9'), 'v')
  for (let i = 0; i < 5; i++) await store.indexAdd('sub:y', `s${i}`, 60_000)
  t.same(await store.indexMembers('sub:y'), ['s3', 's4'], 'an index keeps its newest members')
})
