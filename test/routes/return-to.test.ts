import t from 'tap'
import { safeReturnTo } from '../../routes/auth/return-to.js'

t.test('keeps same-origin relative paths', async (t) => {
  for (const path of ['/', '/dashboard', '/a/b?x=1&y=2', '/page#section', '/caf%C3%A9']) {
    t.equal(safeReturnTo(path, '/home'), path, path)
  }
})

t.test('falls back for anything that could leave the site', async (t) => {
  const hostile = [
    '//evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example', 'http:evil.example',
    'javascript:alert(1)', 'data:text/html,x', '/%2F%2Fevil.example', '/%5Cevil.example', '%2F%2Fevil.example',
    ' /dashboard', '\t/dashboard', '\n//evil.example', '/\t/evil.example', '/a\\b', 'dashboard', '', '/x'.repeat(2000),
    '/.//evil.example', '/a/..//evil.example', '/%2e//evil.example', '/%2E%2E//evil.example', '/a/b/../..//evil.example'
  ]
  for (const value of hostile) {
    t.equal(safeReturnTo(value, '/home'), '/home', JSON.stringify(value))
  }
  t.equal(safeReturnTo(undefined, '/home'), '/home')
  t.equal(safeReturnTo(['/a'], '/home'), '/home')
})
