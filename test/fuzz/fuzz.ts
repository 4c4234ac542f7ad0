/**
 * `npm run fuzz`: 1,000,000 hostile exchanges and 10,000 structurally hostile HARs through the engine.
 * Prints exceptions, invariant failures and throughput; exits 1 when anything failed. Invariants: diagnose
 * never throws; blocked ⇔ corsError; same-origin never blocked; the verdict does not change with header-name
 * case, with irrelevant response headers, or through a HAR round trip; every snippet parses (sampled).
 * FUZZ_EXCHANGES / FUZZ_HARS / FUZZ_SEED tune it.
 */
import { performance } from 'node:perf_hooks'
import { exchangesToHar, harToExchanges } from '../../src/core/har/index.ts'
import { analyze, type Diagnosis, diagnose, type Exchange, type Fix } from '../../src/core/index.ts'
import {
  hostileExchange,
  NASTY,
  type Rand,
  recased,
  rng,
  verdictOf,
  withIrrelevantHeaders,
} from '../core/hostile.ts'
import { checkSyntax } from '../core/snippet-syntax.ts'

const EXCHANGES = Number(process.env.FUZZ_EXCHANGES ?? 1_000_000)
const HARS = Number(process.env.FUZZ_HARS ?? 10_000)
const FROM = Number(process.env.FUZZ_FROM ?? 1)
const SEED = Number(process.env.FUZZ_SEED ?? 20261202)
const SNIPPET_SAMPLE = 2_000

const exceptions = new Map<string, { count: number; seed: number }>()
const invariants = new Map<string, { count: number; seed: number }>()
const note = (m: Map<string, { count: number; seed: number }>, key: string, seed: number): void => {
  const e = m.get(key)
  if (e) e.count++
  else m.set(key, { count: 1, seed })
}
const errorKey = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 160) : 'non-Error'
const verdict = (x: Exchange): string => {
  const a = analyze(x)
  return `${a.verdict}/${a.corsError ?? '-'}`
}

function checkExchange(i: number, sampleFixes: Fix[]): { passing: boolean; ms: number } {
  const seed = SEED + i
  const r = rng(seed)
  const same = i % 10 === 0
  const x = hostileExchange(r, { sameOrigin: same })
  let d: Diagnosis
  const t0 = performance.now()
  try {
    d = diagnose(x)
  } catch (e) {
    note(exceptions, `diagnose: ${errorKey(e)}`, seed)
    return { passing: false, ms: 0 }
  }
  const ms = performance.now() - t0
  if (d.blocked !== (d.corsError !== null)) note(invariants, 'blocked ⇔ corsError', seed)
  if (same && d.blocked) note(invariants, 'same-origin blocked', seed)
  const v = verdictOf(d)
  try {
    if (verdict(recased(x, r)) !== v) note(invariants, 'verdict changed by header-name case', seed)
    if (verdict(withIrrelevantHeaders(x)) !== v)
      note(invariants, 'verdict changed by irrelevant headers', seed)
    if (i % 100 === 0) harRoundTrip(x, d, seed)
  } catch (e) {
    note(exceptions, `invariant run: ${errorKey(e)}`, seed)
  }
  if (i % SNIPPET_SAMPLE === 0) sampleFixes.push(...d.fixes)
  return { passing: !d.blocked && d.verdict !== 'at-risk', ms }
}

/** Written as HAR and read back, the exchange gets the same verdict. */
function harRoundTrip(x: Exchange, d: Diagnosis, seed: number): void {
  const har = JSON.parse(
    JSON.stringify(exchangesToHar([{ exchange: x, diagnosis: d, startedAt: 0 }], { redact: false })),
  )
  const read = harToExchanges(har)
  const back = 'error' in read ? undefined : read.exchanges[0]
  if (!back) note(invariants, 'HAR round trip: entry not read back', seed)
  else if (verdictOf(diagnose(back)) !== verdictOf(d))
    note(invariants, 'verdict changed by a HAR round trip', seed)
}

/** Any JSON value, hostile in shape: wrong types, prototype keys, long strings, odd numbers. */
function junk(r: Rand, depth: number): unknown {
  const k = Math.floor(r() * 10)
  if (depth <= 0 || k < 3) {
    return [
      null,
      true,
      0,
      -1,
      2.5,
      1e308,
      Number.NaN,
      '',
      'x'.repeat(Math.floor(r() * 5000)),
      NASTY[Math.floor(r() * NASTY.length)],
      { toString: 'x' },
      '__proto__',
    ][Math.floor(r() * 12)]
  }
  if (k < 6) return Array.from({ length: Math.floor(r() * 4) }, () => junk(r, depth - 1))
  const o: Record<string, unknown> = {}
  const keys = [
    'name',
    'value',
    'url',
    'method',
    'status',
    'headers',
    'request',
    'response',
    '__proto__',
    'constructor',
    'text',
    'redirectURL',
    '_error',
  ]
  for (let i = Math.floor(r() * 5); i > 0; i--)
    Object.defineProperty(o, keys[Math.floor(r() * keys.length)] as string, {
      value: junk(r, depth - 1),
      enumerable: true,
      configurable: true,
      writable: true,
    })
  return o
}

