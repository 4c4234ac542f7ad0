/**
 * HAR 1.2 in and out. Reads what Chrome DevTools, Firefox, Playwright and CORS Lens export into Exchanges
 * (preflights paired with their actual requests, redirect hops chained), and writes Exchanges back as HAR
 * with CORS Lens's verdict on each actual entry. Pure: JSON values in, JSON values out — no I/O, no DOM.
 */
import type { Diagnosis } from './analysis.ts'
import type { CredentialsMode, Exchange, Outcome, Preflight, Redirect, ResponseSide } from './exchange.ts'
import { corsUnsafeRequestHeaderNames, isRedirectStatus, methodAfterRedirect } from './fetch-rules.ts'
import { type HeaderLine, type HeaderList, headerValue, splitHeaderList } from './headers.ts'
import { FAILED_NO_REASON, NO_RESPONSE_RECORDED } from './net-errors.ts'
import { originOf } from './origin.ts'
import { redactForOutput } from './redact.ts'

export interface HarReadResult {
  readonly exchanges: Exchange[]
  /** Entries left out: same-origin, not CORS requests (no Origin header, navigations), or unreadable. */
  readonly skipped: number
  readonly warnings: string[]
}

/** What CORS Lens writes on each actual entry (`_corsLens`), and reads back for an exact round trip. */
export interface HarCorsLens {
  readonly verdict: Diagnosis['verdict']
  readonly blocked: boolean
  readonly corsError: Diagnosis['corsError']
  readonly failedParameter: string | null
  readonly credentials: Diagnosis['credentials']['mode']
  readonly findings: readonly string[]
  readonly fixes: readonly string[]
  /** The Exchange's own facts a HAR has no field for. */
  readonly initiator: string | null
  readonly outcome: Outcome
  readonly credentialsMode?: CredentialsMode
  readonly browser?: Exchange['browser']
}

export interface HarRecord {
  readonly exchange: Exchange
  readonly diagnosis: Diagnosis
  /** Epoch milliseconds. */
  readonly startedAt: number
}

const BODY_SNIPPET_CHARS = 512
/** Browsers stop after 20 redirects; a longer chain in a HAR is not one request. */
const MAX_HOPS = 20

// ---------------------------------------------------------------------------------------------------------
// Reading

type Json = Record<string, unknown>

