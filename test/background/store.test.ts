import { describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPS,
  type RecordDraft,
  RecordStore,
  retentionRank,
  TRUNCATED_NOTE,
} from '../../src/background/store.ts'
import type { Diagnosis, Verdict } from '../../src/core/analysis.ts'
import { emptyDiagnosis } from '../../src/core/diagnose.ts'
import { FakeArea, ManualTimers } from './fakes.ts'

function draft(verdict: Verdict, n: number, extra: { bodyBytes?: number; ok?: boolean } = {}): RecordDraft {
  const diagnosis: Diagnosis = {
    ...emptyDiagnosis({
      initiator: 'http://app.test',
      request: { method: 'GET', url: 'http://api.test/', headers: [] },
      outcome: { kind: 'unknown' },
    }),
    verdict,
    blocked: verdict === 'blocked',
  }
  return {
    startedAt: 1_000 + n,
    exchange: {
      initiator: 'http://app.test',
      request: { method: 'GET', url: `http://api.test/${n}`, headers: [] },
      response: {
        status: 200,
        headers: extra.bodyBytes ? [{ name: 'X-Pad', value: 'p'.repeat(extra.bodyBytes) }] : [],
      },
      outcome: (extra.ok ?? verdict === 'ok') ? { kind: 'ok' } : { kind: 'error', error: 'net::ERR_FAILED' },
    },
    analysis: diagnosis,
    notes: [],
  }
}

function makeStore(area = new FakeArea(), caps: Partial<typeof DEFAULT_CAPS> = {}) {
  const timers = new ManualTimers()
  const store = new RecordStore({ area, caps, setTimer: timers.setTimer, flushDelayMs: 150 })
  return { store, area, timers }
}

const urls = (store: RecordStore, tab: number) =>
  store.records(tab).map((r) => r.exchange.request.url.slice(16))

