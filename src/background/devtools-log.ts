/**
 * DevTools' own network log as a capture source for what came before live capture: the panel reads it with
 * devtools.network.getHAR when it first shows; here its entries that started before the tab's live capture
 * began are read by the one HAR reader (the same one that reads a saved DevTools export).
 */
import {
  type Exchange,
  type HeaderLine,
  harToExchanges,
  isRedirectStatus,
  needsPreflight,
} from '../core/verdict.ts'
import type { DevtoolsLog } from '../protocol.ts'

export const DEVTOOLS_LOG_NOTE =
  'Recorded by DevTools before CORS Lens began capturing this tab; read from DevTools’ own network log.'

/** The exchanges DevTools logged that started before `since` (epoch ms); later ones are captured live. */
export function exchangesBefore(log: DevtoolsLog, since: number): Exchange[] {
  const entries = log.entries.filter((e) => startedAt(e) < since)
  if (entries.length === 0) return []
  const read = harToExchanges({ log: { version: '1.2', creator: log.creator, pages: [], entries } })
  return 'error' in read ? [] : read.exchanges
}

/** An entry's start (epoch ms); an entry without a readable one is not placed before anything. */
function startedAt(entry: unknown): number {
  const value =
    entry !== null && typeof entry === 'object'
      ? (entry as { startedDateTime?: unknown }).startedDateTime
      : null
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY
}

/**
 * DevTools' log as the live source (Chromium, CORS panel shown): the DevTools page forwards each HAR entry
 * DevTools finished, in the order they finished. A request's preflight and earlier redirect hops finish
 * before it does, so they wait here until the request that ends the chain arrives; then the group (in start
 * order, as DevTools exports it) goes through the one HAR reader, which pairs and chains it on evidence.
 */
/** A failure webRequest reported for a request (src/background/capture.ts FailureWatch). */
export interface Failure {
  readonly error: string
  readonly ip?: string
  readonly initiator?: string
}

export interface LiveDraft {
  readonly startedAt: number
  readonly exchange: Exchange
}

/** A request's end may arrive a moment before its preflight's (Chromium's order there is racy). */
export const LIVE_GROUP_DELAY_MS = 150
/**
 * A failed request that needed a preflight, whose preflight has not arrived: on a loaded machine it can
 * come later than 150 ms (seen in CI: a redirected preflight's request read alone, as "cause unknown").
 */
export const LIVE_PREFLIGHT_WAIT_MS = 2000
/** A preflight or redirect hop whose request never ended within this time is let go. */
export const LIVE_PENDING_MAX_AGE_MS = 60_000
/** Waiting preflights and hops per tab: a flood cannot grow them without bound. */
export const MAX_LIVE_PENDING = 1000
/** Entry keys remembered per tab, so the backfill and the live feed never list a request twice. */
const MAX_SEEN = 20_000

/** The few facts of a raw entry the grouping needs; the reader reads the rest. */
interface Facts {
  readonly raw: unknown
  readonly key: string
  readonly method: string
  readonly url: string
  readonly startedAt: number
  /** "METHOD url" of the hop this one redirects to (a followed redirect), else null. */
  readonly next: string | null
  /** Access-Control-Request-Method when it is a preflight, else null. */
  readonly preflightFor: string | null
  /** It failed, and its method or headers needed a preflight: that entry should come too. */
  readonly awaitsPreflight: boolean
  /** The response status (0: none, the entry ended in an error before any answer). */
  readonly status: number
  readonly arrivedAt: number
}

interface TabLive {
  readonly pending: Facts[]
  readonly ends: Facts[]
  readonly seen: Set<string>
}

export class LiveLog {
  private readonly tabs = new Map<number, TabLive>()
  private timer: unknown = null

  constructor(
    private readonly emit: (tabId: number, drafts: LiveDraft[]) => void,
    private readonly now: () => number = Date.now,
    private readonly setTimer: (fn: () => void, ms: number) => unknown = (fn, ms) => setTimeout(fn, ms),
    /** What webRequest saw of a failed request (the narrow path), when one runs beside the log. */
    private readonly failureOf: (tabId: number, method: string, url: string) => Failure | null = () => null,
  ) {}

  /** Entries DevTools finished for the tab; each is read once, whichever of feed and backfill sees it first. */
  add(tabId: number, entries: readonly unknown[]): void {
    const tab = this.tab(tabId)
    const at = this.now()
    for (const raw of entries) {
      const f = factsOf(raw, at)
      if (!f || !remember(tab.seen, f.key)) continue
      if (f.preflightFor !== null || f.next !== null) {
        if (tab.pending.length >= MAX_LIVE_PENDING) tab.pending.shift()
        tab.pending.push(f)
      } else tab.ends.push(f)
    }
    this.schedule()
  }

