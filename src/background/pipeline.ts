/**
 * Everything between capture and the panel, done in batches off the hot path: pair each ended request with
 * its preflight, wait briefly for a preflight that has not finished yet, assemble the Exchange, run the
 * engine once, add cross-request findings, store the record, and tell the panels.
 *
 * Flush delay: an ended request is processed PROCESS_DELAY_MS after it ends (up to PREFLIGHT_GRACE_MS more
 * when its preflight's own end has not arrived yet; Chromium's order there is racy), then the store writes it
 * FLUSH_DELAY_MS later. So a record is in storage.session at most ~250 ms after the request ended (typical),
 * 1.25 s at worst. Rows fed from DevTools' log (live()) arrive ~250 ms after the request ended (the DevTools
 * page's batch, then the live log's grouping delay) and are stored the same way.
 */
import { type Analysis, classifyFailure, type Exchange, Session } from '../core/verdict.ts'
import { isOutcomeOnlyType, type Platform } from '../platform/index.ts'
import type { DevtoolsLog, ExchangeRecord, Settings } from '../protocol.ts'
import { assemble } from './assemble.ts'
import type { CaptureSink } from './capture.ts'
import { DEVTOOLS_LOG_NOTE, exchangesBefore, type LiveDraft } from './devtools-log.ts'
import { PreflightPairer } from './pairing.ts'
import type { RecordStore } from './store.ts'
import type { TrackedPreflight, TrackedRequest } from './tracked.ts'

export const PROCESS_DELAY_MS = 100
export const PREFLIGHT_GRACE_MS = 1000
/** A preflight nobody claimed within this time is dropped (its request was cached, aborted, …). */
export const PREFLIGHT_MAX_AGE_MS = 60_000
/** Requests in flight longer than this are forgotten (a lost end event); long polls end long before. */
export const IN_FLIGHT_MAX_AGE_MS = 10 * 60_000

export interface Notifier {
  records(tabId: number, records: readonly ExchangeRecord[]): void
  tabState(tabId: number): void
  cleared(tabId: number, reason: 'user' | 'navigation'): void
}

export interface PipelineOptions {
  readonly platform: Platform
  readonly store: RecordStore
  /** The engine's verdict (analyze): attribution and fixes are the panel's to compute. */
  readonly diagnose: (exchange: Exchange) => Analysis
  readonly notifier: Notifier
  /** Whether a request id is still in flight (capture knows). */
  readonly isInFlight?: (requestId: string) => boolean
  /** Forget a tab's in-flight requests (capture). */
  readonly dropInFlight?: (tabId: number) => void
  readonly sweepInFlight?: (now: number, maxAgeMs: number) => void
  readonly now?: () => number
  readonly setTimer?: (fn: () => void, ms: number) => unknown
  readonly onError?: (error: unknown) => void
}

interface Waiting {
  readonly request: TrackedRequest
  /** undefined: not paired yet; null: paired with nothing. */
  preflight: TrackedPreflight | null | undefined
  readonly queuedAt: number
}

export class Pipeline implements CaptureSink {
  private readonly pairer: PreflightPairer<TrackedPreflight>
  private queue: Waiting[] = []
  private readonly session: Session
  private timer: unknown = null
  private ready = false
  private readonly beforeReady: (() => void)[] = []
  /** Tabs whose next navigation keeps the log ("Reload to capture"). */
  private readonly keepOnce = new Set<number>()
  /** tabId → the live capture start its DevTools log was read for (a reopened panel sends it again). */
  private readonly backfilled = new Map<number, number>()

  constructor(private readonly options: PipelineOptions) {
    this.pairer = new PreflightPairer<TrackedPreflight>({
      order: options.platform.preflightOrder,
      hiddenRequestHeaders: options.platform.hiddenRequestHeaders,
      maxAgeMs: PREFLIGHT_MAX_AGE_MS,
      isReserved: (preflightId, claimerId) => {
        const owner = String(Number(preflightId) - 1)
        return owner !== claimerId && (this.options.isInFlight?.(owner) ?? false)
      },
    })
    this.session = new Session({ analyze: options.diagnose, onError: options.onError })
  }

  /** Restores the store, then runs whatever arrived meanwhile. */
  async start(): Promise<void> {
    try {
      await this.options.store.restore()
    } catch (error) {
      this.options.onError?.(error)
    }
    this.ready = true
    for (const op of this.beforeReady.splice(0)) this.safely(op)
    this.schedule()
  }