describe('RecordStore', () => {
  it('ranks passing lowest and blocked highest', () => {
    expect(retentionRank(draft('ok', 0))).toBe(0)
    expect(retentionRank(draft('unknown', 0, { ok: true }))).toBe(0)
    expect(retentionRank(draft('not-cors', 0))).toBe(1)
    expect(retentionRank(draft('unknown', 0))).toBe(2)
    expect(retentionRank(draft('at-risk', 0))).toBe(2)
    expect(retentionRank(draft('blocked', 0))).toBe(3)
  })

  it('numbers records per tab and never reuses a seq after clear', async () => {
    const { store } = makeStore()
    expect(store.add(1, draft('blocked', 0)).record).toMatchObject({ id: '1-1', seq: 1, tabId: 1 })
    expect(store.add(2, draft('blocked', 1)).record.seq).toBe(1)
    store.clear(1)
    expect(store.add(1, draft('blocked', 2)).record).toMatchObject({ id: '1-2', seq: 2 })
  })

  it('caps passing records per tab, evicting the oldest passing one', () => {
    const { store } = makeStore(undefined, { maxPassingPerTab: 2 })
    store.add(1, draft('blocked', 0))
    store.add(1, draft('ok', 1))
    store.add(1, draft('ok', 2))
    const r = store.add(1, draft('ok', 3))
    expect(r.evictedTabs).toEqual(new Set([1]))
    expect(urls(store, 1)).toEqual(['0', '2', '3'])
    expect(store.tabState(1).evicted).toBe(1)
  })

  it('evicts passing first, then not-cors, at-risk, blocked last (oldest first within a rank)', () => {
    const { store } = makeStore(undefined, { maxRecordsPerTab: 3 })
    store.add(1, draft('blocked', 0))
    store.add(1, draft('at-risk', 1))
    store.add(1, draft('ok', 2))
    store.add(1, draft('not-cors', 3)) // evicts ok 2
    expect(urls(store, 1)).toEqual(['0', '1', '3'])
    store.add(1, draft('blocked', 4)) // evicts not-cors 3
    expect(urls(store, 1)).toEqual(['0', '1', '4'])
    store.add(1, draft('blocked', 5)) // evicts at-risk 1
    expect(urls(store, 1)).toEqual(['0', '4', '5'])
    store.add(1, draft('blocked', 6)) // only blocked left: the oldest goes
    expect(urls(store, 1)).toEqual(['4', '5', '6'])
    expect(store.tabState(1).evicted).toBe(4)
  })

  it('keeps the total under the byte budget, taking passing records from any tab first', () => {
    const { store } = makeStore(undefined, { maxBytesTotal: 12_000, maxBytesPerTab: 1_000_000 })
    store.add(1, draft('blocked', 0, { bodyBytes: 3000 }))
    store.add(2, draft('ok', 1, { bodyBytes: 3000 }))
    store.add(1, draft('blocked', 2, { bodyBytes: 3000 }))
    store.add(3, draft('blocked', 3, { bodyBytes: 3000 })) // over budget: the passing one in tab 2 goes
    expect(store.records(2)).toEqual([])
    expect(store.totalBytes).toBeLessThanOrEqual(12_000)
    store.add(3, draft('blocked', 4, { bodyBytes: 3000 })) // then the oldest failure
    expect(urls(store, 1)).toEqual(['2'])
    expect(store.totalBytes).toBeLessThanOrEqual(12_000)
  })

  it('per-tab byte cap protects other tabs', () => {
    const { store } = makeStore(undefined, { maxBytesPerTab: 8_000 })
    store.add(2, draft('ok', 99, { bodyBytes: 1000 }))
    for (let i = 0; i < 5; i++) store.add(1, draft('blocked', i, { bodyBytes: 3000 }))
    expect(store.records(1).length).toBe(2)
    expect(store.records(2).length).toBe(1)
  })

  it('cuts long strings with a marker and a note', () => {
    const { store } = makeStore()
    const { record } = store.add(1, draft('blocked', 0, { bodyBytes: 50_000 }))
    const v = record.exchange.response?.headers[0]?.value ?? ''
    expect(v.length).toBeLessThan(DEFAULT_CAPS.maxStringLength + 100)
    expect(v).toMatch(/original length 50000 characters\]$/)
    expect(record.notes).toEqual([TRUNCATED_NOTE])
  })

  it('batches writes: many adds within the flush delay make one set call', async () => {
    const { store, area, timers } = makeStore()
    for (let i = 0; i < 20; i++) store.add(1, draft('blocked', i))
    expect(area.sets).toBe(0)
    timers.advance(149)
    expect(area.sets).toBe(0)
    timers.advance(1)
    await store.flush()
    expect(area.sets).toBe(1)
    expect([...area.data.keys()].filter((k) => k.startsWith('cl:r:1:'))).toHaveLength(20)
  })

  it('round-trips through storage: a new store (a new worker) restores records, meta and settings', async () => {
    const area = new FakeArea()
    const a = makeStore(area, { maxRecordsPerTab: 3 })
    a.store.add(1, draft('blocked', 0))
    a.store.add(1, draft('ok', 1))
    a.store.add(1, draft('blocked', 2))
    a.store.add(1, draft('blocked', 3)) // evicts the ok one
    a.store.add(7, draft('at-risk', 4))
    a.store.setPreserveLog(7, true)
    a.store.setSettings({ captureScope: 'all-tabs' })
    await a.store.flush()

    const b = makeStore(area, { maxRecordsPerTab: 3 })
    await b.store.restore()
    expect(b.store.records(1)).toEqual(a.store.records(1))
    expect(b.store.records(7)).toEqual(a.store.records(7))
    expect(b.store.tabState(1)).toEqual({ preserveLog: false, evicted: 1 })
    expect(b.store.tabState(7)).toEqual({ preserveLog: true, evicted: 0 })
    expect(b.store.settings).toEqual({ captureScope: 'all-tabs' })
    expect(b.store.totalBytes).toBeGreaterThan(0)
    // Numbering continues after a restart.
    expect(b.store.add(1, draft('blocked', 5)).record.seq).toBe(5)
    // And eviction still works on restored records (oldest failure goes first).
    expect(b.store.records(1).map((r) => r.seq)).toEqual([3, 4, 5])
  })

  it('skips (and deletes) corrupt stored entries', async () => {
    const area = new FakeArea()
    area.data.set('cl:r:1:1', '{not json')
    area.data.set('cl:r:1:2', JSON.stringify({ id: 'x' }))
    area.data.set('cl:t:1', 'garbage')
    area.data.set('cl:settings', { captureScope: 'nope' })
    area.data.set('other-key', 1)
    const { store } = makeStore(area)
    await store.restore()
    expect(store.records(1)).toEqual([])
    // The default: capture only where DevTools is open.
    expect(store.settings).toEqual({ captureScope: 'devtools-open' })
    await store.flush()
    expect(area.data.has('cl:r:1:1')).toBe(false)
    expect(area.data.has('other-key')).toBe(true)
  })

  it('clear and removeTab delete stored keys', async () => {
    const { store, area } = makeStore()
    store.add(1, draft('blocked', 0))
    store.add(2, draft('blocked', 1))
    await store.flush()
    store.clear(1)
    store.removeTab(2)
    await store.flush()
    expect([...area.data.keys()].sort()).toEqual(['cl:t:1'])
    expect(store.totalBytes).toBe(0)
  })

  it('a storage failure is reported, not thrown', async () => {
    const area = new FakeArea()
    area.set = async () => {
      throw new Error('QUOTA_BYTES quota exceeded')
    }
    const errors: unknown[] = []
    const store = new RecordStore({ area, onError: (e) => errors.push(e), setTimer: () => 0 })
    store.add(1, draft('blocked', 0))
    await store.flush()
    expect(errors).toHaveLength(1)
  })
})

