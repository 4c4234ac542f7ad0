/**
 * Real exporters, real verdicts: every lab scenario runs in a browser that exports HAR the way people
 * export it — Chromium's DevTools front end ("Save all as HAR"), Playwright's recordHar, Firefox ESR's
 * netmonitor — and the verdict CORS Lens reads back from each export (src/core/har.ts → the engine) must
 * equal that browser's own verdict: CDP corsErrorStatus for Chromium (the differential test's oracle and
 * agreement rule), the console's "(Reason: …)" for Firefox. Where an export lacks what the verdict needs,
 * the answer must be "failed, cause not in this export", never a wrong cause, never a false alarm.
 *
 * The same launches run the lab's not-CORS cases (test/lab/not-cors.ts): a WebSocket handshake, no-cors and
 * navigation requests and HTTP/2 requests must give no CORS row (or a not-CORS one), and a network error
 * the browser's own net error as a not-CORS verdict, wherever the exporter writes it.
 *
 * HAR_EXPORTS_DIR=<dir> keeps the exports (that is how test/fixtures/har/*.har were made).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Diagnosis } from '../../src/core/analysis.ts'
import type { Exchange } from '../../src/core/exchange.ts'
import { harToExchanges } from '../../src/core/har/index.ts'
import { diagnose } from '../../src/core/index.ts'
import {
  type ChromiumVerdict,
  exportWithDevTools,
  exportWithFirefox,
  exportWithPlaywright,
  type FirefoxVerdict,
  type HarExport,
} from '../harness/har-export.ts'
import {
  CHROMIUM_NET_ERROR,
  networkErrorScenarios,
  notCheckedScenarios,
  notCorsScenarios,
} from '../lab/not-cors.ts'
import type { Scenario } from '../lab/scenario.ts'
import { scenarios as corsScenarios } from '../lab/scenarios.ts'
import { type Lab, scenarioIdOf, startLab } from '../lab/server.ts'

/**
 * How one scenario's verdict read back from an export compares with the browser's. `other-words`: Firefox
 * blocked it and so does CORS Lens, which names the cause in Chromium's terms where Firefox words it
 * otherwise (one 'a, b' value: Chromium "multiple values", Firefox "does not match").
 */
type Grade = 'right' | 'other-words' | 'cause-not-in-export' | 'wrong' | 'false-alarm'

interface Graded {
  readonly id: string
  readonly grade: Grade
  readonly said: string
  readonly browser: string
}

const said = (d: Diagnosis | undefined): string =>
  d ? `${d.verdict}${d.corsError ? ` ${d.corsError}(${d.failedParameter})` : ''}` : 'not listed'

/** Every case runs in each launch: the CORS scenarios and the not-CORS ones. */
const scenarios: readonly Scenario[] = [...corsScenarios, ...notCorsScenarios]

interface Row {
  readonly exchange: Exchange
  readonly diagnosis: Diagnosis
}

/** The rows read from an export, grouped by scenario in export order (the retry scenario has two). */
function rowsOf(har: unknown): Map<string, Row[]> {
  const read = harToExchanges(har)
  if ('error' in read) throw new Error(read.error)
  const out = new Map<string, Row[]>()
  for (const x of read.exchanges) {
    const id = scenarioIdOf(x.redirects?.[0]?.fromUrl ?? x.request.url)
    if (id) out.set(id, [...(out.get(id) ?? []), { exchange: x, diagnosis: diagnose(x) }])
  }
  return out
}

/** The raw entries of an export for one scenario (any scheme: a WebSocket's is ws://). */
function entriesOf(har: unknown, id: string): Record<string, unknown>[] {
  const entries = (har as { log: { entries: Record<string, unknown>[] } }).log.entries
  return entries.filter((e) => scenarioIdOf(String((e.request as { url?: unknown })?.url)) === id)
}

/** A failure the browser reported that the export cannot explain: "failed", and no cause claimed. */
const causeUnknown = (d: Diagnosis): boolean => !d.blocked && d.verdict === 'unknown'
/** Anything but "allowed" said of a request the browser let through. */
const alarms = (d: Diagnosis): boolean => d.blocked || d.verdict === 'unknown' || d.verdict === 'not-cors'

/** A network error the browser named (not CORS): the reader must say not-CORS with that very error. */
function gradeNetworkError(row: Row | undefined, errorText: string): Grade {
  if (!row) return 'wrong'
  if (row.diagnosis.verdict === 'not-cors')
    return row.exchange.outcome.kind === 'error' && row.exchange.outcome.error === errorText
      ? 'right'
      : 'wrong'
  return causeUnknown(row.diagnosis) ? 'cause-not-in-export' : 'wrong'
}

