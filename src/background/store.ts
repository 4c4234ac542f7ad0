/**
 * The worker's bounded record store, persisted to storage.session so a worker stop loses nothing that was
 * flushed. Each record is stored under its own key as one JSON string: writes stay incremental (only new and
 * removed records go out), and storage.session's quota (10 MB, counted as estimated memory) sees one string
 * instead of thousands of small objects.
 *
 * Caps (why these numbers): storage.session holds 10 MB for the whole extension; we budget 7 MB of records
 * (measured as UTF-8 JSON bytes, plus keys), leaving room for the metadata and for Chrome's estimate running
 * above the raw byte count. One tab may use at most 3 MB and 500 records, so a noisy tab cannot push every
 * other tab's failures out; at most 100 of a tab's records may be passing ones. Strings longer than 8 KB are
 * cut with a marker (see bound.ts). Eviction takes the lowest retention rank first (passing, then not-CORS
 * failures, then at-risk/unknown, blocked last) and, within a rank, the oldest.
 *
 * Flush: writes are batched and go out FLUSH_DELAY_MS after the first change (one set + one remove call).
 */
import type { ExchangeRecord, Settings, TabState } from '../protocol.ts'
import { boundStrings, utf8Length } from './bound.ts'

export interface StorageAreaLike {
  get(keys: null): Promise<Record<string, unknown>>
  set(items: Record<string, unknown>): Promise<void>
  remove(keys: string[]): Promise<void>
}

export interface StoreCaps {
  readonly maxRecordsPerTab: number
  readonly maxPassingPerTab: number
  readonly maxBytesPerTab: number
  readonly maxBytesTotal: number
  readonly maxStringLength: number
}

export const DEFAULT_CAPS: StoreCaps = {
  maxRecordsPerTab: 500,
  maxPassingPerTab: 100,
  maxBytesPerTab: 3 * 1024 * 1024,
  maxBytesTotal: 7 * 1024 * 1024,
  maxStringLength: 8 * 1024,
}

export const FLUSH_DELAY_MS = 150

export const DEFAULT_SETTINGS: Settings = { captureScope: 'devtools-open' }

export const TRUNCATED_NOTE =
  'Some very long values were shortened for storage; each keeps its original length in a marker.'

export type RecordDraft = Omit<ExchangeRecord, 'id' | 'seq' | 'tabId'>

/** 0 passing, 1 failed for a non-CORS reason, 2 at risk or unexplained failure, 3 blocked by CORS. */
export function retentionRank(record: Pick<ExchangeRecord, 'analysis' | 'exchange'>): number {
  switch (record.analysis.verdict) {
    case 'ok':
      return 0
    case 'not-cors':
      return 1
    case 'at-risk':
      return 2
    case 'blocked':
      return 3
    default:
      // 'unknown' with a browser that let it through is a pass we could not explain: treat as passing.
      return record.exchange.outcome.kind === 'ok' ? 0 : 2
  }
}

interface Entry {
  readonly key: string
  readonly record: ExchangeRecord
  readonly rank: number
  readonly bytes: number
  readonly order: number
}

interface TabData {
  seq: number
  evicted: number
  preserveLog: boolean
  entries: Entry[]
  bytes: number
}

interface TabMeta {
  readonly seq: number
  readonly evicted: number
  readonly preserveLog: boolean
}

const PREFIX = 'cl:'
const SETTINGS_KEY = `${PREFIX}settings`
const metaKey = (tabId: number): string => `${PREFIX}t:${tabId}`
const recordKey = (tabId: number, seq: number): string => `${PREFIX}r:${tabId}:${seq}`

export interface AddResult {
  readonly record: ExchangeRecord
  /** Tabs whose evicted count changed (the panel is told). */
  readonly evictedTabs: ReadonlySet<number>
}

export interface StoreOptions {
  readonly area: StorageAreaLike
  readonly caps?: Partial<StoreCaps>
  readonly flushDelayMs?: number
  readonly setTimer?: (fn: () => void, ms: number) => unknown
  readonly onError?: (error: unknown) => void
}

export class RecordStore {
  private readonly caps: StoreCaps
  private readonly tabs = new Map<number, TabData>()
  private settingsValue: Settings = DEFAULT_SETTINGS
  private total = 0
  private order = 0
  private readonly toSet = new Map<string, unknown>()
  private readonly toRemove = new Set<string>()
  private timer: unknown = null
  private flushing: Promise<void> = Promise.resolve()

  constructor(private readonly options: StoreOptions) {
    this.caps = { ...DEFAULT_CAPS, ...options.caps }
  }