describe('RecordStore under a storage quota (as strict as storage.session: a set over quota stores nothing)', () => {
  it('a refused set does not take the removals down with it: cleared records stay cleared after a restart', async () => {
    // Room for three records (strings are cut at 8 KB); the batch after the clear holds four: refused whole.
    const area = new FakeArea(30_000)
    const { store } = makeStore(area)
    for (let n = 0; n < 3; n++) store.add(1, draft('blocked', n, { bodyBytes: 8_000 }))
    await store.flush()
    expect(area.bytesInUse).toBeGreaterThan(24_000)
    store.clear(1)
    for (let n = 0; n < 4; n++) store.add(2, draft('blocked', 10 + n, { bodyBytes: 8_000 }))
    await store.flush()
    const restarted = new RecordStore({ area })
    await restarted.restore()
    expect(restarted.records(1)).toEqual([])
    // What did not fit is gone from memory too: memory agrees with what a restart brings back.
    expect(store.records(2).map((r) => r.seq)).toEqual(restarted.records(2).map((r) => r.seq))
    expect(store.records(2)).toHaveLength(3)
    expect(area.bytesInUse).toBeLessThanOrEqual(30_000)
  })

  it('one record too big for the quota does not cost the others in its batch', async () => {
    const area = new FakeArea(9_000)
    const { store } = makeStore(area)
    store.add(1, draft('blocked', 1, { bodyBytes: 1_000 }))
    store.add(1, draft('blocked', 2, { bodyBytes: 8_000 }))
    store.add(1, draft('blocked', 3, { bodyBytes: 1_000 }))
    const errors: unknown[] = []
    await store.flush()
    const restarted = new RecordStore({ area, onError: (e) => errors.push(e) })
    await restarted.restore()
    expect(urls(restarted, 1)).toEqual(['1', '3'])
    expect(urls(store, 1)).toEqual(['1', '3'])
    expect(store.tabState(1).evicted).toBe(1)
  })
})