function obj(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/**
 * Header lines from untrusted JSON: only string names, and values that are strings or numbers. Anything
 * else (an object whose toString is not a function, …) is dropped here, so one odd line never takes the
 * file down. HTTP/2 pseudo-headers (`:authority`, `:path`, …) are not header lines: never a reason for a
 * preflight, never a CORS header.
 */
function harHeaders(input: unknown): HeaderLine[] {
  if (!Array.isArray(input)) return []
  const out: HeaderLine[] = []
  for (const item of input) {
    const h = obj(item)
    const name = str(h?.name)
    const raw = h?.value
    if (!name || name.startsWith(':')) continue
    const value = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : ''
    out.push({ name, value })
  }
  return out
}

/** A real HTTP status: an integer from 100 to 599. 0 and -1 are the exporters' "no response". */
function statusOf(v: unknown): { status: number; bogus: boolean } {
  const n = num(v)
  if (n !== null && Number.isInteger(n) && n >= 100 && n <= 599) return { status: n, bogus: false }
  return { status: 0, bogus: v !== undefined && v !== null && n !== 0 && n !== -1 }
}

function isHttpUrl(url: string): boolean | null {
  try {
    const p = new URL(url).protocol
    // ws: and wss: too: a failed WebSocket may be a Local Network Access block (see notCorsChecked).
    return p === 'http:' || p === 'https:' || p === 'ws:' || p === 'wss:'
  } catch {
    return null
  }
}

function timeOf(v: unknown): number | null {
  const s = str(v)
  const t = s ? Date.parse(s) : Number.NaN
  return Number.isFinite(t) ? t : null
}

/**
 * A string that shares no memory with the one it came from: V8 makes a slice point into its source, so a
 * 512-character snippet would keep a whole multi-megabyte body alive for as long as the entry lives.
 */
function ownCopy(s: string): string {
  return `${s} `.slice(0, -1)
}

/** One HAR entry, validated and flattened. */
interface Entry {
  readonly index: number
  readonly method: string
  readonly url: string
  /** "METHOD url": what a redirect's next hop and a preflight's request are looked up by (made once). */
  readonly request: string
  readonly requestHeaders: HeaderLine[]
  /** 0 when no response arrived (DevTools/Firefox write 0, Playwright -1), or the status was not real. */
  readonly status: number
  readonly statusText: string
  readonly responseHeaders: HeaderLine[]
  readonly redirectURL: string | null
  readonly error: string | null
  /** Epoch ms of startedDateTime, when readable. */
  readonly startedAt: number | null
  readonly initiatorType: string | null
  readonly initiatorUrl: string | null
  readonly initiatorRequestId: string | null
  readonly requestId: string | null
  readonly resourceType: string | null
  readonly bodySnippet: string | null
  /**
   * Body bytes came over the wire (Firefox's bodySize counts the head too) but the content is an empty text
   * with no encoding: never read, unlike an empty body read (Firefox writes `encoding: base64` for that).
   */
  readonly bodyWithheld: boolean
  readonly pageUrl: string | null
  readonly corsLens: HarCorsLens | null
}

function readEntry(
  raw: unknown,
  index: number,
  pages: ReadonlyMap<string, string>,
  warnings: string[],
): Entry | string {
  const e = obj(raw)
  if (!e) return `entry ${index}: not an object`
  const req = obj(e.request)
  const res = obj(e.response)
  const url = str(req?.url)
  if (!req || !url) return `entry ${index}: no request URL`
  const method = str(req.method) || 'GET'
  const { status, bogus } = statusOf(res?.status)
  if (bogus)
    warnings.push(`entry ${index}: status ${String(res?.status)} is not an HTTP status; response ignored`)
  const responseHeaders = status ? harHeaders(res?.headers) : []
  const redirect =
    str(res?.redirectURL) || (isRedirectStatus(status) ? headerValue(responseHeaders, 'location') : null)
  // Chrome/Edge DevTools: `response._error`; older exports and CORS Lens: `_error` on the entry;
  // Playwright: `response._failureText`.
  const error = str(res?._error) || str(e._error) || str(res?._failureText) || null
  const initiator = obj(e._initiator)
  const content = obj(res?.content)
  const text = str(content?.text)
  const pageref = str(e.pageref)
  return {
    index,
    method,
    url,
    request: `${method} ${url}`,
    requestHeaders: harHeaders(req.headers),
    status,
    statusText: status ? (str(res?.statusText) ?? '') : '',
    responseHeaders,
    redirectURL: redirect || null,
    error,
    startedAt: timeOf(e.startedDateTime),
    initiatorType: str(initiator?.type),
    initiatorUrl: str(initiator?.url),
    initiatorRequestId: str(initiator?.requestId),
    requestId: str(e._requestId),
    resourceType: str(e._resourceType),
    bodySnippet:
      text && str(content?.encoding) !== 'base64' ? ownCopy(text.slice(0, BODY_SNIPPET_CHARS)) : null,
    bodyWithheld:
      status > 0 &&
      text === '' &&
      content?.encoding === undefined &&
      num(content?.size) === 0 &&
      (num(res?.bodySize) ?? 0) > Math.max(num(res?.headersSize) ?? 0, 0),
    pageUrl: pageref ? (pages.get(pageref) ?? null) : null,
    corsLens: readCorsLens(e._corsLens),
  }
}

const VERDICTS = new Set(['blocked', 'at-risk', 'ok', 'not-cors', 'unknown'])
const CRED_MODES = new Set(['omit', 'same-origin', 'include'])

function readOutcome(v: unknown): Outcome | null {
  const o = obj(v)
  if (o?.kind === 'ok' || o?.kind === 'unknown') return { kind: o.kind }
  if (o?.kind === 'error' && typeof o.error === 'string') return { kind: 'error', error: o.error }
  return null
}

/** Our own annotation, when the HAR came from CORS Lens. Anything malformed is ignored, not trusted. */
function readCorsLens(v: unknown): HarCorsLens | null {
  const o = obj(v)
  const outcome = readOutcome(o?.outcome)
  if (!o || !outcome || typeof o.verdict !== 'string' || !VERDICTS.has(o.verdict)) return null
  const strings = (a: unknown): string[] =>
    Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : []
  const credentials = o.credentials === 'omit' || o.credentials === 'include' ? o.credentials : 'unknown'
  const mode =
    typeof o.credentialsMode === 'string' && CRED_MODES.has(o.credentialsMode) ? o.credentialsMode : null
  const browser = o.browser === 'chromium' || o.browser === 'firefox' ? o.browser : null
  return {
    verdict: o.verdict as HarCorsLens['verdict'],
    blocked: o.blocked === true,
    corsError: (str(o.corsError) as HarCorsLens['corsError']) ?? null,
    failedParameter: str(o.failedParameter),
    credentials,
    findings: strings(o.findings),
    fixes: strings(o.fixes),
    initiator: str(o.initiator),
    outcome,
    ...(mode ? { credentialsMode: mode as CredentialsMode } : {}),
    ...(browser ? { browser } : {}),
  }
}

function isPreflight(e: Entry): boolean {
  return (
    e.initiatorType === 'preflight' ||
    (e.method.toUpperCase() === 'OPTIONS' &&
      headerValue(e.requestHeaders, 'access-control-request-method') !== null)
  )
}

const failed = (e: Entry): boolean => e.status <= 0 || e.error !== null

const isWebSocket = (e: Entry): boolean =>
  e.status === 101 ||
  e.resourceType === 'websocket' ||
  headerValue(e.requestHeaders, 'upgrade')?.toLowerCase() === 'websocket'

/**
 * Requests no CORS check applies to: WebSocket handshakes (Upgrade, 101), navigations and documents, and
 * no-cors / same-origin fetches (Sec-Fetch-Mode says so where the exporter kept it). A WebSocket that
 * failed is read on: since Chrome 147 it may be a Local Network Access block (the engine judges; CORS
 * Lens's own export writes such a row with _resourceType websocket).
 */
function notCorsChecked(e: Entry): boolean {
  if (isWebSocket(e)) return !failed(e)
  if (e.resourceType === 'document') return true
  const mode = headerValue(e.requestHeaders, 'sec-fetch-mode')?.toLowerCase()
  return mode === 'no-cors' || mode === 'navigate' || mode === 'same-origin' || mode === 'websocket'
}

/**
 * A response the browser handed to the page with no CORS check: no Access-Control-Allow-Origin, and yet
 * delivered (a no-cors request that carried Origin: a POST). Over plain http neither browser sends
 * Sec-Fetch-Mode, so this is the only sign. DevTools and Playwright mark every failed request: a CORS-mode
 * one without ACAO would be marked. Firefox keeps a CORS-blocked response's body but withholds an opaque
 * one's (measured in Firefox ESR 153: the bytes came, the content was never read).
 */
function deliveredUnchecked(last: Entry, producer: Producer): boolean {
  if (failed(last) || (isRedirectStatus(last.status) && last.redirectURL)) return false
  if (headerValue(last.responseHeaders, 'access-control-allow-origin') !== null) return false
  return producer.marksFailures || (producer.browser === 'firefox' && last.bodyWithheld)
}

function responseOf(e: Entry): ResponseSide | undefined {
  if (e.status <= 0) return undefined
  return {
    status: e.status,
    ...(e.statusText ? { statusText: e.statusText } : {}),
    headers: e.responseHeaders,
    ...(e.bodySnippet ? { bodySnippet: e.bodySnippet } : {}),
  }
}

function resolveUrl(location: string, base: string): string | null {
  try {
    return new URL(location, base).href
  } catch {
    return null
  }
}

/**
 * The page's origin: the Origin header (when not the opaque "null"), else the Referer's origin, else the
 * origin of Chrome's `_initiator.url` (a script URL, not always the page — last resort), else the page.
 */
function initiatorOf(e: Entry): string | null {
  const origin = headerValue(e.requestHeaders, 'origin')
  if (origin && origin !== 'null') return originOf(origin) ?? origin
  const referer = headerValue(e.requestHeaders, 'referer')
  const fromReferer = referer ? originOf(referer) : null
  if (fromReferer) return fromReferer
  // A preflight's _initiator.url is the request's own URL, never the page.
  const fromInitiator = e.initiatorType !== 'preflight' && e.initiatorUrl ? originOf(e.initiatorUrl) : null
  return fromInitiator ?? (e.pageUrl ? originOf(e.pageUrl) : null)
}

/** Who wrote the file, as far as reading it goes. */
interface Producer {
  readonly browser: Exchange['browser'] | undefined
  /**
   * Chrome DevTools sets `response._error` on every failed request, Playwright writes status -1 with
   * `_failureText`, CORS Lens writes its outcome: in their exports a response without that mark was
   * delivered. Firefox keeps a CORS-blocked response's status and headers with no error mark, and unknown
   * exporters may too: there a response only says "it arrived", and the engine decides from the headers.
   */
  readonly marksFailures: boolean
  /** A proxy or HTTP client (ZAP, mitmproxy, Charles, Fiddler, Insomnia…): no browser, no CORS check ran. */
  readonly tool: boolean
}

function producerOf(log: Json): Producer {
  const creator = str(obj(log.creator)?.name) ?? ''
  const names = `${creator} ${str(obj(log.browser)?.name) ?? ''}`.toLowerCase()
  const browser = /firefox/.test(names)
    ? 'firefox'
    : /webinspector|chrom|edge|playwright/.test(names)
      ? 'chromium'
      : undefined
  return {
    browser,
    marksFailures: /webinspector|playwright|cors lens/i.test(creator),
    tool: /zap|mitmproxy|charles|fiddler|insomnia|postman|burp|proxyman|http ?toolkit/i.test(creator),
  }
}

/** What a failed entry's outcome says: its own error, else the producer's kind of silence. */
function failureOf(e: Entry, producer: Producer): Outcome {
  if (e.error) return { kind: 'error', error: e.error }
  return { kind: 'error', error: producer.tool ? NO_RESPONSE_RECORDED : FAILED_NO_REASON }
}

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
      if (x) this.out.push(x)
      else this.skipped++
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
    this.out.push({
      initiator,
      request: { method: acrm, url: p.url, headers: [] },
      preflight: preflightFrom(p),
      outcome: preflightFailed ? failureOf(p, this.producer) : { kind: 'unknown' },
      ...(browser ? { browser } : {}),
    })
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
  return { exchanges, skipped: reader.skipped, warnings: reader.warnings }
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

// ---------------------------------------------------------------------------------------------------------
// Writing

function headersOut(headers: HeaderList): { name: string; value: string }[] {
  return headers.map((h) => ({ name: h.name, value: h.value }))
}

function queryString(url: string): { name: string; value: string }[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }))
  } catch {
    return []
  }
}

