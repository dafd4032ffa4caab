// `npm run bench`: fastify-oidc-login against bare Fastify and the same app
// built by hand, all on loopback, in one run. Every app runs in a process of
// its own; the load comes from this process (autocannon, fetch). Rounds
// alternate between the apps (the starting app rotates each round) and the
// tables give medians over the rounds, so a noisy moment hurts every app
// alike instead of one.
//
// Knobs (environment): BENCH_ROUNDS (5), BENCH_SECONDS per measurement (3),
// BENCH_CONNECTIONS (10), BENCH_LOGIN_SECONDS (4), BENCH_LOGIN_CONCURRENCY (4),
// BENCH_PROFILE=<case> to write a V8 CPU profile of one app to bench-profiles/,
// BENCH_ONLY=reads|redirects|logins to run one group.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon, { type Result } from 'autocannon'
import { authorizeAtProvider } from '../test/helpers/login.js'
import { CASE_LABELS, CLIENT_SECRET, READ_CASES, clientId, redirectUri, usesRedis, type CaseName } from './cases.js'

const ROUNDS = positive('BENCH_ROUNDS', 5)
const SECONDS = positive('BENCH_SECONDS', 3)
const CONNECTIONS = positive('BENCH_CONNECTIONS', 10)
const LOGIN_SECONDS = positive('BENCH_LOGIN_SECONDS', 4)
const LOGIN_CONCURRENCY = positive('BENCH_LOGIN_CONCURRENCY', 4)
const PROFILE = process.env.BENCH_PROFILE as CaseName | undefined
const ONLY = process.env.BENCH_ONLY
const runs = (group: string): boolean => ONLY === undefined || ONLY === group
const ROOT = new URL('..', import.meta.url)

interface Running {
  name: CaseName
  port: number
  base: string
  child: ChildProcess
  cookie?: string
}

const children: ChildProcess[] = []
let redisDir: string | undefined

try {
  await main()
} finally {
  await stopAll()
}

