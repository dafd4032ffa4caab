import type { Test } from 'tap'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

const installed = spawnSync('redis-server', ['--version']).status === 0

/**
 * Pass as a test's `skip` option: `false` when redis-server can run here,
 * otherwise the notice to skip with. Under `CI=true` it is always `false`, so
 * a missing Redis fails the run instead of hiding the tests.
 */
export const skipWithoutRedis: string | false = installed || process.env.CI === 'true'
  ? false
  : 'redis-server is not installed: Redis tests skipped (install the redis-server package)'

/** A real redis-server for one test, on a free loopback port, without persistence. */
export interface RedisServer {
  port: number
  url: string
  /** Process id of the running server. */
  readonly pid: number
  /** A plain client for looking at keys (not the app's); closed at teardown. */
  inspect: Redis
  /** SIGSTOP: the server keeps its connections but answers nothing (a hung Redis). */
  pause: () => void
  /** SIGCONT after `pause`. */
  resume: () => void
  /** Snapshots the data to disk, then SIGKILL: connections are refused until `restart`. */
  kill: () => Promise<void>
  /** Starts the server again on the same port, with the data of the last snapshot. */
  restart: () => Promise<void>
}

/**
 * Starts redis-server on a free port in a temp dir (`--save '' --appendonly
 * no`), stopped and removed at teardown.
 */
export async function startRedis (t: Test): Promise<RedisServer> {
  if (!installed) throw new Error('redis-server is not installed (install the redis-server package)')
  const dir = await mkdtemp(join(tmpdir(), 'oidc-redis-'))
  const port = await freePort()
  let child = await spawnRedis(port, dir)
  const inspect = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: null })
  await inspect.connect()

  t.teardown(async () => {
    inspect.disconnect()
    await stop(child)
    await rm(dir, { recursive: true, force: true })
  })

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid () { return child.pid! },
    inspect,
    pause: () => { child.kill('SIGSTOP') },
    resume: () => { child.kill('SIGCONT') },
    kill: async () => {
      await inspect.call('SAVE')
      await stop(child)
    },
    restart: async () => {
      child = await spawnRedis(port, dir)
    }
  }
}

/**
 * Records every command Redis receives (MONITOR) so tests can count them.
 * `take()` returns the commands since the previous `take()`, lower-cased,
 * once Redis has delivered all of them.
 */
export async function monitorCommands (t: Test, server: RedisServer): Promise<{ take: () => Promise<string[][]> }> {
  const monitor = await server.inspect.duplicate().monitor()
  t.teardown(() => { monitor.disconnect() })
  let seen: Array<{ args: string[], source: string }> = []
  let marks = 0
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    seen.push({ args: args.map((a, i) => i === 0 ? a.toLowerCase() : a), source })
  })
  // Redis runs commands one at a time, so once the marker shows up in the
  // monitor, every command sent before it has too. The marker also names the
  // inspecting connection, whose own commands are left out.
  const take = async (): Promise<string[][]> => {
    const marker = `mark-${++marks}`
    await server.inspect.echo(marker)
    const isMarker = (c: { args: string[] }): boolean => c.args[0] === 'echo' && c.args[1] === marker
    for (let i = 0; i < 200 && !seen.some(isMarker); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const index = seen.findIndex(isMarker)
    if (index === -1) throw new Error('MONITOR never showed the marker')
    const inspector = seen[index]!.source
    const taken = seen.slice(0, index).filter((c) => c.source !== inspector).map((c) => c.args)
    seen = seen.slice(index + 1)
    return taken
  }
  await take()
  return { take }
}

async function spawnRedis (port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  // Ready when it accepts a PING; give up if it exits first.
  const exited = once(child, 'exit').then(() => { throw new Error(`redis-server exited: ${output}`) })
  exited.catch(() => {})
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) await exited
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.ping()
      client.disconnect()
      return child
    } catch {
      client.disconnect()
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  child.kill('SIGKILL')
  throw new Error(`redis-server did not start: ${output}`)
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGCONT')
  child.kill('SIGKILL')
  await exited
}

async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