function isoTime(ms: number): string {
  const d = new Date(Number.isFinite(ms) ? ms : 0)
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString()
}

interface EntryParts {
  readonly id: string
  readonly startedAt: number
  readonly method: string
  readonly url: string
  readonly requestHeaders: HeaderList
  readonly response?: ResponseSide
  readonly redirectURL?: string
  readonly error?: string
  readonly initiator?: Json
  readonly extra?: Json
}

function harEntry(p: EntryParts): Json {
  const r = p.response
  const mime = r ? (headerValue(r.headers, 'content-type') ?? 'x-unknown') : 'x-unknown'
  return {
    startedDateTime: isoTime(p.startedAt),
    time: 0,
    request: {
      method: p.method,
      url: p.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headersOut(p.requestHeaders),
      queryString: queryString(p.url),
      headersSize: -1,
      bodySize: -1,
    },
    response: {
      status: r?.status ?? 0,
      statusText: r?.statusText ?? '',
      httpVersion: r ? 'HTTP/1.1' : '',
      cookies: [],
      headers: headersOut(r?.headers ?? []),
      content: {
        size: r?.bodySnippet?.length ?? 0,
        mimeType: mime,
        ...(r?.bodySnippet ? { text: r.bodySnippet } : {}),
      },
      redirectURL: p.redirectURL ?? '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
    _requestId: p.id,
    ...(p.initiator ? { _initiator: p.initiator } : {}),
    ...(p.error !== undefined ? { _error: p.error } : {}),
    ...p.extra,
  }
}

/** HAR 1.2 of the given exchanges: one entry per preflight, per redirect hop and per actual request. */
export function exchangesToHar(records: readonly HarRecord[], options?: { redact?: boolean }): object {
  const redact = options?.redact ?? true
  const entries: Json[] = []
  records.forEach((record, i) => {
    // Secrets out first (redact.ts, the one function every way out uses): nothing below sees them.
    const { exchange: x, diagnosis: d } = redact ? redactForOutput(record.exchange, record.diagnosis) : record
    const startedAt = record.startedAt
    const id = `cors-lens-${i + 1}`
    const pf = x.preflight
    if (pf) {
      entries.push(
        harEntry({
          id: `${id}-preflight`,
          startedAt,
          method: pf.request.method,
          url: pf.request.url,
          requestHeaders: pf.request.headers,
          ...(pf.response ? { response: pf.response } : {}),
          ...(pf.error !== undefined ? { error: pf.error } : {}),
          initiator: { type: 'preflight', url: pf.request.url, requestId: id },
        }),
      )
    }
    // Each hop repeats the request's headers: the HAR keeps no other record of what a hop sent.
    let method = x.request.method
    ;(x.redirects ?? []).forEach((r, h) => {
      entries.push(
        harEntry({
          id: `${id}-hop${h + 1}`,
          startedAt,
          method,
          url: r.fromUrl,
          requestHeaders: x.request.headers,
          response: { status: r.status, headers: r.headers },
          redirectURL: r.location,
        }),
      )
      method = methodAfterRedirect(method, r.status)
    })
    const last = x.redirects?.at(-1)
    const finalUrl = last ? (resolveUrl(last.location, last.fromUrl) ?? last.location) : x.request.url
    const lens: HarCorsLens = {
      verdict: d.verdict,
      blocked: d.blocked,
      corsError: d.corsError,
      failedParameter: d.failedParameter,
      credentials: d.credentials.mode,
      findings: d.findings.map((f) => f.code),
      fixes: d.fixes.map((f) => f.title),
      initiator: x.initiator,
      outcome: x.outcome,
      ...(x.credentials ? { credentialsMode: x.credentials } : {}),
      ...(x.browser ? { browser: x.browser } : {}),
    }
    entries.push(
      harEntry({
        id,
        startedAt,
        method,
        url: finalUrl,
        // The first hop's headers stand for the request when there were redirects.
        requestHeaders: x.request.headers,
        ...(x.response ? { response: x.response } : {}),
        ...(x.outcome.kind === 'error' ? { error: x.outcome.error } : {}),
        initiator: { type: 'script', ...(x.initiator ? { url: x.initiator } : {}) },
        extra: { _corsLens: lens, ...(x.api ? { _resourceType: x.api } : {}) },
      }),
    )
  })
  return {
    log: {
      version: '1.2',
      creator: { name: 'CORS Lens', version: '1' },
      pages: [],
      entries,
    },
  }
}
