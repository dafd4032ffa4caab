import t from 'tap'
import { jsonCopy } from '../../plugins/session/json-copy.js'

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

t.test('copies exactly as a JSON round trip would', async (t) => {
  const when = new Date('2026-12-04T10:00:00.000Z')
  const values: Record<string, unknown> = {
    plain: { user: { sub: 'ada', issuer: 'https://id.example', roles: ['a', 'b'] }, n: 1.5, ok: true, none: null },
    date: { at: when, list: [when] },
    dropped: { gone: undefined, fn: () => 1, sym: Symbol('s'), kept: 'yes' },
    holes: [undefined, () => 1, Symbol('s'), 1],
    numbers: [NaN, Infinity, -Infinity, -0, 0, 2 ** 53],
    toJSON: { cookie: { toJSON: (key: string) => ({ key, expires: when }) } },
    boxed: { s: Object('str'), n: Object(3), b: Object(false) },
    collections: { map: new Map([['a', 1]]), set: new Set([1]) },
    nested: { a: { b: { c: { d: [{ e: [[], {}] }] } } } },
    shared: (() => { const leaf = { x: 1 }; return { one: leaf, two: leaf } })(),
    strings: ['', '\u2028', '"quoted"', 'é'],
    top: 'a string'
  }
  for (const [name, value] of Object.entries(values)) {
    t.same(jsonCopy(value), roundTrip(value), name)
    t.equal(JSON.stringify(jsonCopy(value)), JSON.stringify(value), `${name}: same JSON text`)
  }
})

t.test('returns a copy that shares nothing with its input', async (t) => {
  const input = { user: { sub: 'ada', roles: ['a'] } }
  const output = jsonCopy(input) as typeof input
  input.user.sub = 'changed'
  input.user.roles.push('b')
  t.same(output, { user: { sub: 'ada', roles: ['a'] } })
})

t.test('refuses what JSON refuses', async (t) => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  t.throws(() => jsonCopy(cyclic), TypeError, 'a cycle')
  t.throws(() => jsonCopy({ big: 1n }), TypeError, 'a BigInt')
})

t.test('keeps a "__proto__" key as data and writes holes as null, as JSON does', async (t) => {
  const claims = JSON.parse('{"sub":"u","__proto__":{"roles":["admin"]}}') as Record<string, unknown>
  const copied = jsonCopy(claims) as Record<string, unknown>
  t.equal(Object.getPrototypeOf(copied), Object.prototype, 'the prototype is untouched')
  t.ok(Object.hasOwn(copied, '__proto__'), 'an own property, as JSON.parse makes it')
  t.equal(JSON.stringify(copied), JSON.stringify(claims))
  // eslint-disable-next-line no-sparse-arrays
  const sparse = [1, , 3]
  t.same(jsonCopy(sparse), [1, null, 3])
})