  /** Loads what an earlier worker persisted. Call once, before anything else. */
  async restore(): Promise<void> {
    const all = await this.options.area.get(null)
    const restored: { tabId: number; entry: Omit<Entry, 'order'> }[] = []
    const bad: string[] = []
    for (const [key, value] of Object.entries(all)) {
      if (!key.startsWith(PREFIX)) continue
      if (key === SETTINGS_KEY) {
        if (isSettings(value)) this.settingsValue = value
        continue
      }
      const meta = /^cl:t:(-?\d+)$/.exec(key)
      if (meta) {
        const m = value as Partial<TabMeta> | null
        const tab = this.tab(Number(meta[1]))
        if (m && typeof m === 'object') {
          tab.seq = Math.max(tab.seq, Number(m.seq) || 0)
          tab.evicted = Number(m.evicted) || 0
          tab.preserveLog = m.preserveLog === true
        }
        continue
      }
      const rec = /^cl:r:(-?\d+):(\d+)$/.exec(key)
      if (!rec) continue
      const record = parseRecord(value)
      if (!record) {
        bad.push(key)
        continue
      }
      const tabId = Number(rec[1])
      restored.push({
        tabId,
        entry: { key, record, rank: retentionRank(record), bytes: utf8Length(value as string) + key.length },
      })
    }
    restored.sort(
      (a, b) =>
        a.entry.record.startedAt - b.entry.record.startedAt || a.entry.record.seq - b.entry.record.seq,
    )
    for (const { tabId, entry } of restored) {
      const tab = this.tab(tabId)
      tab.entries.push({ ...entry, order: this.order++ })
      tab.bytes += entry.bytes
      tab.seq = Math.max(tab.seq, entry.record.seq)
      this.total += entry.bytes
    }
    for (const tab of this.tabs.values()) tab.entries.sort((a, b) => a.record.seq - b.record.seq)
    for (const key of bad) this.markRemove(key)
  }

  get settings(): Settings {
    return this.settingsValue
  }

  setSettings(settings: Settings): void {
    this.settingsValue = settings
    this.markSet(SETTINGS_KEY, settings)
  }

  tabState(tabId: number): TabState {
    const tab = this.tabs.get(tabId)
    return { preserveLog: tab?.preserveLog ?? false, evicted: tab?.evicted ?? 0 }
  }

  records(tabId: number): ExchangeRecord[] {
    return this.tabs.get(tabId)?.entries.map((e) => e.record) ?? []
  }

  get totalBytes(): number {
    return this.total
  }

  add(tabId: number, draft: RecordDraft): AddResult {
    const tab = this.tab(tabId)
    const seq = ++tab.seq
    const cut = { count: 0 }
    let record: ExchangeRecord = boundStrings(
      { id: `${tabId}-${seq}`, seq, tabId, ...draft },
      this.caps.maxStringLength,
      cut,
    )
    if (cut.count > 0 && !record.notes.includes(TRUNCATED_NOTE))
      record = { ...record, notes: [...record.notes, TRUNCATED_NOTE] }
    const key = recordKey(tabId, seq)
    const json = JSON.stringify(record)
    const entry: Entry = {
      key,
      record,
      rank: retentionRank(record),
      bytes: utf8Length(json) + key.length,
      order: this.order++,
    }
    tab.entries.push(entry)
    tab.bytes += entry.bytes
    this.total += entry.bytes
    this.markSet(key, json)
    this.markMeta(tabId, tab)

    const evictedTabs = new Set<number>()
    const passing = tab.entries.filter((e) => e.rank === 0)
    if (entry.rank === 0 && passing.length > this.caps.maxPassingPerTab) {
      const oldest = passing[0]
      if (oldest) this.evict(tabId, tab, oldest, evictedTabs)
    }
    while (tab.entries.length > this.caps.maxRecordsPerTab || tab.bytes > this.caps.maxBytesPerTab) {
      const victim = lowest(tab.entries)
      if (!victim) break
      this.evict(tabId, tab, victim, evictedTabs)
    }
    while (this.total > this.caps.maxBytesTotal) {
      let victim: { tabId: number; tab: TabData; entry: Entry } | null = null
      for (const [id, t] of this.tabs) {
        const e = lowest(t.entries)
        if (e && (!victim || before(e, victim.entry))) victim = { tabId: id, tab: t, entry: e }
      }
      if (!victim) break
      this.evict(victim.tabId, victim.tab, victim.entry, evictedTabs)
    }
    return { record, evictedTabs }
  }

  /** Empties a tab's log (user clear or navigation). Its seq keeps growing, so ids are never reused. */
  clear(tabId: number): void {
    const tab = this.tabs.get(tabId)
    if (!tab) return
    for (const e of tab.entries) this.markRemove(e.key)
    this.total -= tab.bytes
    tab.entries = []
    tab.bytes = 0
    tab.evicted = 0
    this.markMeta(tabId, tab)
  }

  /** The tab closed: everything about it goes. */
  removeTab(tabId: number): void {
    const tab = this.tabs.get(tabId)
    if (!tab) return
    for (const e of tab.entries) this.markRemove(e.key)
    this.total -= tab.bytes
    this.tabs.delete(tabId)
    this.markRemove(metaKey(tabId))
  }

