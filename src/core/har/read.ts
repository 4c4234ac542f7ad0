/**
 * A HAR's entries into Exchanges: each preflight paired with its request on evidence, each redirect chained
 * to its next hop, within a bounded window so a long file streams (the CLI) or is read whole (the panel).
 */
import type { Exchange, Outcome, Preflight, Redirect } from '../exchange.ts'
import { corsUnsafeRequestHeaderNames, isRedirectStatus, methodAfterRedirect } from '../fetch-rules.ts'
import { headerValue, splitHeaderList } from '../headers.ts'
import { FAILED_NO_REASON } from '../net-errors.ts'
import { originOf } from '../origin.ts'
import {
  deliveredUnchecked,
  type Entry,
  failed,
  failureOf,
  initiatorOf,
  isHttpUrl,
  isPreflight,
  isWebSocket,
  notCorsChecked,
  obj,
  type Producer,
  producerOf,
  readEntry,
  resolveUrl,
  responseOf,
  str,
} from './entry.ts'
import type { HarReadResult } from './types.ts'

/** Browsers stop after 20 redirects; a longer chain in a HAR is not one request. */
const MAX_HOPS = 20

/**
 * How far apart in the file a preflight and its request, or a redirect and its next hop, may be (in
 * entries). Exporters list them side by side (DevTools and Firefox put a preflight right after its
 * request); the bound is what lets the reader let an entry go once this many more have been read.
 */
export const HAR_SPAN = 2_000

/** A list in file order, appended at the end and let go at the front. */
class Fifo<T> {
  private items: (T | undefined)[] = []
  private head = 0
  get length(): number {
    return this.items.length - this.head
  }
  at(i: number): T | undefined {
    return this.items[this.head + i]
  }
  push(x: T): void {
    this.items.push(x)
  }
  shift(): T | undefined {
    const x = this.items[this.head]
    this.items[this.head++] = undefined
    // Compacted now and then, so the array follows the list, not everything ever pushed.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return x
  }
}

