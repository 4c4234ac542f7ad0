/**
 * What DevTools logged before live capture began, read from a real Chromium DevTools log (the committed
 * `chrome-devtools.har`: DevTools' own HAR builder, which devtools.network.getHAR also uses) and graded
 * against the browser's own verdicts recorded with it (CDP corsErrorStatus, `exports-verdicts.json`).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  DEVTOOLS_LOG_NOTE,
  exchangesBefore,
  LIVE_PREFLIGHT_WAIT_MS,
  LiveLog,
} from '../../src/background/devtools-log.ts'
import { Pipeline } from '../../src/background/pipeline.ts'
import { RecordStore } from '../../src/background/store.ts'
import { analyze } from '../../src/core/analyze.ts'
import type { Exchange } from '../../src/core/exchange.ts'
import { harToExchanges } from '../../src/core/har/index.ts'
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

describe('LiveLog: DevTools’ log fed live, one entry as each request finishes', () => {
  /** The fixture's entries in the order DevTools finished them (start + duration), as onRequestFinished sends them. */
  const finishOrder = [...har.log.entries].sort((a, b) => finishOf(a) - finishOf(b))
  function finishOf(e: unknown): number {
    const x = e as { startedDateTime: string; time?: number }
    return Date.parse(x.startedDateTime) + (typeof x.time === 'number' && x.time > 0 ? x.time : 0)
  }
  const verdictsOf = (exchanges: readonly Exchange[]) =>
    exchanges
      .map(
        (x) =>
          `${x.request.method} ${x.request.url} ${analyze(x).corsError} ${x.preflight ? 'preflight' : ''} ${(x.redirects ?? []).length}`,
      )
      .sort()

  it('waits for a failed request’s preflight that arrives late (a loaded machine), and pairs it', () => {
    const isPreflight = (e: unknown): boolean =>
      (e as { _initiator?: { type?: string } })._initiator?.type === 'preflight'
    type Entry = { request: { url: string }; response: { _error?: string } }
    const entries = finishOrder as unknown as Entry[]
    const failedWithPreflight = (e: Entry): boolean =>
      !isPreflight(e) &&
      !!e.response._error &&
      entries.some((p) => isPreflight(p) && p.request.url === e.request.url)
    const request = entries.find(failedWithPreflight)
    const preflight = entries.find((p) => isPreflight(p) && p.request.url === request?.request.url)
    if (!request || !preflight) throw new Error('the fixture has no failed request with a preflight')
    const timers = new ManualTimers()
    const got: Exchange[] = []
    const live = new LiveLog(
      (_tab, drafts) => got.push(...drafts.map((d) => d.exchange)),
      timers.clock,
      timers.setTimer,
    )
    live.add(TAB, [request])
    timers.advance(500)
    expect(got).toEqual([])
    live.add(TAB, [preflight])
    timers.advance(500)
    expect(got.length).toBe(1)
    const expected = verdicts.chromium[scenarioOf(preflight.request.url)]
    expect(got[0]?.preflight).toBeDefined()
    expect(analyze(got[0] as Exchange).corsError).toBe(expected?.corsError ?? null)
  })

  it('reads the same exchanges as the whole log read at once (preflights paired, chains kept)', () => {
    const timers = new ManualTimers()
    const got: Exchange[] = []
    const live = new LiveLog(
      (_tab, drafts) => got.push(...drafts.map((d) => d.exchange)),
      timers.clock,
      timers.setTimer,
    )
    for (const e of finishOrder) {
      live.add(TAB, [e])
      timers.advance(20)
    }
    // A failed request that needed a preflight waits up to LIVE_PREFLIGHT_WAIT_MS for it.
    timers.advance(LIVE_PREFLIGHT_WAIT_MS + 1000)
    const whole = harToExchanges(har)
    if ('error' in whole) throw new Error(whole.error)
    expect(verdictsOf(got)).toEqual(verdictsOf(whole.exchanges))
    // And the first request of each scenario as the browser reported it (a retry after it may pass).
    const firstOf = new Map<string, Exchange>()
    for (const x of got) if (!firstOf.has(x.request.url)) firstOf.set(x.request.url, x)
    for (const [url, x] of firstOf) {
      const expected = verdicts.chromium[scenarioOf(url)]
      if (expected) expect(analyze(x).corsError, url).toBe(expected.corsError)
    }
  })

  it('never lists an entry twice: what the feed sent, the backfill skips, and the other way round', () => {
    const live = new LiveLog(() => {})
    const [first, second] = har.log.entries
    live.add(TAB, [first])
    expect(live.unseen(TAB, [first, second])).toEqual([second])
    live.add(TAB, [second]) // already backfilled: not read again
    expect(live.unseen(TAB, [first, second])).toEqual([])
  })
})