function hostileHar(r: Rand, seed: number): unknown {
  const base = hostileExchange(r)
  const har = JSON.parse(
    JSON.stringify(
      exchangesToHar([{ exchange: base, diagnosis: analyzeAsDiagnosis(base), startedAt: seed }], {
        redact: false,
      }),
    ),
  )
  // Corrupt a few places of the real shape, then add junk entries around it.
  for (const entry of har.log.entries) {
    if (r() < 0.3) entry.request.headers.push({ name: 'X', value: junk(r, 2) })
    if (r() < 0.2) entry.response.status = junk(r, 0)
    if (r() < 0.2) entry.response.redirectURL = junk(r, 1)
    if (r() < 0.1) entry.request = junk(r, 2)
    if (r() < 0.1) entry._error = junk(r, 1)
  }
  for (let i = Math.floor(r() * 3); i > 0; i--) har.log.entries.push(junk(r, 3))
  return r() < 0.05 ? junk(r, 4) : har
}

function analyzeAsDiagnosis(x: Exchange): Diagnosis {
  return diagnose(x)
}

function main(): void {
  const sampleFixes: Fix[] = []
  let passing = 0
  let failing = 0
  let passingMs = 0
  let failingMs = 0
  const start = performance.now()
  // FUZZ_FROM: run a shard (exchanges FROM..EXCHANGES) in another process, to use another core.
  for (let i = FROM; i <= EXCHANGES; i++) {
    const { passing: ok, ms } = checkExchange(i, sampleFixes)
    if (ok) {
      passing++
      passingMs += ms
    } else {
      failing++
      failingMs += ms
    }
    if (i % 100_000 === 0) process.stderr.write(`  … ${i.toLocaleString('en')} exchanges\n`)
  }
  const exchangeSeconds = (performance.now() - start) / 1000
  const harStart = performance.now()
  let harEntries = 0
  for (let i = 1; i <= HARS; i++) {
    const seed = SEED * 7 + i
    try {
      const read = harToExchanges(hostileHar(rng(seed), seed))
      if ('error' in read) continue
      for (const x of read.exchanges) {
        harEntries++
        const d = diagnose(x)
        if (d.blocked !== (d.corsError !== null)) note(invariants, 'HAR: blocked ⇔ corsError', seed)
      }
    } catch (e) {
      note(exceptions, `HAR: ${errorKey(e)}`, seed)
    }
  }
  const harSeconds = (performance.now() - harStart) / 1000
  const syntax = checkSyntax(sampleFixes)
  for (const f of syntax.failures) note(invariants, `snippet does not parse: ${f.slice(0, 200)}`, 0)

  const count = (m: Map<string, { count: number }>): number =>
    [...m.values()].reduce((n, e) => n + e.count, 0)
  const rate = (n: number, ms: number): string =>
    ms > 0 ? Math.round(n / (ms / 1000)).toLocaleString('en') : '-'
  console.log(
    `exchanges: ${EXCHANGES.toLocaleString('en')} in ${exchangeSeconds.toFixed(1)} s (with the invariant re-runs)`,
  )
  console.log(
    `  diagnose() throughput: passing ${rate(passing, passingMs)}/s (${passing.toLocaleString('en')}), failing or at risk, with fixes ${rate(failing, failingMs)}/s (${failing.toLocaleString('en')})`,
  )
  console.log(
    `structural HARs: ${HARS.toLocaleString('en')} (${harEntries.toLocaleString('en')} entries read) in ${harSeconds.toFixed(1)} s`,
  )
  console.log(
    `snippets parsed (every ${SNIPPET_SAMPLE.toLocaleString('en')}th exchange's fixes): ${JSON.stringify(syntax.checked)}${syntax.missing.length ? `, checkers missing: ${syntax.missing.join(', ')}` : ''}`,
  )
  console.log(`exceptions: ${count(exceptions)}`)
  for (const [k, e] of exceptions) console.log(`  ${e.count} × ${k} (first seed ${e.seed})`)
  console.log(`invariant failures: ${count(invariants)}`)
  for (const [k, e] of invariants) console.log(`  ${e.count} × ${k} (first seed ${e.seed})`)
  process.exitCode = count(exceptions) + count(invariants) > 0 ? 1 : 0
}

main()
