/**
 * A deep copy of `value` as `JSON.parse(JSON.stringify(value))` would give it,
 * without the string in between: `toJSON` is honoured (dates become ISO
 * strings), `undefined`, functions and symbols are dropped from objects and
 * become `null` in arrays, non-finite numbers become `null`, and cycles or
 * BigInts throw a TypeError.
 *
 * The memory store copies sessions in and out with it, so that sessions there
 * behave as they will in Redis (a handler's later mutations never reach the
 * store, a Date comes back as a string) at a fraction of a JSON round trip's
 * cost, which dominated a login redirect's own work.
 */
export function jsonCopy (value: unknown): unknown {
  return copy(value, '', [])
}

function copy (value: unknown, key: string, ancestors: object[]): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(key)
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt')
    case 'object':
      break
    default:
      // undefined, function, symbol
      return undefined
  }
  if (value === null) return null
  if (ancestors.includes(value)) throw new TypeError('Converting circular structure to JSON')
  ancestors.push(value)
  let result: unknown
  if (Array.isArray(value)) {
    // A loop, not map: map skips holes, which JSON writes as null.
    const array: unknown[] = []
    for (let index = 0; index < value.length; index++) array.push(copy(value[index], String(index), ancestors) ?? null)
    result = array
  } else if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    result = copy(value.valueOf(), key, ancestors)
  } else {
    const object: Record<string, unknown> = {}
    for (const name of Object.keys(value)) {
      const item = copy((value as Record<string, unknown>)[name], name, ancestors)
      if (item === undefined) continue
      // JSON.parse makes "__proto__" an own property; an assignment would set the prototype instead.
      if (name === '__proto__') Object.defineProperty(object, name, { value: item, enumerable: true, writable: true, configurable: true })
      else object[name] = item
    }
    result = object
  }
  ancestors.pop()
  return result
}