  get isReady(): boolean {
    return this.ready
  }

  // --- CaptureSink (called from listeners: cheap) ---

  ended(request: TrackedRequest): void {
    this.queue.push({ request, preflight: undefined, queuedAt: this.now() })
    this.schedule()
  }

  preflightStarted(preflight: TrackedPreflight): void {
    this.pairer.add(preflight)
  }

  preflightEnded(_preflight: TrackedPreflight): void {
    // A request may be waiting for exactly this preflight.
    if (this.queue.length > 0) this.schedule()
  }

  navigated(tabId: number): boolean {
    if (!this.ready) {
      this.beforeReady.push(() => this.navigated(tabId))
      return true
    }
    if (this.keepOnce.delete(tabId) || this.options.store.tabState(tabId).preserveLog) return false
    // What ended before the navigation belongs to the old log: process it, then clear it with the log.
    this.process(true)
    this.pairer.dropTab(tabId)
    this.clearTab(tabId, 'navigation')
    return true
  }

  // --- operations from the panel server and the tabs API ---

  clearTab(tabId: number, reason: 'user' | 'navigation'): void {
    this.options.store.clear(tabId)
    this.options.notifier.cleared(tabId, reason)
  }

  tabClosed(tabId: number): void {
    const run = (): void => {
      this.queue = this.queue.filter((w) => w.request.tabId !== tabId)
      this.pairer.dropTab(tabId)
      this.options.dropInFlight?.(tabId)
      this.options.store.removeTab(tabId)
      this.keepOnce.delete(tabId)
      this.backfilled.delete(tabId)
    }
    if (this.ready) run()
    else this.beforeReady.push(run)
  }

  /**
   * Adds what DevTools logged for the tab before live capture began at `since`, once per capture start.
   * Its records are placed just before `since`, in the log's order (the reader does not keep start times).
   */
  backfill(tabId: number, log: DevtoolsLog, since: number): void {
    if (!this.ready) {
      this.beforeReady.push(() => this.backfill(tabId, log, since))
      return
    }
    if (this.backfilled.get(tabId) === since) return
    this.backfilled.set(tabId, since)
    const exchanges = exchangesBefore(log, since)
    const records: ExchangeRecord[] = []
    const evicted = new Set<number>()
    exchanges.forEach((exchange, i) => {
      this.safely(() => {
        // As in capture: a failed WebSocket is a row only when it is a Local Network Access block.
        const known =
          exchange.api === 'websocket'
            ? this.session.judge(`devtools-log ${since} ${i}`, exchange)
            : undefined
        if (known && !known.blocked) return
        const draft = { startedAt: since - exchanges.length + i, exchange, notes: [DEVTOOLS_LOG_NOTE] }
        records.push(this.record(tabId, `devtools-log ${since} ${i}`, draft, evicted, known))
      })
    })
    this.options.notifier.records(tabId, records)
    for (const t of evicted) this.options.notifier.tabState(t)
  }

  /**
   * Live rows read from DevTools' own log (the DevTools page feeds it; src/background/devtools-log.ts groups
   * and reads it): judged and stored exactly as webRequest's are.
   */
  live(tabId: number, drafts: readonly LiveDraft[]): void {
    if (!this.ready) {
      this.beforeReady.push(() => this.live(tabId, drafts))
      return
    }
    const records: ExchangeRecord[] = []
    const evicted = new Set<number>()
    for (const { startedAt, exchange } of drafts) {
      this.safely(() => {
        const key = `live ${tabId} ${++this.liveSeq}`
        // As in capture: a failed WebSocket is a row only when it is a Local Network Access block.
        const known = exchange.api === 'websocket' ? this.session.judge(key, exchange) : undefined
        if (known && !known.blocked) return
        records.push(this.record(tabId, key, { startedAt, exchange, notes: [] }, evicted, known))
      })
    }
    this.options.notifier.records(tabId, records)
    for (const t of evicted) this.options.notifier.tabState(t)
  }

  private liveSeq = 0

  /** The tab's next navigation keeps its log (a reload the user asked for from the panel). */
  keepLogOnce(tabId: number): void {
    this.keepOnce.add(tabId)
  }

  setPreserveLog(tabId: number, preserveLog: boolean): void {
    this.options.store.setPreserveLog(tabId, preserveLog)
    this.options.notifier.tabState(tabId)
  }

  setSettings(settings: Settings): void {
    this.options.store.setSettings(settings)
  }

