import t from 'tap'
import { launchBrowser, listenExample } from '../helpers/browser.js'

t.test('Swagger UI at /docs renders the auth routes in a browser with no internet', async (t) => {
  const browser = await launchBrowser(t)
  if (browser === undefined) return
  const { baseUrl } = await listenExample(t)
  const page = await browser.context.newPage()
  const failed: string[] = []
  page.on('requestfailed', (request) => failed.push(request.url()))

  await page.goto(`${baseUrl}/docs`)
  const paths = page.locator('.opblock-summary-path')
  await paths.filter({ hasText: '/auth/callback' }).waitFor()
  const shown = (await paths.allTextContents()).map((p) => p.replace(/\u200b/g, '').trim()).sort()
  for (const route of ['/auth/callback', '/auth/login', '/auth/logout', '/auth/me']) t.ok(shown.includes(route), `${route} is shown`)

  // Open the callback: its required query parameters are listed.
  await paths.filter({ hasText: '/auth/callback' }).click()
  const parameters = page.locator('.parameters .parameter__name')
  await parameters.first().waitFor()
  const names = (await parameters.allTextContents()).map((n) => n.replace(/\u200b/g, '').replace(/\s+/g, ' ').trim())
  t.same(names, ['code *', 'state *', 'iss'], 'code and state marked required, iss optional')

  t.same(browser.outsideRequests, [], 'the page asked nothing of the internet')
  t.same(failed, [], 'every asset loaded from the app')
})
