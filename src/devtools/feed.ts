/**
 * The DevTools page as an event source: while the CORS panel shows (Chromium's default scope), it forwards
 * the HAR entries DevTools itself records to the worker, which reads them with the one HAR reader and judges
 * them as it judges webRequest's events (src/background/devtools-log.ts). DevTools records every request
 * anyway, so looking costs the page no webRequest listener (see src/platform/live-source.ts).
 *
 * Two ways to hear DevTools' log, chosen by the worker ('live-source'): devtools.network.onRequestFinished
 * (one HAR entry per request as it finishes) or getHAR read on a cadence while the panel is visible (only
 * entries not sent before). Only entries that may matter to CORS cross the port: preflights, redirects,
 * failures, WebSockets and requests that carried an Origin; the worker's reader decides the rest.
 */
import { type LiveSource, MAX_LIVE_ENTRIES, type PanelMessage } from '../protocol.ts'

/** The part of devtools.network the feed uses. */
export interface DevtoolsNetworkLike {
  /** Callback form: Chromium's devtools.* return no promise. */
  getHAR(callback: (log: { readonly entries?: readonly unknown[] } | undefined) => void): void
  readonly onRequestFinished: {
    addListener(cb: (request: unknown) => void): void
    removeListener(cb: (request: unknown) => void): void
  }
  readonly onNavigated: { addListener(cb: (url: string) => void): void }
}

/** Entries wait this long in the page, so a burst crosses the port in a few messages. */
export const FEED_FLUSH_MS = 100
/** getHAR's cadence while the panel is visible (devtools-poll). */
export const POLL_MS = 1000
const MAX_SENT_KEYS = 50_000

export class DevtoolsFeed {
  private source: LiveSource = 'webrequest'
  private shown = false
  private since: number | null = null
  private buffer: unknown[] = []
  private flushTimer: ReturnType<typeof setTimeout> | null = null
  private pollTimer: ReturnType<typeof setInterval> | null = null
  private listening = false
  /** devtools-poll: entries already sent (or logged before the feed began), by key. */
  private readonly sent = new Set<string>()

  constructor(
    private readonly network: DevtoolsNetworkLike,
    private readonly tabId: number,
    private readonly send: (message: PanelMessage) => void,
    private readonly now: () => number = Date.now,
  ) {
    network.onNavigated.addListener(() => this.navigated())
  }

  setSource(source: LiveSource): void {
    this.source = source
    this.sync()
  }

  setShown(shown: boolean): void {
    this.shown = shown
    this.sync()
  }

  private sync(): void {
    const finished = this.source === 'devtools-finished' || this.source === 'devtools-combined'
    const poll = this.source === 'devtools-poll'
    // onRequestFinished from the first time the panel shows (like webRequest before it: a hidden panel
    // keeps its rows live); getHAR only while it is visible (shown again, it catches up).
    if (finished && (this.shown || this.listening)) this.listen(true)
    if (!finished) this.listen(false)
    if (poll && this.shown) this.poll(true)
    else this.poll(false)
    if (!finished && !poll) this.since = null
  }

  private begin(): void {
    if (this.since !== null) return
    this.since = this.now()
    // Tells the worker when the feed began: what started before is the backfill's (the panel's getHAR).
    this.send({ type: 'devtools-entries', tabId: this.tabId, since: this.since, entries: [] })
  }

  private readonly onFinished = (request: unknown): void => {
    const entry = plainEntry(request)
    if (entry && mayMatter(entry)) this.queue(entry)
  }

  private listen(on: boolean): void {
    if (on === this.listening) return
    this.listening = on
    if (on) {
      this.begin()
      this.network.onRequestFinished.addListener(this.onFinished)
    } else this.network.onRequestFinished.removeListener(this.onFinished)
  }