  /** Backfill's entries not seen live (and marked, so the feed skips them later). */
  unseen(tabId: number, entries: readonly unknown[]): unknown[] {
    const seen = this.tab(tabId).seen
    return entries.filter((raw) => {
      const f = factsOf(raw, 0)
      return f === null || remember(seen, f.key)
    })
  }

  dropTab(tabId: number): void {
    this.tabs.delete(tabId)
  }

  /** Groups and reads what is due. `all`: everything now (navigation, tests). */
  process(all = false): void {
    this.timer = null
    const now = this.now()
    let waiting = false
    for (const [tabId, tab] of this.tabs) {
      const due = all ? tab.ends.splice(0) : takeDue(tab.ends, tab.pending, now)
      if (tab.ends.length > 0) waiting = true
      const drafts: LiveDraft[] = []
      for (const end of due)
        for (const d of readGroup(groupOf(end, tab.pending))) drafts.push(this.refine(tabId, d))
      expire(tab.pending, now)
      if (drafts.length > 0) this.emit(tabId, drafts)
    }
    if (waiting) this.schedule()
  }

  /** A failure as webRequest named it (and the address it saw): the Local Network Access detail HAR folds. */
  private refine(tabId: number, draft: LiveDraft): LiveDraft {
    const x = draft.exchange
    if (x.outcome.kind !== 'error') return draft
    const hops = x.redirects ?? []
    const last = hops.length > 0 ? (hops[hops.length - 1]?.location ?? x.request.url) : x.request.url
    const seen = this.failureOf(tabId, x.request.method, last) ?? this.failureOf(tabId, 'OPTIONS', last)
    if (!seen) return draft
    const exchange: Exchange = {
      ...x,
      outcome: { kind: 'error', error: seen.error },
      ...(seen.ip ? { remoteAddress: seen.ip } : {}),
      ...(x.initiator === null && seen.initiator ? { initiator: seen.initiator } : {}),
    }
    return { ...draft, exchange }
  }

  private tab(tabId: number): TabLive {
    let tab = this.tabs.get(tabId)
    if (!tab) {
      tab = { pending: [], ends: [], seen: new Set() }
      this.tabs.set(tabId, tab)
    }
    return tab
  }

  private schedule(): void {
    if (this.timer !== null) return
    this.timer = this.setTimer(() => this.process(), LIVE_GROUP_DELAY_MS)
  }
}

function remember(seen: Set<string>, key: string): boolean {
  if (seen.has(key)) return false
  if (seen.size >= MAX_SEEN) seen.clear()
  seen.add(key)
  return true
}

/** The ends that waited long enough: 150 ms, or up to LIVE_PREFLIGHT_WAIT_MS for a preflight still missing. */
function takeDue(ends: Facts[], pending: readonly Facts[], now: number): Facts[] {
  const due: Facts[] = []
  const keep: Facts[] = []
  for (const end of ends) {
    // A preflight entry with an answer: DevTools may first log one that ended without (seen under load).
    const missing =
      end.awaitsPreflight &&
      !pending.some((p) => p.preflightFor === end.method && p.url === end.url && p.status > 0)
    const wait = missing ? LIVE_PREFLIGHT_WAIT_MS : LIVE_GROUP_DELAY_MS
    ;(now - end.arrivedAt >= wait ? due : keep).push(end)
  }
  ends.splice(0, ends.length, ...keep)
  return due
}

function expire(pending: Facts[], now: number): void {
  let n = 0
  while (n < pending.length && now - (pending[n] as Facts).arrivedAt > LIVE_PENDING_MAX_AGE_MS) n++
  pending.splice(0, n)
}

/**
 * The request that ends here with its earlier hops (each redirect whose next hop it is, latest first) and
 * each hop's preflight (same URL, asking for the hop's method, started with or after it), taken out of
 * `pending`. The reader then decides on the evidence; this only keeps a request's entries together.
 */