/** Position of the first entry in `list` (file order) whose index is above `index`. */
function firstAfter(list: Fifo<Entry>, index: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((list.at(mid)?.index ?? 0) <= index) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Items by a key, each list in file order: every look-up is a bounded scan, never a sweep. */
class Buckets<T> {
  private readonly lists = new Map<string, Fifo<T>>()
  get(key: string): Fifo<T> | undefined {
    return this.lists.get(key)
  }
  add(key: string, x: T): void {
    const list = this.lists.get(key)
    if (list) list.push(x)
    else {
      const fresh = new Fifo<T>()
      fresh.push(x)
      this.lists.set(key, fresh)
    }
  }
  /** Lets go of the oldest item under `key` (only when it is `x`, if given): items leave in file order. */
  drop(key: string, x?: T): T | undefined {
    const list = this.lists.get(key)
    if (!list || (x !== undefined && list.at(0) !== x)) return undefined
    const first = list.shift()
    if (list.length === 0) this.lists.delete(key)
    return first
  }
}

/** One request's entries: its first hop, then each redirect's next hop. */
interface Chain {
  readonly hops: Entry[]
  /** Its last hop is a redirect whose next hop may still come. */
  open: boolean
}

/** A redirect waiting for its next hop. */
interface Wait {
  readonly chain: Chain
  readonly redirect: Entry
  /** The next hop's "METHOD url". */
  readonly key: string
  done: boolean
}

/** What the reader owes the output, in file order: a request, or a preflight that may have none. */
type Slot =
  | { readonly kind: 'chain'; readonly chain: Chain }
  | { readonly kind: 'preflight'; readonly entry: Entry; state: 'waiting' | 'paired' | 'orphan' }

/** How many candidates on each side of a preflight are weighed: the request sits next to its preflight. */
const PAIR_WINDOW = 8

const nameSet = (names: readonly string[]): string => [...new Set(names)].sort().join(',')

/**
 * How well a request's non-safelisted header names fit the preflight's Access-Control-Request-Headers:
 * exactly (its request), a part of them (a sanitized export drops Authorization and Cookie), or not at all
 * (another request: a client's retry without the header).
 */
function headerEvidence(requestNames: string, acrh: string): number {
  if (requestNames === acrh) return 100
  const asked = new Set(acrh.split(','))
  return requestNames.split(',').every((n) => n === '' || asked.has(n)) ? 0 : -100
}

/** The `log` object of a HAR, or why the value is not one. */
export function harLogOf(har: unknown): { log: Record<string, unknown> } | { error: string } {
  const log = obj(obj(har)?.log)
  if (!log) return { error: 'not a HAR file: no "log" object at the top level' }
  if (!Array.isArray(log.entries)) return { error: 'not a HAR file: "log.entries" is not a list' }
  return { log }
}

/**
 * Reads a HAR one entry at a time, in file order, and hands out each Exchange as soon as nothing later in
 * the file can change it. Redirect hops are chained and preflights paired on evidence (see `pairOne`)
 * within HAR_SPAN entries; an entry that makes no cross-origin CORS request and is no redirect hop is let
 * go at once, the others once HAR_SPAN more entries have been read. So what it holds is bounded by the
 * span, not by the file. `log` is the HAR's log object: its creator, browser and pages (entries unused).
 */
export class HarReader {
  readonly warnings: string[] = []
  skipped = 0
  private readonly producer: Producer
  private readonly pages = new Map<string, string>()
  private next = 0
  private readonly slots = new Fifo<Slot>()
  private readonly preflights = new Fifo<Slot & { kind: 'preflight' }>()
  /** Actual entries a preflight may still pair with, in file order, and the same by key. */
  private readonly candidates = new Fifo<Entry>()
  private readonly byRequest = new Buckets<Entry>()
  private readonly byUrl = new Buckets<Entry>()
  private readonly byRequestId = new Buckets<Entry>()
  private readonly preflightOf = new WeakMap<Entry, Entry>()
  private readonly unsafe = new WeakMap<Entry, string>()
  /** Redirects waiting for their next hop: in file order, and by the next hop's "METHOD url". */
  private readonly waits = new Fifo<Wait>()
  private readonly waitsFor = new Buckets<Wait>()
  private readonly out: Exchange[] = []
  /** Each exchange's first hop's startedDateTime (epoch ms), for readers that show when it happened. */
  private readonly started = new WeakMap<Exchange, number>()

  constructor(
    log: Record<string, unknown>,
    private readonly span = HAR_SPAN,
  ) {
    this.producer = producerOf(log)
    if (Array.isArray(log.pages)) {
      for (const p of log.pages) {
        const page = obj(p)
        const id = str(page?.id)
        const title = str(page?.title)
        if (id && title && originOf(title)) this.pages.set(id, title)
      }
    }
  }

  /** The next item of `log.entries`. One bad entry is a warning; it never takes the others down. */
  add(raw: unknown): void {
    const index = this.next++
    let e: Entry | string
    try {
      e = readEntry(raw, index, this.pages, this.warnings)
    } catch (err) {
      e = `entry ${index}: unreadable (${err instanceof Error ? err.message : 'malformed'})`
    }
    if (typeof e !== 'string') {
      const http = isHttpUrl(e.url)
      // file:, data:, chrome-extension: … reach no server: nothing for CORS Lens to explain or fix.
      if (http) {
        if (isPreflight(e)) this.addPreflight(e)
        else this.addActual(e)
      } else this.skip(http === null ? `entry ${index}: the URL is not a URL` : '')
    } else this.skip(e)
    this.settle(index)
  }

  /** The end of `log.entries`: whatever was waiting for later entries is decided now. */
  finish(): void {
    this.settle(Number.POSITIVE_INFINITY)
  }

  /** The Exchanges decided since the last call, in file order. */
  take(): Exchange[] {
    return this.out.splice(0)
  }

  /** When the capture says the exchange started (its first hop's, or its lone preflight's, startedDateTime). */
  startedAtOf(x: Exchange): number | null {
    return this.started.get(x) ?? null
  }

  /** Entries held now, for tests: bounded by the span whatever the file's length. */
  get held(): number {
    const held = new Set<Entry>()
    for (let i = 0; i < this.candidates.length; i++) held.add(this.candidates.at(i) as Entry)
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots.at(i) as Slot
      for (const e of s.kind === 'chain' ? s.chain.hops : [s.entry]) held.add(e)
    }
    return held.size
  }

  private skip(warning: string): void {
    if (warning) this.warnings.push(warning)
    this.skipped++
  }

  private addPreflight(p: Entry): void {
    const slot = { kind: 'preflight' as const, entry: p, state: 'waiting' as const }
    this.slots.push(slot)
    this.preflights.push(slot)
  }

  private addActual(e: Entry): void {
    const wait = this.claimant(e)
    let chain = wait?.chain
    if (chain && chain.hops.length > MAX_HOPS) {
      chain.open = false
      // A browser gives up after 20 redirects: the rest is another request, never lost silently.
      this.warnings.push(
        `entry ${e.index}: redirect chain longer than ${MAX_HOPS} hops; read on as a new request`,
      )
      chain = undefined
    }
    const target = e.redirectURL && isRedirectStatus(e.status) ? resolveUrl(e.redirectURL, e.url) : null
    if (!chain) {
      // Not a hop of anything, not a redirect, not a CORS request: nothing later can make it matter.
      if (!wait && !target && !e.corsLens && !isCorsRequest([e], initiatorOf(e), this.producer)) {
        this.skipped++
        return
      }
      chain = { hops: [], open: false }
      this.slots.push({ kind: 'chain', chain })
    }
    chain.hops.push(e)
    chain.open = target !== null
    if (target) this.await(chain, e, `${methodAfterRedirect(e.method, e.status)} ${target}`)
    this.candidates.push(e)
    this.byRequest.add(e.request, e)
    this.byUrl.add(e.url, e)
    if (e.requestId) this.byRequestId.add(e.requestId, e)
  }

  /** The earliest redirect still waiting for this "METHOD url": its next hop is `e`. */
  private claimant(e: Entry): Wait | undefined {
    const wait = this.waitsFor.drop(e.request)
    if (wait) wait.done = true
    return wait
  }

  private await(chain: Chain, redirect: Entry, key: string): void {
    const wait = { chain, redirect, key, done: false }
    this.waits.push(wait)
    this.waitsFor.add(key, wait)
  }

  /** Entry `last` was read: what can no longer change is decided, handed out and let go. */
  private settle(last: number): void {
    // A redirect whose next hop did not come within the span ends its chain.
    for (let w = this.waits.at(0); w && w.redirect.index + this.span <= last; w = this.waits.at(0)) {
      this.waits.shift()
      if (w.done) continue
      w.done = true
      w.chain.open = false
      this.waitsFor.drop(w.key, w)
    }
    // Preflights in file order, each once every request within the span after it has been read.
    for (let s = this.preflights.at(0); s && s.entry.index + this.span <= last; s = this.preflights.at(0)) {
      this.preflights.shift()
      const a = this.pairOne(s.entry)
      if (a) this.preflightOf.set(a, s.entry)
      s.state = a ? 'paired' : 'orphan'
    }
    const oldestPreflight = this.preflights.at(0)?.entry.index ?? last + 1
    for (
      let c = this.candidates.at(0);
      c && c.index + this.span < oldestPreflight;
      c = this.candidates.at(0)
    ) {
      this.candidates.shift()
      this.byRequest.drop(c.request, c)
      this.byUrl.drop(c.url, c)
      if (c.requestId) this.byRequestId.drop(c.requestId, c)
    }
    for (let s = this.slots.at(0); s && this.decided(s, last, oldestPreflight); s = this.slots.at(0)) {
      this.slots.shift()
      if (s.kind === 'chain') this.emitChain(s.chain.hops)
      else if (s.state === 'orphan') this.emitOrphan(s.entry)
    }
  }

  /** Nothing later can change this slot: no hop to come, no preflight left that may pair with it. */
  private decided(s: Slot, last: number, oldestPreflight: number): boolean {
    if (s.kind === 'preflight') return s.state !== 'waiting'
    const end = (s.chain.hops.at(-1) as Entry).index + this.span
    return !s.chain.open && end <= last && oldestPreflight > end
  }

  /**
   * The request this preflight was for, on evidence, among the requests within the span. Chrome names it
   * (`_initiator.requestId`, matched against `_requestId` where an exporter wrote one). Otherwise, among the
   * nearby requests for the same URL with the method the preflight asked for: the one whose non-safelisted
   * header names are exactly Access-Control-Request-Headers (a client's retry without the header is not
   * it), which was not sent when its preflight failed, which started just before the preflight, nearest in
   * the file. A preflight may be listed before or after its request (DevTools and Firefox list it after).
   */
  private pairOne(p: Entry): Entry | undefined {
    const near = (list: Fifo<Entry> | undefined): [number, number, number] => {
      if (!list) return [0, 0, 0]
      return [
        firstAfter(list, p.index - this.span - 1),
        firstAfter(list, p.index),
        firstAfter(list, p.index + this.span),
      ]
    }
    const ids = p.initiatorRequestId ? this.byRequestId.get(p.initiatorRequestId) : undefined
    const byId = ids?.at(near(ids)[0])
    if (byId && byId.index <= p.index + this.span && !this.preflightOf.has(byId)) return byId
    const acrm = headerValue(p.requestHeaders, 'access-control-request-method')
    const list = acrm === null ? this.byUrl.get(p.url) : this.byRequest.get(`${acrm} ${p.url}`)
    if (!list) return undefined
    const acrh = nameSet(
      splitHeaderList(headerValue(p.requestHeaders, 'access-control-request-headers')).map((s) =>
        s.toLowerCase(),
      ),
    )
    const preflightFailed = failed(p) || p.status < 200 || p.status > 299
    const [lo, at, hi] = near(list)
    let best: Entry | undefined
    let bestScore = Number.NEGATIVE_INFINITY
    for (let i = Math.max(lo, at - PAIR_WINDOW); i < Math.min(hi, at + PAIR_WINDOW); i++) {
      const a = list.at(i)
      if (!a || this.preflightOf.has(a)) continue
      // A request whose preflight failed was never sent: it has no response.
      if (preflightFailed && a.status > 0) continue
      let score = 0
      if (a.requestHeaders.length > 0) score += headerEvidence(this.unsafeOf(a), acrh)
      if (a.startedAt !== null && p.startedAt !== null) {
        const lead = p.startedAt - a.startedAt // the request is created before its preflight
        if (lead < -1000 || lead > 60_000) score -= 10
        score -= Math.min(Math.abs(lead), 60_000) / 60_000
      }
      score -= Math.abs(a.index - p.index) / 1000 + (a.index < p.index ? 0 : 0.0001)
      if (score > bestScore) {
        bestScore = score
        best = a
      }
    }
    return best
  }

  private unsafeOf(a: Entry): string {
    let s = this.unsafe.get(a)
    if (s === undefined) {
      s = nameSet(corsUnsafeRequestHeaderNames(a.requestHeaders, { wire: true }))
      this.unsafe.set(a, s)
    }
    return s
  }

  private emitChain(hops: readonly Entry[]): void {
    try {
      const x = exchangeOf(hops, this.preflightOf, this.producer)
      if (x) {
        this.out.push(x)
        const at = (hops[0] as Entry).startedAt
        if (at !== null) this.started.set(x, at)
      } else this.skipped++
    } catch (err) {
      const at = (hops[0] as Entry).index
      this.skip(`entry ${at}: unreadable (${err instanceof Error ? err.message : 'malformed'})`)
    }
  }

  /**
   * A preflight whose request is not in the HAR: the request was never sent (the preflight failed) or the
   * export left it out. Either way the preflight alone is worth a diagnosis.
   */
  private emitOrphan(p: Entry): void {
    const initiator = initiatorOf(p)
    if (initiator && originOf(p.url) === initiator) {
      this.skipped++
      return
    }
    const acrm = headerValue(p.requestHeaders, 'access-control-request-method') ?? 'GET'
    const preflightFailed = failed(p) || p.status < 200 || p.status > 299
    if (!preflightFailed)
      this.warnings.push(`entry ${p.index}: preflight for ${acrm} ${p.url} without its request`)
    const browser = this.producer.browser
    const x: Exchange = {
      initiator,
      request: { method: acrm, url: p.url, headers: [] },
      preflight: preflightFrom(p),
      outcome: preflightFailed ? failureOf(p, this.producer) : { kind: 'unknown' },
      ...(browser ? { browser } : {}),
    }
    this.out.push(x)
    if (p.startedAt !== null) this.started.set(x, p.startedAt)
  }
}

