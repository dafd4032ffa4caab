import t from 'tap'
import { mkdir } from 'node:fs/promises'
import { launchBrowser, listenExample } from '../helpers/browser.js'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

t.test('a browser signs in at the example, sees its name on the dashboard, and signs out', async (t) => {
  const browser = await launchBrowser(t)
  if (browser === undefined) return
  const { baseUrl, devProvider } = await listenExample(t)
  const page = await browser.context.newPage()

  await page.goto(`${baseUrl}/`)
  t.equal(await page.locator('#login').textContent(), 'Log in')
  await page.click('#login')

  // The embedded provider's development sign-in: any name, any password.
  await page.waitForURL((url) => url.href.startsWith(devProvider!.issuer))
  await page.fill('input[name=login]', 'Grace')
  await page.fill('input[name=password]', 'any-password')
  await page.click('button[type=submit]')
  // Consent to the scopes asked for.
  await page.click('button[type=submit]')

  await page.waitForURL(`${baseUrl}/dashboard`)
  t.equal(await page.locator('#user-name').textContent(), 'Grace', 'the dashboard shows the name signed in with')
  t.equal(await page.locator('#user-email').textContent(), 'grace@example.test')
  await mkdir(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: new URL('dashboard.png', ARTIFACTS).pathname, fullPage: true })

  const cookies = await browser.context.cookies(baseUrl)
  const sid = cookies.find((c) => c.name === 'oidc.sid')
  t.ok(sid, 'the session cookie is set')
  t.equal(sid?.httpOnly, true, 'the session cookie is HttpOnly')
  t.equal(sid?.sameSite, 'Lax', 'the session cookie is SameSite=Lax')
  t.notMatch(await page.evaluate(() => document.cookie), /oidc\.sid/, 'page scripts cannot read the session cookie')
  const me = await page.request.get(`${baseUrl}/auth/me`)
  t.equal(me.status(), 200)
  t.match(await me.json(), { sub: 'Grace', name: 'Grace' })

  await page.click('button:has-text("Log out")')
  await page.waitForURL(`${baseUrl}/`)
  t.equal(await page.locator('#login').count(), 1, 'the home page offers Log in again')
  const after = await page.request.get(`${baseUrl}/auth/me`)
  t.equal(after.status(), 401, 'the session is gone')
  t.equal((await after.json()).code, 'FST_OIDC_UNAUTHENTICATED')
  t.notOk((await browser.context.cookies(baseUrl)).some((c) => c.name === 'oidc.sid'), 'the browser dropped the session cookie')
})
