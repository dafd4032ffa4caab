import type { Test } from 'tap'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { buildExample, type Example } from '../../example/app.js'

/** Debian's chromium; `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// Without the networking flags chromium keeps calling home (updates, sync,
// QUIC probes), which on a machine without internet only slows it down.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** A headless chromium with a fresh profile; requests off loopback are refused and listed. */
export interface TestBrowser {
  context: BrowserContext
  /** URLs the pages tried to load from outside loopback (blocked). */
  outsideRequests: string[]
}

/**
 * Launches chromium for one test, closed and its profile removed at
 * teardown. Returns `undefined` (after skipping the test with a notice) when
 * there is no chromium, except under `CI=true`, where a missing browser
 * fails the test.
 */
export async function launchBrowser (t: Test): Promise<TestBrowser | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.CI === 'true') {
      t.fail(`no chromium at ${CHROMIUM_PATH}; .ci/run installs it`)
    } else {
      t.comment(`notice: no chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH): the browser test is skipped`)
      t.skip('chromium is not installed', () => {})
    }
    return undefined
  }
  const profile = await mkdtemp(join(tmpdir(), 'oidc-browser-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 700 }
    })
  } catch (err) {
    await rm(profile, { recursive: true, force: true })
    throw err
  }
  t.teardown(async () => {
    await context.close()
    await rm(profile, { recursive: true, force: true })
  })
  context.setDefaultTimeout(15_000)

  const outsideRequests: string[] = []
  // Nothing in a test may reach the internet, whatever a page asks for
  // (the provider's development pages import a web font, for one).
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url())
    if (url.protocol === 'data:' || url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]') {
      await route.continue()
      return
    }
    outsideRequests.push(url.href)
    await route.abort('blockedbyclient')
  })
  return { context, outsideRequests }
}

/** A free loopback port: the example derives its redirect URI from its port, so it must be known before building. */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** The example app with its embedded provider, listening on loopback, closed at teardown. */
export async function listenExample (t: Test): Promise<Example & { baseUrl: string }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const example = await buildExample({ HOST: '127.0.0.1', PORT: String(port) }, false)
    try {
      await example.app.listen({ host: example.host, port })
    } catch (err) {
      await example.app.close()
      // Someone took the port between probing and listening: try another.
      if ((err as { code?: string }).code === 'EADDRINUSE' && attempt < 3) continue
      throw err
    }
    t.teardown(async () => {
      // A browser keeps spare sockets open that Fastify's close would wait
      // out (minutes); the test is over, so drop them.
      example.app.server.closeAllConnections()
      await example.app.close()
    })
    return { ...example, baseUrl: `http://127.0.0.1:${port}` }
  }
}