  /** Processes what is due now. `all`: do not wait for unfinished preflights (navigation, tests). */
  process(all = false): void {
    this.timer = null
    if (!this.ready) return
    const now = this.now()
    const due: { request: TrackedRequest; preflight: TrackedPreflight | null }[] = []
    const later: Waiting[] = []
    for (const w of this.queue) {
      if (w.preflight === undefined) w.preflight = this.claim(w.request)
      const waitForPreflight =
        w.preflight !== null && w.preflight.end === null && w.preflight.response === null
      if (!all && waitForPreflight && now - w.queuedAt < PREFLIGHT_GRACE_MS) later.push(w)
      else due.push({ request: w.request, preflight: w.preflight })
    }
    this.queue = later
    const byTab = new Map<number, ExchangeRecord[]>()
    const evicted = new Set<number>()
    for (const { request, preflight } of due) {
      this.safely(() => {
        const record = this.finish(request, preflight, evicted)
        if (!record) return
        const list = byTab.get(record.tabId)
        if (list) list.push(record)
        else byTab.set(record.tabId, [record])
      })
    }
    for (const [tabId, records] of byTab) this.options.notifier.records(tabId, records)
    for (const tabId of evicted) this.options.notifier.tabState(tabId)
    this.pairer.expire(now)
    this.options.sweepInFlight?.(now, IN_FLIGHT_MAX_AGE_MS)
    if (this.queue.length > 0) this.schedule(PROCESS_DELAY_MS)
  }

  private claim(r: TrackedRequest): TrackedPreflight | null {
    const last = r.hops[r.hops.length - 1]
    if (!last) return null
    const sentHeaderNames = last.requestHeaders
      ? new Set(last.requestHeaders.map((h) => h.name.toLowerCase()))
      : null
    return (
      this.pairer.claim({
        id: r.id,
        tabId: r.tabId,
        url: last.url,
        method: last.method,
        sentHeaderNames,
        sentAt: last.sentAt,
        endedAt: r.endedAt,
      }) ?? null
    )
  }

  private finish(
    request: TrackedRequest,
    preflight: TrackedPreflight | null,
    evicted: Set<number>,
  ): ExchangeRecord | null {
    if (!keep(request, preflight)) return null
    const { exchange, notes } = assemble(request, preflight, this.options.platform.browser)
    const startedAt = preflight ? Math.min(preflight.startedAt, request.startedAt) : request.startedAt
    // A failed WebSocket is kept only when it is a Local Network Access block: any other failure of one
    // (a closed port, a refused handshake) is no CORS matter and no row.
    const known = request.type === 'websocket' ? this.session.judge(request.id, exchange) : undefined
    if (known && !known.blocked) return null
    return this.record(request.tabId, request.id, { startedAt, exchange, notes }, evicted, known)
  }

  /** Judges one exchange in the session (with what recent exchanges of its API say) and stores it. */
  private record(
    tabId: number,
    key: string,
    draft: { readonly startedAt: number; readonly exchange: Exchange; readonly notes: string[] },
    evicted: Set<number>,
    known?: Analysis,
  ): ExchangeRecord {
    const analysis = known ?? this.session.judge(key, draft.exchange)
    const { record, evictedTabs } = this.options.store.add(tabId, { ...draft, analysis })
    for (const t of evictedTabs) evicted.add(t)
    return record
  }

  private schedule(delay = PROCESS_DELAY_MS): void {
    if (this.timer !== null) return
    const setTimer = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.timer = setTimer(() => this.safely(() => this.process()), delay)
  }

  private safely(fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.options.onError?.(error)
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now()
  }
}

/**
 * Whether an ended request is worth a record. Sent requests were already filtered (cross-origin, CORS mode).
 * One never seen sent counts only with a preflight, or as a failed fetch/XHR or font (an ad blocker, a refused
 * connection) that the user did not cancel.
 */
function keep(r: TrackedRequest, preflight: TrackedPreflight | null): boolean {
  if (r.hops.some((h) => h.requestHeaders !== null)) return true
  if (preflight) return true
  const first = r.hops[0]
  if (!first || first.response !== null) return false // a same-origin redirect that never went further
  if (r.end?.kind !== 'error' || r.end.error === 'net::ERR_ABORTED') return false
  if (r.type === 'xmlhttprequest' || r.type === 'font' || r.type === 'websocket') return true
  // Images and media are observed only through failures; keep the generic ones CORS produces.
  return isOutcomeOnlyType(r.type) && classifyFailure(r.end.error) === 'cors-candidate'
}
