// Summarizes a V8 CPU profile (node --cpu-prof, BENCH_PROFILE=<case>): self
// time by function and by package, the heaviest first.
// `npx tsx bench/profile-summary.ts bench-profiles/<file>.cpuprofile [top]`
import { readFile } from 'node:fs/promises'

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

const [file, topArg] = process.argv.slice(2)
if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]')
const top = Number(topArg ?? 25)
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const total = [...self.values()].reduce((a, b) => a + b, 0)

const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame
  const where = url === '' ? '' : url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(process.cwd() + '/', '')
  const key = `${functionName || '(anonymous)'}  ${where}${where === '' ? '' : `:${lineNumber + 1}`}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + us)
  const pkg = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(gc)' : url === '' ? '(native/vm)' : url.startsWith('node:') ? 'node core' : url.includes('node_modules/') ? url.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1') : 'fastify-oidc-login (this repo)'
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us)
}
const pct = (us: number): string => `${(us / total * 100).toFixed(1).padStart(5)}%`
console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n\nself time by package`)
for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us)}  ${pkg}`)
console.log('\nself time by function')
for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${fn}`)
