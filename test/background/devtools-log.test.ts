/**
 * What DevTools logged before live capture began, read from a real Chromium DevTools log (the committed
 * `chrome-devtools.har`: DevTools' own HAR builder, which devtools.network.getHAR also uses) and graded
 * against the browser's own verdicts recorded with it (CDP corsErrorStatus, `exports-verdicts.json`).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEVTOOLS_LOG_NOTE, exchangesBefore } from '../../src/background/devtools-log.ts'
import { Pipeline } from '../../src/background/pipeline.ts'
import { RecordStore } from '../../src/background/store.ts'
import { analyze } from '../../src/core/analyze.ts'
import type { DevtoolsLog, ExchangeRecord } from '../../src/protocol.ts'
import { chromium, FakeArea, ManualTimers } from './fakes.ts'

const FIXTURES = join(import.meta.dirname, '../fixtures/har')
const har = JSON.parse(readFileSync(join(FIXTURES, 'chrome-devtools.har'), 'utf8')) as {
  log: { creator: unknown; entries: { startedDateTime: string; request: { url: string } }[] }
}
const verdicts = JSON.parse(readFileSync(join(FIXTURES, 'exports-verdicts.json'), 'utf8')) as {
  chromium: Record<string, { corsError: string | null }>
}
const log: DevtoolsLog = { creator: har.log.creator, entries: har.log.entries }
/** Live capture began just before the `header-xhr` scenario's request. */
const SINCE = Date.parse('2026-12-02T06:52:18.000Z')
const scenarioOf = (url: string) => new URL(url).pathname.split('/')[2] ?? ''
const TAB = 7

function pipelineWithRecords() {
  const timers = new ManualTimers()
  const pushed: ExchangeRecord[] = []
  const pipeline = new Pipeline({
    platform: chromium,
    store: new RecordStore({ area: new FakeArea(), setTimer: timers.setTimer }),
    diagnose: analyze,
    notifier: {
      records: (_t, r) => pushed.push(...r),
      tabState: () => {},
      cleared: () => {},
    },
    now: timers.clock,
    setTimer: timers.setTimer,
  })
  return { pipeline, pushed }
}

describe('DevTools’ own log, for what came before live capture', () => {
  it('keeps only the exchanges that started before capture began, paired and chained as the reader reads them', () => {
    const before = exchangesBefore(log, SINCE).map((e) => scenarioOf(e.request.url))
    expect(before).toEqual([
      'ok-star', // ok-no-cors, a no-cors fetch, is not a CORS request
      'ok-preflight-max-age-big',
      'ok-redirect-tainted-star',
      'missing-acao',
      'multi-xhr',
      'cred-star',
    ])
    expect(exchangesBefore(log, Date.parse('2026-12-02T06:00:00Z'))).toEqual([])
    expect(
      exchangesBefore({ creator: null, entries: [null, 7, { startedDateTime: 'soon' }] }, SINCE),
    ).toEqual([])
  })

  it('stores them with the browser’s verdict, once per capture start', async () => {
    const { pipeline, pushed } = pipelineWithRecords()
    await pipeline.start()
    pipeline.backfill(TAB, log, SINCE)
    expect(pushed.length).toBe(6)
    for (const r of pushed) {
      const expected = verdicts.chromium[scenarioOf(r.exchange.request.url)]
      expect(r.analysis.corsError, r.exchange.request.url).toBe(expected?.corsError ?? null)
      expect(r.notes).toEqual([DEVTOOLS_LOG_NOTE])
      expect(r.startedAt).toBeLessThan(SINCE)
    }
    // The panel reopened (or reloaded): the same capture start is not read twice.
    pipeline.backfill(TAB, log, SINCE)
    expect(pushed.length).toBe(6)
    // Capture restarted later (DevTools closed and reopened): a new start is read.
    pipeline.backfill(TAB, log, Date.parse('2026-12-02T07:00:00Z'))
    expect(pushed.length).toBeGreaterThan(6)
  })
})