function groupOf(end: Facts, pending: Facts[]): Facts[] {
  const hops = [end]
  for (let cur = end; hops.length <= 20; ) {
    const i = latest(pending, (p) => p.next === `${cur.method} ${cur.url}` && p.startedAt <= cur.startedAt)
    if (i < 0) break
    cur = pending.splice(i, 1)[0] as Facts
    hops.unshift(cur)
  }
  const preflights: Facts[] = []
  for (const hop of hops) {
    const of = (p: Facts): boolean =>
      p.preflightFor === hop.method && p.url === hop.url && p.startedAt >= hop.startedAt - 1000
    // The one with an answer when DevTools logged the preflight twice (once without, once with its status).
    const answered = pending.findIndex((p) => of(p) && p.status > 0)
    const i = answered >= 0 ? answered : pending.findIndex(of)
    if (i < 0) continue
    preflights.push(...pending.splice(i, 1))
    const twin = pending.findIndex((p) => of(p) && p.status === 0)
    if (twin >= 0) pending.splice(twin, 1)
  }
  return [...hops, ...preflights].sort((a, b) => a.startedAt - b.startedAt)
}

function latest(list: readonly Facts[], match: (f: Facts) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (match(list[i] as Facts)) return i
  return -1
}

const LIVE_CREATOR = { name: 'WebInspector', version: 'live' }

function readGroup(group: readonly Facts[]): LiveDraft[] {
  const startedAt = group[0]?.startedAt ?? 0
  const read = harToExchanges({
    log: { version: '1.2', creator: LIVE_CREATOR, pages: [], entries: group.map((f) => f.raw) },
  })
  return 'error' in read ? [] : read.exchanges.map((exchange) => ({ startedAt, exchange }))
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object'

function factsOf(raw: unknown, arrivedAt: number): Facts | null {
  if (!isRecord(raw) || !isRecord(raw.request)) return null
  const { method, url, headers } = raw.request
  if (typeof method !== 'string' || typeof url !== 'string') return null
  const started = typeof raw.startedDateTime === 'string' ? Date.parse(raw.startedDateTime) : Number.NaN
  const startedAt = Number.isFinite(started) ? started : arrivedAt
  const response = isRecord(raw.response) ? raw.response : {}
  const status = typeof response.status === 'number' ? response.status : 0
  const failed = typeof response._error === 'string' && response._error !== ''
  const location = typeof response.redirectURL === 'string' ? response.redirectURL : ''
  const next =
    !failed && isRedirectStatus(status) && location ? redirectTarget(method, status, location, url) : null
  const initiator = isRecord(raw._initiator) ? raw._initiator.type : null
  const acrm = headerOf(headers, 'access-control-request-method')
  const preflightFor =
    initiator === 'preflight' || (method.toUpperCase() === 'OPTIONS' && acrm !== null)
      ? (acrm ?? 'GET')
      : null
  return {
    raw,
    key: entryKey(raw, method, url, initiator, status),
    method,
    url,
    startedAt,
    next,
    preflightFor,
    awaitsPreflight:
      preflightFor === null &&
      (failed || status === 0) &&
      needsPreflight(method, headerLines(headers), { wire: true }),
    status,
    arrivedAt,
  }
}

/** A HAR entry's request headers as header lines (anything malformed left out). */
function headerLines(headers: unknown): HeaderLine[] {
  if (!Array.isArray(headers)) return []
  return headers.flatMap((h) =>
    isRecord(h) && typeof h.name === 'string' && typeof h.value === 'string'
      ? [{ name: h.name, value: h.value }]
      : [],
  )
}

/**
 * Which request an entry is, the same whichever way DevTools handed it over (getHAR or onRequestFinished): a
 * preflight and its request may share start, method and URL (fetch with method OPTIONS), not initiator.
 */
function entryKey(
  raw: Record<string, unknown>,
  method: string,
  url: string,
  initiator: unknown,
  status: number,
) {
  return `${String(raw.startedDateTime)} ${method} ${url} ${String(initiator)} ${status} ${String(raw.time)}`
}

function redirectTarget(method: string, status: number, location: string, base: string): string | null {
  let url: string
  try {
    url = new URL(location, base).href
  } catch {
    return null
  }
  // Fetch: 303 turns any method but HEAD into GET; 301/302 turn POST into GET.
  const m = method.toUpperCase()
  const next =
    (status === 303 && m !== 'HEAD') || ((status === 301 || status === 302) && m === 'POST') ? 'GET' : method
  return `${next} ${url}`
}

function headerOf(headers: unknown, name: string): string | null {
  if (!Array.isArray(headers)) return null
  for (const h of headers)
    if (isRecord(h) && typeof h.name === 'string' && h.name.toLowerCase() === name)
      return typeof h.value === 'string' ? h.value : null
  return null
}