/** The whole file at once (the panel's import, tests): the same reader, fed every entry. */
export function harToExchanges(har: unknown): HarReadResult | { error: string } {
  const read = harLogOf(har)
  if ('error' in read) return read
  const reader = new HarReader(read.log)
  const exchanges: Exchange[] = []
  for (const raw of read.log.entries as unknown[]) {
    reader.add(raw)
    exchanges.push(...reader.take())
  }
  reader.finish()
  exchanges.push(...reader.take())
  const startedAt = exchanges.map((x) => reader.startedAtOf(x))
  return { exchanges, startedAt, skipped: reader.skipped, warnings: reader.warnings }
}

/**
 * Whether these hops make a cross-origin CORS request: the one rule for what the reader explains, and for
 * what it lets go as soon as it is read.
 */
function isCorsRequest(hops: readonly Entry[], initiator: string | null, producer: Producer): boolean {
  const last = hops[hops.length - 1]
  if (hops.some(notCorsChecked) || (last && deliveredUnchecked(last, producer))) return false
  // A CORS-mode request always carries Origin; one that went out without it (an <img>, a navigation)
  // is not CORS. A failed one may show only provisional headers, so it stays.
  const sent = hops.every((h) => !failed(h))
  if (sent && hops.every((h) => headerValue(h.requestHeaders, 'origin') === null)) return false
  return !(initiator && hops.every((h) => originOf(h.url) === initiator))
}

