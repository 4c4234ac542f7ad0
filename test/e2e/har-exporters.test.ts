/**
 * Real exporters, real verdicts: every lab scenario runs in a browser that exports HAR the way people
 * export it — Chromium's DevTools front end ("Save all as HAR"), Playwright's recordHar, Firefox ESR's
 * netmonitor — and the verdict CORS Lens reads back from each export (src/core/har.ts → the engine) must
 * equal that browser's own verdict: CDP corsErrorStatus for Chromium (the differential test's oracle and
 * agreement rule), the console's "(Reason: …)" for Firefox. Where an export lacks what the verdict needs,
 * the answer must be "failed, cause not in this export", never a wrong cause, never a false alarm.
 *
 * HAR_EXPORTS_DIR=<dir> keeps the exports (that is how test/fixtures/har/*.har were made).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Diagnosis } from '../../src/core/analysis.ts'
import { harToExchanges } from '../../src/core/har.ts'
import { diagnose } from '../../src/core/index.ts'
import {
  type ChromiumVerdict,
  exportWithDevTools,
  exportWithFirefox,
  exportWithPlaywright,
  type FirefoxVerdict,
  type HarExport,
} from '../harness/har-export.ts'
import { scenarios } from '../lab/scenarios.ts'
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

/** The diagnoses of an export, grouped by scenario in export order (the retry scenario has two). */
function readBack(har: unknown): Map<string, Diagnosis[]> {
  const read = harToExchanges(har)
  if ('error' in read) throw new Error(read.error)
  const out = new Map<string, Diagnosis[]>()
  for (const x of read.exchanges) {
    const id = scenarioIdOf(x.redirects?.[0]?.fromUrl ?? x.request.url)
    if (id) out.set(id, [...(out.get(id) ?? []), diagnose(x)])
  }
  return out
}

/** A failure the browser reported that the export cannot explain: "failed", and no cause claimed. */
const causeUnknown = (d: Diagnosis): boolean => !d.blocked && d.verdict === 'unknown'
/** Anything but "allowed" said of a request the browser let through. */
const alarms = (d: Diagnosis): boolean => d.blocked || d.verdict === 'unknown' || d.verdict === 'not-cors'

function gradeChromium(d: Diagnosis | undefined, v: ChromiumVerdict): Grade {
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

function gradeFirefox(d: Diagnosis | undefined, v: FirefoxVerdict): Grade {
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
  judge: (d: Diagnosis | undefined, v: V) => Grade,
  show: (v: V) => string,
): Graded[] {
  const back = readBack(ex.har)
  const out: Graded[] = []
  for (const s of scenarios) {
    const v = ex.verdicts.get(s.id)
    if (v === undefined) continue
    const [first, ...rest] = back.get(s.id) ?? []
    out.push({ id: s.id, grade: judge(first, v), said: said(first), browser: show(v) })
    // A client's retry (the lab's `retry`) went through: nothing may be said against it.
    if (s.fetch.retry)
      for (const d of rest)
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
  v.corsError ? `${v.corsError}(${v.failedParameter})` : 'ok'

/** One browser runs every scenario: about a minute on an idle machine, far more on a loaded one. */
const EXPORT_TIMEOUT = 600_000

let lab: Lab
beforeAll(async () => {
  lab = await startLab({ scenarios })
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
})
