/**
 * The bench's HAR-size section: a generated export the size of a long real session (issue 7: 245 MB,
 * 300,000 entries), then a session as many entries with preflights and redirect chains, each explained by
 * the built CLI as a user runs it, human and --json. Prints seconds and the CLI process's peak RSS next to
 * the file size (target: under 10 s, peak under 4× the file).
 */
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { harEntry, session } from '../harness/har.ts'

const BIN = process.env.BENCH_CLI ?? resolve(import.meta.dirname, '../../build/cli/cors-lens.mjs')
const PAGE = 'https://app.example'

/** One entry in ten is cross-origin (half of those blocked), as in a real session; bodies pad to ~820 B. */
function entry(i: number): object {
  const cross = i % 10 === 0
  const blocked = cross && i % 20 === 0
  const base = harEntry({
    url: cross ? `https://api.example/items/${i}?page=${i % 7}` : `${PAGE}/static/chunk-${i}.js`,
    requestHeaders: [
      { name: 'Accept', value: '*/*' },
      {
        name: 'User-Agent',
        value: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/150.0 Safari/537.36',
      },
      ...(cross ? [{ name: 'Origin', value: PAGE }] : []),
    ],
    responseHeaders: [
      { name: 'Content-Type', value: cross ? 'application/json' : 'text/javascript' },
      ...(cross
        ? [{ name: 'Access-Control-Allow-Origin', value: blocked ? 'https://other.example' : PAGE }]
        : []),
    ],
    startedAt: 1_790_000_000_000 + i * 10,
  }) as { response: { content: { text?: string } } }
  base.response.content.text = 'x'.repeat(170)
  // How DevTools marks a CORS failure (devtools-frontend Log.ts puts it on the response).
  if (blocked) Object.assign(base.response, { _error: 'net::ERR_FAILED' })
  return base
}

/** Writes the HAR in pieces (a 245 MB string would itself hit V8's limits in the generator). */
function generate(path: string, count: number, entryOf: (i: number) => object): void {
  const fd = openSync(path, 'w')
  try {
    writeSync(
      fd,
      `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[],"entries":[`,
    )
    const batch: string[] = []
    for (let i = 0; i < count; i++) {
      batch.push(JSON.stringify(entryOf(i)))
      if (batch.length === 5_000 || i === count - 1) {
        writeSync(fd, (i < 5_000 ? '' : ',') + batch.join(','))
        batch.length = 0
      }
    }
    writeSync(fd, ']}}')
  } finally {
    closeSync(fd)
  }
}

/** Runs the CLI in a child Node with an exit hook that reports its own peak RSS (getrusage of itself). */
interface Run {
  readonly seconds: number
  /** CPU time of the CLI process (user + system): the wall clock also counts a busy machine. */
  readonly cpuSeconds: number
  readonly peakMb: number
  readonly code: number
}

function run(file: string, json: boolean, rssFile: string): Run {
  const hook = `import { writeFileSync } from 'node:fs'
process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(${JSON.stringify(rssFile)}, JSON.stringify(u)) })
process.argv.splice(1, 0, ${JSON.stringify(BIN)})
await import(${JSON.stringify(BIN)})`
  const args = ['--input-type=module', '-e', hook, '--', 'explain', file, ...(json ? ['--json'] : [])]
  const t = performance.now()
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  const seconds = (performance.now() - t) / 1000
  if (r.status === 2) throw new Error(`explain failed: ${r.stderr}`)
  const u = JSON.parse(readFileSync(rssFile, 'utf8')) as NodeJS.ResourceUsage
  const cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6
  return { seconds, cpuSeconds, peakMb: u.maxRSS / 1024, code: r.status ?? -1 }
}

export function harSize(
  log: (line: string) => void,
  entries = Number(process.env.BENCH_HAR_ENTRIES ?? 300_000),
): void {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-bench-har-'))
  try {
    const steps = session(11)
    const files = [
      { what: 'a generated export', entryOf: entry },
      // Nearly half cross-origin, with preflights and redirect chains: the reader's pairing at size.
      { what: 'a session with preflights and redirects', entryOf: () => steps.next().value as object },
    ]
    for (const { what, entryOf } of files) {
      const file = join(dir, 'big.har')
      generate(file, entries, entryOf)
      const mb = statSync(file).size / (1024 * 1024)
      log(
        `\nHAR size: cors-lens explain on ${what}, ${entries.toLocaleString('en-US')} entries, ${mb.toFixed(0)} MB`,
      )
      for (const json of [false, true]) {
        const r = run(file, json, join(dir, 'rss'))
        log(
          `  explain${json ? ' --json' : '       '}  ${r.seconds.toFixed(1)} s (CPU ${r.cpuSeconds.toFixed(1)} s), peak RSS ${r.peakMb.toFixed(0)} MB (${(r.peakMb / mb).toFixed(1)}× the file), exit ${r.code}`,
        )
      }
    }
    log('  targets: under 10 s, peak RSS under 4× the file')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