  setPreserveLog(tabId: number, preserveLog: boolean): void {
    const tab = this.tab(tabId)
    tab.preserveLog = preserveLog
    this.markMeta(tabId, tab)
  }

  /** Writes everything pending now (also what the timer does). Resolves when storage has it. */
  flush(): Promise<void> {
    this.timer = null
    if (this.toSet.size === 0 && this.toRemove.size === 0) return this.flushing
    const set = Object.fromEntries(this.toSet)
    const remove = [...this.toRemove]
    this.toSet.clear()
    this.toRemove.clear()
    // Chained so writes land in order even when a flush starts before the previous one finished.
    this.flushing = this.flushing.then(async () => {
      // Removals first: they free room, and a rejected set must never take them down with it (cleared
      // records would come back after a restart).
      if (remove.length > 0) await this.writeRemovals(remove)
      if (Object.keys(set).length > 0) await this.writeSets(set)
    })
    return this.flushing
  }

  private async writeRemovals(keys: string[]): Promise<void> {
    try {
      await this.options.area.remove(keys)
    } catch (error) {
      this.options.onError?.(error)
      // Retried with the next flush, unless the key was written again meanwhile.
      for (const k of keys) if (!this.toSet.has(k)) this.markRemove(k)
    }
  }

  /**
   * storage.session refuses a whole set that would pass its quota. Then each item is tried alone, and a
   * record that still does not fit is dropped from memory too (counted as evicted): memory and storage agree,
   * so the budget stays true and a restart brings back exactly what the panel showed.
   */
  private async writeSets(items: Record<string, unknown>): Promise<void> {
    try {
      await this.options.area.set(items)
      return
    } catch (error) {
      this.options.onError?.(error)
    }
    for (const [key, value] of Object.entries(items)) {
      try {
        await this.options.area.set({ [key]: value })
      } catch {
        this.forget(key)
      }
    }
  }

  /** A record whose write failed: out of memory as well (and out of storage, in case an old copy is there). */
  private forget(key: string): void {
    for (const [tabId, tab] of this.tabs) {
      const entry = tab.entries.find((e) => e.key === key)
      if (entry) {
        this.evict(tabId, tab, entry, new Set())
        return
      }
    }
  }

  get pendingWrites(): number {
    return this.toSet.size + this.toRemove.size
  }

  private tab(tabId: number): TabData {
    let tab = this.tabs.get(tabId)
    if (!tab) {
      tab = { seq: 0, evicted: 0, preserveLog: false, entries: [], bytes: 0 }
      this.tabs.set(tabId, tab)
    }
    return tab
  }

  private evict(tabId: number, tab: TabData, entry: Entry, evictedTabs: Set<number>): void {
    const i = tab.entries.indexOf(entry)
    if (i < 0) return
    tab.entries.splice(i, 1)
    tab.bytes -= entry.bytes
    this.total -= entry.bytes
    tab.evicted++
    evictedTabs.add(tabId)
    this.markRemove(entry.key)
    this.markMeta(tabId, tab)
  }

  private markMeta(tabId: number, tab: TabData): void {
    const meta: TabMeta = { seq: tab.seq, evicted: tab.evicted, preserveLog: tab.preserveLog }
    this.markSet(metaKey(tabId), meta)
  }

  private markSet(key: string, value: unknown): void {
    this.toRemove.delete(key)
    this.toSet.set(key, value)
    this.schedule()
  }

  private markRemove(key: string): void {
    this.toSet.delete(key)
    this.toRemove.add(key)
    this.schedule()
  }

  private schedule(): void {
    if (this.timer !== null) return
    const setTimer = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.timer = setTimer(() => void this.flush(), this.options.flushDelayMs ?? FLUSH_DELAY_MS)
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.order < b.order)
}

function lowest(entries: readonly Entry[]): Entry | undefined {
  let best: Entry | undefined
  for (const e of entries) if (!best || before(e, best)) best = e
  return best
}

function isSettings(v: unknown): v is Settings {
  const scope = (v as { captureScope?: unknown } | null)?.captureScope
  return scope === 'all-tabs' || scope === 'devtools-open'
}

/** Stored records were written by us, but storage is still input: check the shape before trusting it. */
function parseRecord(value: unknown): ExchangeRecord | null {
  if (typeof value !== 'string') return null
  try {
    const r = JSON.parse(value) as Partial<ExchangeRecord> | null
    if (!r || typeof r !== 'object') return null
    if (typeof r.id !== 'string' || typeof r.seq !== 'number' || typeof r.tabId !== 'number') return null
    if (typeof r.startedAt !== 'number' || !r.exchange || !r.analysis || !Array.isArray(r.notes)) return null
    return r as ExchangeRecord
  } catch {
    return null
  }
}
