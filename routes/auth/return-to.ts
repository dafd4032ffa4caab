// A throwaway origin: a value that still resolves to it after URL parsing is a
// path on our own site; anything that changes the origin is an open redirect.
const PROBE_ORIGIN = 'http://return-to.invalid'
const MAX_LENGTH = 2048

/**
 * Returns `value` when it is a same-origin relative path, else `fallback`.
 *
 * Refuses protocol-relative (`//host`) and backslash (`/\host`) forms,
 * absolute and scheme URLs (`https:`, `javascript:`, `data:`), encoded
 * slashes and backslashes, and any whitespace or control character, which
 * browsers strip or reinterpret before navigating.
 */
export function safeReturnTo (value: unknown, fallback: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return fallback
  if (value[0] !== '/' || value[1] === '/' || value[1] === '\\') return fallback
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(value)) return fallback
  if (/%(2f|5c|00|09|0a|0d)/i.test(value)) return fallback
  let url: URL
  try {
    url = new URL(value, PROBE_ORIGIN)
  } catch {
    return fallback
  }
  if (url.origin !== PROBE_ORIGIN) return fallback
  // URL parsing resolves dot segments: `/.//host` becomes `//host`, which a
  // browser reads as another origin. What is returned is checked again.
  const path = url.pathname + url.search + url.hash
  if (path[1] === '/' || path[1] === '\\') return fallback
  return path
}