async function main (): Promise<void> {
  const started = Date.now()
  const redisUrl = await startRedis()
  const cases = READ_CASES.filter((name) => !usesRedis(name) || redisUrl !== undefined)
  const ports = new Map<CaseName, number>()
  for (const name of cases) ports.set(name, await freePort())

  const clients = cases.map((name) => ({
    client_id: clientId(name),
    client_secret: CLIENT_SECRET,
    redirect_uris: [redirectUri(ports.get(name)!)]
  }))
  const provider = await startChild('provider.ts', { BENCH_PROVIDER_PORT: String(await freePort()), BENCH_CLIENTS: JSON.stringify(clients) }, false)
  const issuer = (provider.message as { issuer: string }).issuer

  const apps = new Map<CaseName, Running>()
  for (const name of cases) {
    const port = ports.get(name)!
    const { child } = await startChild('server.ts', {
      BENCH_CASE: name,
      BENCH_PORT: String(port),
      BENCH_ISSUER: issuer,
      BENCH_REDIS_URL: redisUrl ?? ''
    }, PROFILE === name)
    apps.set(name, { name, port, base: `http://127.0.0.1:${port}`, child })
  }

  // Every app signs in for real once; its cookie is what the read load sends.
  for (const app of apps.values()) {
    if (app.name === 'bare') continue
    const { cookie } = await fullLogin(app, 'bench-user')
    app.cookie = cookie
    const me = await fetch(`${app.base}/auth/me`, { headers: { cookie } })
    const body = await me.json() as { sub?: string }
    if (me.status !== 200 || body.sub !== 'bench-user') throw new Error(`${app.name}: /auth/me answered ${me.status} after signing in`)
  }

  console.log(`fastify-oidc-login benchmark: node ${process.version}, ${ROUNDS} rounds, ${SECONDS} s per measurement, ${CONNECTIONS} connections, all on loopback`)
  if (redisUrl === undefined) console.log('redis-server not found: the Redis cases are left out')
  console.log('')

  // 1. Authenticated reads: GET /auth/me with a signed-in cookie.
  const reads = !runs('reads') ? new Map<CaseName, Sample[]>() : await rounds([...apps.values()], async (app) => {
    const result = await load(`${app.base}/auth/me`, app.cookie)
    expectAll(result, '2xx', `${app.name} /auth/me`)
    return result
  })
  printTable('GET /auth/me, signed in (requests/s)', reads)

  // 2. Login redirects: GET /auth/login from a new browser each time, with
  // either store (the memory stores differ: @fastify/session's keeps the live
  // object, ours a private copy; both Redis stores write JSON).
  const loginApps = [apps.get('ours-memory')!, apps.get('hand-rolling-off-memory')!]
  const redirectApps = [...loginApps, ...['ours-redis', 'hand-rolling-off-redis'].flatMap((name) => apps.get(name as CaseName) ?? [])]
  const redirects = !runs('redirects') ? new Map<CaseName, Sample[]>() : await rounds(redirectApps, async (app) => {
    const result = await load(`${app.base}/auth/login`)
    expectAll(result, '3xx', `${app.name} /auth/login`)
    return result
  })
  printTable('GET /auth/login, redirect to the provider (requests/s)', redirects)

  // 3. Full logins against the local provider: login, provider sign-in and consent, callback.
  const logins = !runs('logins') ? new Map<CaseName, Sample[]>() : await rounds(loginApps, (app) => fullLogins(app))
  printTable(`Full logins through the provider, ${LOGIN_CONCURRENCY} at a time (logins/s)`, logins)

  // Each round measures every app within seconds of the others, so the ratio
  // inside a round shares that moment's noise; the median of those ratios is
  // steadier than a ratio of medians on a busy machine. `perSecond` reads a
  // sample as a rate: requests/s, or requests per CPU second of the app's main
  // thread (1 / CPU time per request), which, unlike requests/s, does not move
  // with the load generator and Redis competing for this machine's cores.
  const pairedRatio = (a: Map<CaseName, Sample[]>, x: CaseName, y: CaseName, perSecond: (s: Sample) => number | undefined): number | undefined => {
    const xs = a.get(x)
    const ys = a.get(y)
    if (xs === undefined || ys === undefined || xs.length === 0 || perSecond(xs[0]!) === undefined) return undefined
    return median(xs.map((s, i) => perSecond(s)! / perSecond(ys[i]!)!))
  }
  const perRequest = (s: Sample): number => s.rate
  const perCpu = (s: Sample): number | undefined => s.mainUs === undefined ? undefined : 1 / s.mainUs
  const ratio = (a: Map<CaseName, Sample[]>, x: CaseName, y: CaseName): number | undefined => pairedRatio(a, x, y, perRequest)
  // The budgets stay on requests/s; the per-CPU ratio is printed beside.
  const budget = (label: string, a: Map<CaseName, Sample[]>, x: CaseName, y: CaseName, floor: number): [string, number | undefined, number, number | undefined] =>
    [label, ratio(a, x, y), floor, pairedRatio(a, x, y, perCpu)]
  const budgets = [
    budget('read, memory: ours / hand-built rolling off', reads, 'ours-memory', 'hand-rolling-off-memory', 0.9),
    budget('read, Redis: ours / hand-built rolling off', reads, 'ours-redis', 'hand-rolling-off-redis', 0.9),
    budget('read, Redis: ours / hand-built @fastify/session defaults', reads, 'ours-redis', 'hand-defaults-redis', 1.25),
    budget('login redirect, memory: ours / hand-built', redirects, 'ours-memory', 'hand-rolling-off-memory', 0.9),
    budget('login redirect, Redis: ours / hand-built', redirects, 'ours-redis', 'hand-rolling-off-redis', 0.9),
    budget('full login: ours / hand-built', logins, 'ours-memory', 'hand-rolling-off-memory', 0.9)
  ]
  const context: Array<[string, number | undefined]> = [
    ['read, memory: ours / bare Fastify', ratio(reads, 'ours-memory', 'bare')],
    ['read, memory: ours / hand-built @fastify/session defaults', ratio(reads, 'ours-memory', 'hand-defaults-memory')],
    ['read: ours Redis / ours memory', ratio(reads, 'ours-redis', 'ours-memory')],
    ['read, Redis: ours on the hand-built client / hand-built rolling off', ratio(reads, 'ours-plain-client-redis', 'hand-rolling-off-redis')]
  ]
  console.log('Ratios (median of the per-round ratios; "per CPU": requests per CPU second of the app)')
  for (const [label, value, floor, perCpu] of budgets) {
    const verdict = value === undefined ? 'not measured' : value >= floor ? 'met' : 'MISSED'
    const cpu = perCpu === undefined ? '' : `   per CPU ${fmtRatio(perCpu)}`
    console.log(`  ${label.padEnd(60)} ${fmtRatio(value)}  budget >= ${floor.toFixed(2)}x  ${verdict.padEnd(12)}${cpu}`)
  }
  for (const [label, value] of context) console.log(`  ${label.padEnd(60)} ${fmtRatio(value)}`)
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`)

  await mkdir(new URL('test-artifacts/', ROOT), { recursive: true })
  await writeFile(new URL('test-artifacts/bench.json', ROOT), JSON.stringify({
    node: process.version,
    rounds: ROUNDS,
    seconds: SECONDS,
    connections: CONNECTIONS,
    reads: Object.fromEntries(reads),
    redirects: Object.fromEntries(redirects),
    logins: Object.fromEntries(logins),
    budgets: budgets.map(([label, value, floor, perCpu]) => ({ label, value, budget: floor, perCpu }))
  }, null, 2))
}

/** CPU time (ns) of an app's main thread and of its whole process so far. */
function appCpu (app: Running): { main: number, process: number } {
  const pid = app.child.pid!
  const main = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0])
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return { main, process: ticks * 1e7 }
}

interface Sample {
  /** Requests (or logins) per second. */
  rate: number
  /** Full logins: median ms spent in the app (login + callback) per login. */
  appMs?: number
  /** CPU µs per request on the app's main thread, and in its whole process. */
  mainUs?: number
  processUs?: number
}

/** Runs `measure` for every app, round after round, the first app rotating; plus one unrecorded warm-up each. */
async function rounds (apps: Running[], measure: (app: Running) => Promise<Result | Sample>): Promise<Map<CaseName, Sample[]>> {
  for (const app of apps) await measure(app)
  const samples = new Map<CaseName, Sample[]>(apps.map((app) => [app.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < apps.length; i++) {
      const app = apps[(round + i) % apps.length]!
      const cpu0 = appCpu(app)
      const result = await measure(app)
      const cpu1 = appCpu(app)
      samples.get(app.name)!.push('rate' in result
        ? result
        : { rate: result.requests.average, mainUs: (cpu1.main - cpu0.main) / 1000 / result.requests.total, processUs: (cpu1.process - cpu0.process) / 1000 / result.requests.total })
    }
  }
  return samples
}

async function load (url: string, cookie?: string): Promise<Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers: cookie === undefined ? {} : { cookie } })
}

function expectAll (result: Result, kind: '2xx' | '3xx', what: string): void {
  const total = result['2xx'] + result['3xx'] + result['4xx'] + result['5xx']
  if (result.errors > 0 || result.timeouts > 0 || total === 0 || result[kind] !== total) {
    throw new Error(`${what}: ${result[kind]} of ${total} answers were ${kind}, ${result.errors} errors, ${result.timeouts} timeouts`)
  }
}

/** One complete login the way a browser does it; returns the signed-in cookie and the time spent in the app. */
async function fullLogin (app: Running, username: string): Promise<{ cookie: string, appMs: number }> {
  const t0 = performance.now()
  const login = await fetch(`${app.base}/auth/login`, { redirect: 'manual' })
  const appMs0 = performance.now() - t0
  const preLogin = cookieOf(login)
  if (login.status !== 302 || preLogin === undefined) throw new Error(`${app.name}: /auth/login answered ${login.status}`)
  const callbackUrl = await authorizeAtProvider(new URL(login.headers.get('location')!), username, { redirectUri: redirectUri(app.port) })
  const t1 = performance.now()
  const callback = await fetch(`${app.base}${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual', headers: { cookie: preLogin } })
  await callback.arrayBuffer()
  const appMs = appMs0 + performance.now() - t1
  const cookie = cookieOf(callback)
  if (callback.status !== 302 || cookie === undefined) throw new Error(`${app.name}: /auth/callback answered ${callback.status}`)
  return { cookie, appMs }
}

async function fullLogins (app: Running): Promise<Sample> {
  const until = performance.now() + LOGIN_SECONDS * 1000
  const appTimes: number[] = []
  const started = performance.now()
  await Promise.all(Array.from({ length: LOGIN_CONCURRENCY }, async (_, worker) => {
    for (let n = 0; performance.now() < until; n++) {
      appTimes.push((await fullLogin(app, `user-${worker}-${n}`)).appMs)
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  return { rate: appTimes.length / elapsed, appMs: median(appTimes) ?? 0 }
}

function cookieOf (response: Response): string | undefined {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';', 1)[0]!
    if (pair.endsWith('=')) continue
    return pair
  }
  return undefined
}

function printTable (title: string, samples: Map<CaseName, Sample[]>): void {
  if (samples.size === 0) return
  console.log(title)
  for (const [name, list] of samples) {
    const rates = list.map((s) => s.rate)
    const appTime = list[0]?.appMs === undefined ? '' : `   app time per login p50 ${median(list.map((s) => s.appMs ?? 0))?.toFixed(1)} ms`
    const cpu = list[0]?.mainUs === undefined ? '' : `   CPU/req main ${median(list.map((s) => s.mainUs!))?.toFixed(0)} µs, process ${median(list.map((s) => s.processUs!))?.toFixed(0)} µs`
    console.log(`  ${CASE_LABELS[name].padEnd(52)} median ${fmt(median(rates)).padStart(8)}   range ${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))}${appTime}${cpu}`)
  }
  console.log('')
}

function median (values: number[] | undefined): number | undefined {
  if (values === undefined || values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function fmt (value: number | undefined): string {
  if (value === undefined) return '-'
  return value >= 100 ? value.toFixed(0) : value.toFixed(1)
}

function fmtRatio (value: number | undefined): string {
  return value === undefined ? '   -  ' : `${value.toFixed(2)}x`
}

async function startChild (script: string, env: Record<string, string>, profile: boolean): Promise<{ child: ChildProcess, message: unknown }> {
  const args = ['--import', 'tsx']
  if (profile) {
    await mkdir(new URL('bench-profiles/', ROOT), { recursive: true })
    args.push('--cpu-prof', `--cpu-prof-dir=${new URL('bench-profiles/', ROOT).pathname}`)
  }
  const child = spawn(process.execPath, [...args, new URL(script, import.meta.url).pathname], {
    cwd: ROOT.pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc']
  })
  children.push(child)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const message = await new Promise<unknown>((resolve, reject) => {
    const onMessage = (msg: { note?: string }): void => {
      if (typeof msg.note === 'string') {
        console.log(`note: ${msg.note}`)
        return
      }
      child.off('message', onMessage)
      resolve(msg)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`${script} ${JSON.stringify(env.BENCH_CASE ?? '')} exited with ${code}:\n${stderr.slice(-2000)}`)))
  })
  return { child, message }
}

async function stopAll (): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => { child.kill('SIGKILL') }, 5000).unref()
  })))
  if (redisDir !== undefined) await rm(redisDir, { recursive: true, force: true })
}

/** A redis-server of our own on a free loopback port, or undefined when none is installed. */
async function startRedis (): Promise<string | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined
  redisDir = await mkdtemp(join(tmpdir(), 'bench-redis-'))
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: ['ignore', 'pipe', 'ignore'] })
  children.push(child)
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
  })
  return `redis://127.0.0.1:${port}`
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

function positive (name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
