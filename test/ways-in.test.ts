/**
 * One answer whatever the way in: the same traffic read by `cors-lens explain`, by the panel's HAR import
 * and by the worker (DevTools' log, the backfill every live capture starts with) gets the same findings,
 * cross-request ones included — all three judge through one core Session (src/core/session.ts).
 * The traffic is real: DevTools and netmonitor exports of the lab, and a developer's Edge export
 * (sources in test/fixtures/har/README.md).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Notifier, Pipeline } from '../src/background/pipeline.ts'
import { RecordStore } from '../src/background/store.ts'
import { explainEach, readHar } from '../src/cli/explain.ts'
import { analyze } from '../src/core/index.ts'
import { importHar } from '../src/panel/har-io.ts'
import type { ExchangeRecord } from '../src/protocol.ts'
import { chromium, FakeArea, ManualTimers } from './background/fakes.ts'

const HAR_DIR = resolve(import.meta.dirname, 'fixtures/har')
const FILES = ['edge-126-api-gateway.har', 'chrome-devtools-not-cors.har', 'firefox-netmonitor-not-cors.har']

type Codes = Map<string, string[]>

const keyOf = (method: string, url: string, status: number | null): string =>
  `${method} ${url} ${status ?? '-'}`

function add(out: Codes, key: string, codes: readonly string[]): void {
  // Several requests can share a key (a retry): compare them as one sorted list.
  out.set(key, [...(out.get(key) ?? []), ...codes].sort())
}

async function viaExplain(file: string): Promise<Codes> {
  const out: Codes = new Map()
  const read = explainEach(readHar(file))
  for (;;) {
    const next = await read.next()
    if (next.done) return out
    const e = next.value
    add(
      out,
      keyOf(e.method, e.url, e.status),
      e.findings.map((f) => f.code),
    )
  }
}

async function viaImport(file: string): Promise<Codes> {
  const out: Codes = new Map()
  const { records } = await importHar(readFileSync(file, 'utf8'), file)
  for (const { record } of records) add(out, recordKey(record), codesOf(record))
  return out
}

async function viaWorker(file: string): Promise<Codes> {
  const timers = new ManualTimers()
  const pushed: ExchangeRecord[] = []
  const notifier: Notifier = {
    records: (_tabId, records) => pushed.push(...records),
    tabState: () => {},
    cleared: () => {},
  }
  const store = new RecordStore({ area: new FakeArea(), setTimer: timers.setTimer })
  const pipeline = new Pipeline({
    platform: chromium,
    store,
    diagnose: analyze,
    notifier,
    setTimer: timers.setTimer,
  })
  await pipeline.start()
  const har = JSON.parse(readFileSync(file, 'utf8')) as { log: { creator: unknown; entries: unknown[] } }
  pipeline.backfill(7, { creator: har.log.creator, entries: har.log.entries }, Number.MAX_SAFE_INTEGER)
  const out: Codes = new Map()
  for (const record of pushed) add(out, recordKey(record), codesOf(record))
  return out
}

const recordKey = (r: ExchangeRecord): string =>
  keyOf(r.exchange.request.method, r.exchange.request.url, r.exchange.response?.status ?? null)

/** The findings of a CORS request (explain lists only those; same-origin and not-CORS rows are left out). */
const codesOf = (r: ExchangeRecord): string[] => r.analysis.findings.map((f) => f.code)

/** Only the requests explain lists: the others are not CORS requests, in every way in alike. */
function only(codes: Codes, keys: Iterable<string>): Codes {
  const wanted = new Set(keys)
  return new Map([...codes].filter(([k]) => wanted.has(k)))
}

describe('the same traffic gets the same findings, however it comes in', () => {
  for (const name of FILES) {
    it(name, async () => {
      const file = resolve(HAR_DIR, name)
      const explain = await viaExplain(file)
      expect(explain.size).toBeGreaterThan(0)
      expect(only(await viaImport(file), explain.keys())).toEqual(explain)
      expect(only(await viaWorker(file), explain.keys())).toEqual(explain)
    })
  }

  it('includes the cross-request finding where the traffic shows it', async () => {
    const explain = await viaExplain(resolve(HAR_DIR, 'edge-126-api-gateway.har'))
    expect([...explain.values()].flat()).toContain('cors-headers-missing-on-errors')
  })
})