function gradeChromium(row: Row | undefined, v: ChromiumVerdict): Grade {
  const d = row?.diagnosis
  if (v.corsError === null && v.errorText) return gradeNetworkError(row, v.errorText)
  if (v.corsError === null) return d && alarms(d) ? 'false-alarm' : 'right'
  if (!d) return 'wrong'
  if (d.blocked && d.corsError === v.corsError) {
    // Several headers missing: Chromium names one in Blink's hash order; the engine lists them all.
    const named =
      d.failedParameter === v.failedParameter ||
      (d.corsError === 'HeaderDisallowedByPreflightResponse' &&
        (d.findings[0]?.explanation ?? '').includes(`'${v.failedParameter}'`))
    return named ? 'right' : 'wrong'
  }
  return causeUnknown(d) ? 'cause-not-in-export' : 'wrong'
}

/** Firefox's reason without the quoted values, in plain quotes: the engine's Firefox text, filled in. */
const reasonShape = (s: string): string =>
  s
    .replace(/[‘'][^’']*[’']/g, '')
    .replace(/\s+/g, ' ')
    .trim()

function gradeFirefox(row: Row | undefined, v: FirefoxVerdict): Grade {
  const d = row?.diagnosis
  // Failed with no CORS reason (an aborted fetch, a refused port): anything but a CORS failure.
  if (v.reasons.length === 0 && v.failed) {
    if (!d || d.blocked) return 'wrong'
    return d.verdict === 'not-cors' ? 'right' : 'cause-not-in-export'
  }
  if (v.reasons.length === 0) return d && alarms(d) ? 'false-alarm' : 'right'
  if (!d) return 'wrong'
  if (d.blocked) {
    const ours = d.findings.find((f) => f.corsError)?.firefox?.text
    const named = ours && v.reasons.some((r) => reasonShape(r) === reasonShape(ours))
    // Some refusals Firefox reports only as its generic network failure.
    const generic = v.reasons.every((r) => r === 'CORS request did not succeed')
    return named || generic ? 'right' : 'other-words'
  }
  return causeUnknown(d) ? 'cause-not-in-export' : 'wrong'
}

function grade<V>(
  ex: HarExport<V>,
  judge: (row: Row | undefined, v: V) => Grade,
  show: (v: V) => string,
): Graded[] {
  const back = rowsOf(ex.har)
  const out: Graded[] = []
  for (const s of scenarios) {
    const v = ex.verdicts.get(s.id)
    if (v === undefined) continue
    const [first, ...rest] = back.get(s.id) ?? []
    out.push({ id: s.id, grade: judge(first, v), said: said(first?.diagnosis), browser: show(v) })
    // A client's retry (the lab's `retry`) went through: nothing may be said against it.
    if (s.fetch.retry)
      for (const { diagnosis: d } of rest)
        if (alarms(d)) out.push({ id: `${s.id} (retry)`, grade: 'false-alarm', said: said(d), browser: 'ok' })
  }
  return out
}

function figures(name: string, graded: readonly Graded[]): Record<Grade | 'scenarios', number> {
  const count = (g: Grade): number => graded.filter((x) => x.grade === g).length
  const f = {
    scenarios: graded.filter((x) => !x.id.endsWith('(retry)')).length,
    right: count('right'),
    'other-words': count('other-words'),
    'cause-not-in-export': count('cause-not-in-export'),
    wrong: count('wrong'),
    'false-alarm': count('false-alarm'),
  }
  const bad = graded.filter((x) => x.grade !== 'right')
  process.stdout.write(
    `HAR ${name}: ${JSON.stringify(f)}\n${bad.map((x) => `  ${x.grade} ${x.id}: read ${x.said}, browser ${x.browser}\n`).join('')}`,
  )
  return f
}

function keep(name: string, har: unknown): void {
  const dir = process.env.HAR_EXPORTS_DIR
  if (!dir) return
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${name}.har`), `${JSON.stringify(har, null, 1)}\n`)
}

const chromiumShow = (v: ChromiumVerdict): string =>
  v.corsError ? `${v.corsError}(${v.failedParameter})` : (v.errorText ?? 'ok')

/** Request header names of a raw HAR entry. */
const requestHeaderNames = (entry: Record<string, unknown> | undefined): string[] =>
  ((entry?.request as { headers?: { name: string }[] } | undefined)?.headers ?? []).map((h) => h.name)

/** Rows read for a scenario that say anything but "not CORS" (a no-cors request has no CORS row at all). */
const corsRows = (rows: Map<string, Row[]>, id: string): string[] =>
  (rows.get(id) ?? []).filter((r) => r.diagnosis.verdict !== 'not-cors').map((r) => said(r.diagnosis))

/**
 * HTTP/2: Chromium's exporters write the pseudo-headers as request headers; the simple GET still needs no
 * preflight and the PUT's only non-safelisted header is X-Custom (its preflight asked for nothing else).
 */
function expectHttp2Read(rows: Map<string, Row[]>): void {
  const ok = rows.get('h2-ok')?.[0]?.diagnosis
  expect(ok?.verdict).toBe('ok')
  expect(ok?.preflight.required).toBe(false)
  const put = rows.get('h2-preflight-ok')?.[0]?.diagnosis
  expect(put?.verdict).toBe('ok')
  expect(put?.unsafeRequestHeaders.map((h) => h.toLowerCase())).toEqual(['x-custom'])
}

/** One browser runs every scenario: about a minute on an idle machine, far more on a loaded one. */
const EXPORT_TIMEOUT = 600_000

let lab: Lab
beforeAll(async () => {
  lab = await startLab({ scenarios, http2: true })
})
afterAll(async () => {
  await lab?.close()
})

describe.each([
  ['Chromium DevTools', exportWithDevTools],
  ['Playwright recordHar', exportWithPlaywright],
] as const)('%s export, read back', (name, exporter) => {
  let ex: HarExport<ChromiumVerdict>
  beforeAll(async () => {
    ex = await exporter(lab, scenarios)
    keep(name.split(' ')[0]?.toLowerCase() ?? name, ex.har)
  }, EXPORT_TIMEOUT)

  it("gives every scenario Chromium's verdict: no wrong cause, no false alarm", () => {
    const graded = grade(ex, gradeChromium, chromiumShow)
    expect(graded.length).toBeGreaterThanOrEqual(scenarios.length)
    const f = figures(name, graded)
    expect(graded.filter((x) => x.grade === 'wrong' || x.grade === 'false-alarm')).toEqual([])
    expect(f.right).toBeGreaterThan(0)
  })

  it('not CORS: WebSocket, no-cors and navigation requests give no CORS row; HTTP/2 pseudo-headers change nothing', () => {
    const rows = rowsOf(ex.har)
    for (const s of notCheckedScenarios) {
      // Both Chromium exporters write the WebSocket handshake (ws://, status 101) too.
      expect(entriesOf(ex.har, s.id), `${s.id} in the export`).not.toEqual([])
      expect(ex.verdicts.get(s.id), `${s.id}: the browser let it through`).toEqual({
        corsError: null,
        failedParameter: null,
        errorText: null,
      })
      expect(corsRows(rows, s.id), s.id).toEqual([])
    }
    expect(requestHeaderNames(entriesOf(ex.har, 'h2-ok')[0])).toEqual(
      expect.arrayContaining([':authority', ':method', ':path', ':scheme']),
    )
    expectHttp2Read(rows)
  })

  it('network errors: the net error the browser named, as a not-CORS verdict', () => {
    const rows = rowsOf(ex.har)
    for (const s of networkErrorScenarios) {
      const error = CHROMIUM_NET_ERROR[s.id]
      expect(ex.verdicts.get(s.id), s.id).toEqual({
        corsError: null,
        failedParameter: null,
        errorText: error,
      })
      const [row] = rows.get(s.id) ?? []
      expect(row?.diagnosis.verdict, s.id).toBe('not-cors')
      expect(row?.exchange.outcome, s.id).toEqual({ kind: 'error', error })
    }
  })
})

describe('Firefox ESR netmonitor export, read back', () => {
  let ex: HarExport<FirefoxVerdict>
  beforeAll(async () => {
    ex = await exportWithFirefox(lab, scenarios)
    keep('firefox', ex.har)
  }, EXPORT_TIMEOUT)

  it("gives every scenario Firefox's verdict: no wrong cause, no false alarm", () => {
    const graded = grade(ex, gradeFirefox, (v) => v.reasons.join(' / ') || 'ok')
    const f = figures('Firefox netmonitor', graded)
    expect(graded.filter((x) => x.grade === 'wrong' || x.grade === 'false-alarm')).toEqual([])
    expect(f.right).toBeGreaterThan(0)
  })

  it('not CORS: no-cors and navigation requests give no CORS row; HTTP/2 reads as HTTP/1.1 does', () => {
    const rows = rowsOf(ex.har)
    for (const s of notCheckedScenarios) {
      // Firefox's netmonitor export leaves WebSocket connections out: nothing to read there.
      if (s.fetch.via !== 'websocket')
        expect(entriesOf(ex.har, s.id), `${s.id} in the export`).not.toEqual([])
      expect(ex.verdicts.get(s.id), `${s.id}: Firefox let it through`).toEqual({ reasons: [], failed: false })
      expect(corsRows(rows, s.id), s.id).toEqual([])
    }
    // Firefox writes no pseudo-headers (it lists Host), but says the request went over HTTP/2.
    const h2 = entriesOf(ex.har, 'h2-ok')[0]?.request as { httpVersion?: string } | undefined
    expect(h2?.httpVersion).toBe('HTTP/2')
    expectHttp2Read(rows)
  })

  it('network errors: Firefox records status 0 and no cause, so the reader claims none (never CORS)', () => {
    const rows = rowsOf(ex.har)
    for (const s of networkErrorScenarios) {
      expect(ex.verdicts.get(s.id)?.failed, `${s.id} failed in Firefox`).toBe(true)
      const entry = entriesOf(ex.har, s.id)[0] as { response?: { status?: number } } | undefined
      expect(entry?.response?.status, s.id).toBe(0)
      const [row] = rows.get(s.id) ?? []
      expect(row?.diagnosis.blocked, s.id).toBe(false)
      expect(row?.diagnosis.verdict, s.id).toBe('unknown')
      expect(
        row?.diagnosis.findings.map((x) => x.code),
        s.id,
      ).toContain('failed-cause-not-recorded')
    }
  })
})