  private poll(on: boolean): void {
    if (on === (this.pollTimer !== null)) return
    if (!on) {
      if (this.pollTimer !== null) clearInterval(this.pollTimer)
      this.pollTimer = null
      return
    }
    const first = this.since === null
    this.begin()
    this.pollTimer = setInterval(() => void this.readLog(false), POLL_MS)
    void this.readLog(first)
  }

  /** One getHAR: new finished entries are sent; on the feed's first read they are only marked (backfill's). */
  private async readLog(markOnly: boolean): Promise<void> {
    let entries: readonly unknown[] = []
    try {
      entries = await new Promise((resolve) => this.network.getHAR((log) => resolve(log?.entries ?? [])))
    } catch {
      return
    }
    for (const raw of entries) {
      const entry = plainEntry(raw)
      if (!entry || !isFinished(entry)) continue
      const key = keyOf(entry)
      if (this.sent.has(key)) continue
      if (this.sent.size >= MAX_SENT_KEYS) this.sent.clear()
      this.sent.add(key)
      if (!markOnly && mayMatter(entry)) this.queue(entry)
    }
  }

  private queue(entry: Record<string, unknown>): void {
    this.buffer.push(entry)
    if (this.buffer.length >= MAX_LIVE_ENTRIES) this.flush()
    else if (this.flushTimer === null) this.flushTimer = setTimeout(() => this.flush(), FEED_FLUSH_MS)
  }

  private flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (this.since === null || this.buffer.length === 0) return
    const entries = this.buffer.splice(0)
    for (let i = 0; i < entries.length; i += MAX_LIVE_ENTRIES)
      this.send({
        type: 'devtools-entries',
        tabId: this.tabId,
        since: this.since,
        entries: entries.slice(i, i + MAX_LIVE_ENTRIES),
      })
  }

  private navigated(): void {
    if (this.since === null) return
    this.flush()
    this.sent.clear()
    this.send({ type: 'devtools-navigated', tabId: this.tabId })
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object'

/** The HAR entry without its methods (onRequestFinished's Request adds getContent). */
function plainEntry(raw: unknown): Record<string, unknown> | null {
  if (!isRecord(raw) || !isRecord(raw.request)) return null
  const entry: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) if (typeof v !== 'function') entry[k] = v
  return entry
}

function responseOf(entry: Record<string, unknown>): Record<string, unknown> {
  return isRecord(entry.response) ? entry.response : {}
}

function isFinished(entry: Record<string, unknown>): boolean {
  const r = responseOf(entry)
  return (typeof r.status === 'number' && r.status > 0) || (typeof r._error === 'string' && r._error !== '')
}

/** As the worker keys an entry (src/background/devtools-log.ts entryKey): a preflight and its request differ. */
function keyOf(entry: Record<string, unknown>): string {
  const req = entry.request as Record<string, unknown>
  const initiator = isRecord(entry._initiator) ? entry._initiator.type : null
  const status = responseOf(entry).status
  return `${String(entry.startedDateTime)} ${String(req.method)} ${String(req.url)} ${String(initiator)} ${typeof status === 'number' ? status : 0} ${String(entry.time)}`
}

/**
 * Whether CORS can have anything to say: a preflight, a redirect (a same-origin hop may lead cross-origin),
 * a failure, a WebSocket, or a request sent in CORS mode (with Origin). Same-origin images, scripts and
 * styles, most of a page, stay in DevTools.
 */
export function mayMatter(entry: Record<string, unknown>): boolean {
  const r = responseOf(entry)
  const status = typeof r.status === 'number' ? r.status : 0
  if (status <= 0 || (status >= 300 && status < 400)) return true
  if (typeof r._error === 'string' && r._error !== '') return true
  if (entry._resourceType === 'websocket') return true
  if (isRecord(entry._initiator) && entry._initiator.type === 'preflight') return true
  const headers = (entry.request as Record<string, unknown>).headers
  if (!Array.isArray(headers)) return false
  return headers.some((h) => isRecord(h) && typeof h.name === 'string' && h.name.toLowerCase() === 'origin')
}