/** The Exchange for one request's hops, or null when it is not a cross-origin CORS request. */
function exchangeOf(
  hops: readonly Entry[],
  preflightOf: Pick<WeakMap<Entry, Entry>, 'get' | 'has'>,
  producer: Producer,
): Exchange | null {
  const first = hops[0] as Entry
  const last = hops[hops.length - 1] ?? first
  const lens = last.corsLens
  const initiator = lens ? lens.initiator : initiatorOf(first)

  if (!lens && !isCorsRequest(hops, initiator, producer)) return null

  // A redirect the browser refused to follow (a Location with credentials, too many hops): still a
  // redirect, with nothing after it — not the response.
  // A redirect that ends the record (its next hop missing: Firefox sometimes leaves out the one it refused)
  // is a redirect too, never the response: its Location may be the failure.
  const isRedirect = isRedirectStatus(last.status) && last.redirectURL !== null
  const refused = isRedirect && (failed(last) || !lens)
  const redirects: Redirect[] = (refused ? hops : hops.slice(0, -1)).map((h) => ({
    fromUrl: h.url,
    status: h.status,
    headers: h.responseHeaders,
    // Absolute, as the browser resolved it: the engine walks the chain by these URLs.
    location: h.redirectURL ? (resolveUrl(h.redirectURL, h.url) ?? h.redirectURL) : '',
  }))
  // The latest preflight is the one that decided whether the request went on.
  const pf = [...hops].reverse().find((h) => preflightOf.has(h))
  const pfEntry = pf ? preflightOf.get(pf) : undefined
  const outcome: Outcome =
    lens?.outcome ??
    (failed(last) ? failureOf(last, producer) : producer.marksFailures ? { kind: 'ok' } : { kind: 'unknown' })
  const response = refused ? undefined : responseOf(last)
  // A followed redirect whose last hop has no response in the record: its cause may be there.
  const unrecorded = !lens && ((!refused && !response && hops.length > 1) || (refused && !failed(last)))
  const browser = lens ? lens.browser : producer.browser
  const api = apiOf(first)
  return {
    initiator,
    request: { method: first.method, url: first.url, headers: first.requestHeaders },
    ...(pfEntry ? { preflight: preflightFrom(pfEntry) } : {}),
    ...(redirects.length ? { redirects } : {}),
    ...(response ? { response } : {}),
    outcome,
    ...(lens?.credentialsMode ? { credentials: lens.credentialsMode } : {}),
    ...(browser ? { browser } : {}),
    ...(api ? { api } : {}),
    ...(unrecorded ? { unrecorded: 'response' as const } : {}),
  }
}

/** fetch(), XMLHttpRequest or a WebSocket, where the exporter says (DevTools' `_resourceType`). */
function apiOf(e: Entry): Exchange['api'] {
  const t = e.resourceType?.toLowerCase()
  if (isWebSocket(e)) return 'websocket'
  return t === 'xhr' ? 'xhr' : t === 'fetch' ? 'fetch' : undefined
}

function preflightFrom(p: Entry): Preflight {
  const response = responseOf(p)
  return {
    request: { method: p.method, url: p.url, headers: p.requestHeaders },
    ...(response ? { response } : {}),
    ...(p.error || !response ? { error: p.error || FAILED_NO_REASON } : {}),
  }
}
