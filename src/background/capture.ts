/**
 * The webRequest hot path. Every listener does the least it can: a few comparisons, a Map lookup, and keeps
 * the event's own header arrays by reference. Same-origin and no-cors traffic is dropped on the first event
 * with string compares; the expensive work (pairing, the engine, storage) happens later, in batches, in the
 * pipeline.
 *
 * Subscriptions (see platform for the types): onSendHeaders (request headers as sent; in Chromium a
 * preflight-blocked request never gets here), onHeadersReceived (status and raw header lines; fires once per
 * redirect hop, so onBeforeRedirect is not needed), onCompleted and onErrorOccurred (the ending, and the only
 * event a preflight-blocked request gets after onBeforeRequest, with url/method/initiator: so
 * onBeforeRequest is not needed either; for a redirect hop that was never sent, its URL is the only trace of
 * that hop). A separate main-frame onHeadersReceived listener, without
 * extraHeaders, tells us when a tab navigates.
 */
import { extraInfoSpec, initiatorOf, type Platform, type WebRequestEventName } from '../platform/index.ts'
import { PerTabMap } from './per-tab.ts'
import type { End, RawHeader, TrackedPreflight, TrackedRequest } from './tracked.ts'
import { rawHeaderValue, splitHeaderNames } from './tracked.ts'

/** The fields of a webRequest event we read (all browsers; Firefox adds originUrl/documentUrl). */
export interface RequestDetails {
  readonly requestId: string
  readonly url: string
  readonly method: string
  readonly tabId: number
  readonly type: string
  readonly timeStamp: number
  readonly frameId?: number
  readonly initiator?: string
  readonly originUrl?: string
  readonly documentUrl?: string
  readonly documentLifecycle?: string
  readonly requestHeaders?: RawHeader[]
  readonly responseHeaders?: RawHeader[]
  readonly statusCode?: number
  readonly statusLine?: string
  readonly error?: string
  /** The server IP address (onCompleted, onErrorOccurred): Local Network Access judges by it. */
  readonly ip?: string
}

export interface RequestFilterLike {
  readonly urls: string[]
  readonly types?: string[]
  /** Only this tab's requests (the browser filters before dispatching). */
  readonly tabId?: number
}

type Listener = (details: RequestDetails) => undefined

interface Registration {
  readonly event: WebRequestEventLike
  readonly callback: Listener
}

export interface WebRequestEventLike {
  // Returns undefined (not void) so Chromium's onHeadersReceived type, which allows a BlockingResponse, fits.
  addListener(callback: Listener, filter: RequestFilterLike, extraInfoSpec?: string[]): void
  removeListener(callback: Listener): void
}

export interface WebRequestLike {
  readonly onSendHeaders: WebRequestEventLike
  readonly onHeadersReceived: WebRequestEventLike
  readonly onCompleted: WebRequestEventLike
  readonly onErrorOccurred: WebRequestEventLike
}

export interface CaptureSink {
  /** A tracked request ended, or a request we never saw sent failed (`hops[0].requestHeaders` is null). */
  ended(request: TrackedRequest): void
  preflightStarted(preflight: TrackedPreflight): void
  preflightEnded(preflight: TrackedPreflight): void
  /** The tab loaded a new document. Returns true when its in-flight requests belong to a log that was cleared. */
  navigated(tabId: number): boolean
}

/**
 * Bound the in-flight maps if a browser ever fails to end a request, or a tab floods: per tab, so one tab
 * cannot push out another's, and in total.
 */
export const MAX_IN_FLIGHT_PER_TAB = 1000
export const MAX_IN_FLIGHT = 5000
export const MAX_PREFLIGHTS_PER_TAB = 500
export const MAX_PREFLIGHTS = 2000

export class Capture {
  private readonly inFlight = new PerTabMap<TrackedRequest>(MAX_IN_FLIGHT_PER_TAB, MAX_IN_FLIGHT)
  private readonly preflights = new PerTabMap<TrackedPreflight>(MAX_PREFLIGHTS_PER_TAB, MAX_PREFLIGHTS)

  constructor(
    private readonly platform: Platform,
    private readonly sink: CaptureSink,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {}

  /**
   * Listener sets by scope ('all', or one inspected tab's id), each with when it was registered (epoch ms):
   * what started earlier is not ours to see live.
   */
  private readonly registered = new Map<
    number | 'all',
    { readonly since: number; readonly set: Registration[] }
  >()

  /**
   * Listens exactly where asked: every tab ('all'), or only the given tabs, each through its own listener
   * set filtered by `tabId` so the browser dispatches nothing from other tabs. Removes every set not asked
   * for; with none left the browser routes no request through the extension. These sets are the capture
   * scope: nothing else decides whether a tab is watched.
   */
  listenTo(webRequest: WebRequestLike, scope: 'all' | readonly number[]): void {
    const wanted = new Set<number | 'all'>(scope === 'all' ? ['all'] : scope)
    for (const key of [...this.registered.keys()]) if (!wanted.has(key)) this.unregister(key)
    for (const key of wanted) this.register(webRequest, key)
  }

  /** Registers one listener set (once per key): every tab, or one tab. */
  register(webRequest: WebRequestLike, key: number | 'all' = 'all'): void {
    if (this.registered.has(key)) return
    const set: Registration[] = []
    this.registered.set(key, { since: Date.now(), set })
    const tab = key === 'all' ? {} : { tabId: key }
    // Exactly the arguments this browser's schema takes: Firefox rejects a third argument to onErrorOccurred,
    // even an undefined one, so it is left out rather than passed empty (see platform).
    const listen = (
      name: WebRequestEventName,
      callback: Listener,
      filter: RequestFilterLike,
      spec: string[] | undefined,
    ) => {
      const event = webRequest[name]
      if (spec) event.addListener(callback, { ...filter, ...tab }, spec)
      else event.addListener(callback, { ...filter, ...tab })
      set.push({ event, callback })
    }
    const filter: RequestFilterLike = { urls: ['<all_urls>'], types: [...this.platform.corsTypes] }
    const spec = (name: WebRequestEventName, ...wanted: string[]) =>
      extraInfoSpec(this.platform, name, ...wanted)
    listen('onSendHeaders', this.guard(this.onSendHeaders), filter, spec('onSendHeaders', 'requestHeaders'))
    listen(
      'onHeadersReceived',
      this.guard(this.onHeadersReceived),
      filter,
      spec('onHeadersReceived', 'responseHeaders'),
    )
    listen('onCompleted', this.guard(this.onCompleted), filter, spec('onCompleted'))
    listen('onErrorOccurred', this.guard(this.onErrorOccurred), filter, spec('onErrorOccurred'))
    if (this.platform.outcomeOnlyTypes.length > 0) {
      // No 'extraHeaders' here: images and media must not be routed through the header hooks.
      const types = [...this.platform.outcomeOnlyTypes]
      listen('onErrorOccurred', this.guard(this.onErrorOccurred), { urls: ['<all_urls>'], types }, undefined)
    }
    listen(
      'onHeadersReceived',
      this.guard(this.onMainFrame),
      { urls: ['<all_urls>'], types: ['main_frame'] },
      ['responseHeaders'],
    )
  }

  /**
   * Removes one listener set (default: all of them) and forgets what it had in flight. A user who captures
   * only while DevTools is open pays nothing the rest of the time.
   */
  unregister(key?: number | 'all'): void {
    for (const k of key === undefined ? [...this.registered.keys()] : [key]) {
      for (const { event, callback } of this.registered.get(k)?.set ?? []) event.removeListener(callback)
      this.registered.delete(k)
      if (k === 'all') {
        this.inFlight.clear()
        this.preflights.clear()
      } else this.dropTab(k)
    }
    this.optionsPreflights.clear()
  }

  get listening(): boolean {
    return this.registered.size > 0
  }

  /** Since when (epoch ms) this tab's requests have been captured live, without a break; null if they are not. */
  listeningSince(tabId: number): number | null {
    const own = this.registered.get(tabId)?.since
    const all = this.registered.get('all')?.since
    if (own === undefined) return all ?? null
    return all === undefined ? own : Math.min(own, all)
  }

  /** Whether a request id is in flight (the pairer uses it so a preflight is not stolen from its owner). */
  isInFlight(requestId: string): boolean {
    return this.inFlight.has(requestId)
  }

  /** Drops whatever never ended after `maxAgeMs` (a lost event); returns how many. */
  sweep(now: number, maxAgeMs: number): number {
    let n = 0
    for (const [id, r] of this.inFlight) {
      if (now - r.startedAt <= maxAgeMs) continue
      this.inFlight.delete(id)
      n++
    }
    for (const [id, p] of this.preflights) {
      if (now - p.startedAt <= maxAgeMs) continue
      this.preflights.delete(id)
      n++
    }
    return n
  }

  dropTab(tabId: number): void {
    this.inFlight.deleteTab(tabId)
    this.preflights.deleteTab(tabId)
  }

  get inFlightCount(): number {
    return this.inFlight.size + this.preflights.size
  }

  readonly onSendHeaders = (d: RequestDetails): void => {
    const tracked = this.inFlight.get(d.requestId)
    if (tracked) {
      // A redirect hop (or the second half of a same-origin redirect we started tracking at its 3xx).
      const headers = d.requestHeaders ?? []
      if (this.platform.originVisible && !hasOrigin(headers)) {
        this.inFlight.delete(d.requestId) // the hop went no-cors: nothing CORS can say
        return
      }
      tracked.hops.push({
        url: d.url,
        method: d.method,
        requestHeaders: headers,
        sentAt: d.timeStamp,
        response: null,
      })
      return
    }
    if (d.tabId < 0) return
    const initiator = initiatorOf(d)
    if (initiator === null || sameOrigin(initiator, d.url)) return
    const headers = d.requestHeaders ?? []
    if (d.method === 'OPTIONS') {
      const requestMethod = rawHeaderValue(headers, 'access-control-request-method')
      if (requestMethod !== null) {
        const preflight: TrackedPreflight = {
          id: d.requestId,
          tabId: d.tabId,
          url: d.url,
          initiator,
          startedAt: d.timeStamp,
          requestHeaders: headers,
          requestMethod,
          requestHeaderNames: splitHeaderNames(rawHeaderValue(headers, 'access-control-request-headers')),
          response: null,
          end: null,
        }
        this.preflights.set(d.requestId, preflight)
        this.sink.preflightStarted(preflight)
        return
      }
    }
    // A CORS-mode request always sends Origin cross-origin; without it the request is no-cors (an <img>, …).
    if (this.platform.originVisible && !hasOrigin(headers)) return
    this.track({
      id: d.requestId,
      tabId: d.tabId,
      type: d.type,
      initiator,
      startedAt: d.timeStamp,
      hops: [{ url: d.url, method: d.method, requestHeaders: headers, sentAt: d.timeStamp, response: null }],
      end: null,
      endedAt: 0,
    })
  }

  readonly onHeadersReceived = (d: RequestDetails): void => {
    const response = {
      status: d.statusCode ?? 0,
      statusLine: d.statusLine ?? '',
      headers: d.responseHeaders ?? [],
    }
    const tracked = this.inFlight.get(d.requestId)
    if (tracked) {
      const hop = tracked.hops[tracked.hops.length - 1]
      if (hop) hop.response = response
      return
    }
    const preflight = this.preflights.get(d.requestId)
    if (preflight) {
      preflight.response = response
      return
    }
    // A same-origin hop that redirects may go cross-origin next: track it from its 3xx so the chain is kept.
    const status = response.status
    if (status < 300 || status > 399 || d.tabId < 0) return
    const initiator = initiatorOf(d)
    if (initiator === null) return
    this.track({
      id: d.requestId,
      tabId: d.tabId,
      type: d.type,
      initiator,
      startedAt: d.timeStamp,
      hops: [{ url: d.url, method: d.method, requestHeaders: null, sentAt: null, response }],
      end: null,
      endedAt: 0,
    })
  }

  readonly onCompleted = (d: RequestDetails): void => {
    this.end(d, { kind: 'ok' })
  }

  readonly onErrorOccurred = (d: RequestDetails): void => {
    const error = typeof d.error === 'string' ? d.error : 'unknown error'
    if (this.end(d, { kind: 'error', error })) return
    // Never seen sent: in Chromium, the actual request of a failed preflight (or one blocked before sending).
    if (d.tabId < 0) return
    const initiator = initiatorOf(d)
    if (initiator === null || sameOrigin(initiator, d.url)) return
    if (d.method === 'OPTIONS' && !this.claimOptionsPreflight(d.tabId, d.url)) {
      // A preflight that failed before it was sent (connection refused, …): pairable by tab and URL only.
      this.sink.preflightStarted({
        id: d.requestId,
        tabId: d.tabId,
        url: d.url,
        initiator,
        startedAt: d.timeStamp,
        requestHeaders: [],
        requestMethod: null,
        requestHeaderNames: [],
        response: null,
        end: { kind: 'error', error },
      })
      return
    }
    this.sink.ended({
      id: d.requestId,
      tabId: d.tabId,
      type: d.type,
      initiator,
      startedAt: d.timeStamp,
      hops: [{ url: d.url, method: d.method, requestHeaders: null, sentAt: null, response: null }],
      end: { kind: 'error', error },
      endedAt: d.timeStamp,
      ...(typeof d.ip === 'string' ? { ip: d.ip } : {}),
    })
  }

  readonly onMainFrame = (d: RequestDetails): void => {
    if (d.tabId < 0 || (d.frameId ?? 0) !== 0 || d.documentLifecycle === 'prerender') return
    const status = d.statusCode ?? 0
    // Redirects, 204/205 and downloads do not replace the document.
    if ((status >= 300 && status < 400) || status === 204 || status === 205) return
    const disposition = rawHeaderValue(d.responseHeaders ?? [], 'content-disposition')
    if (disposition && /^\s*attachment/i.test(disposition)) return
    if (this.sink.navigated(d.tabId)) this.dropTab(d.tabId)
  }

  private end(d: RequestDetails, end: End): boolean {
    const tracked = this.inFlight.get(d.requestId)
    if (tracked) {
      this.inFlight.delete(d.requestId)
      addUnsentHop(tracked, d)
      tracked.end = end
      tracked.endedAt = d.timeStamp
      if (typeof d.ip === 'string') tracked.ip = d.ip
      this.sink.ended(tracked)
      return true
    }
    const preflight = this.preflights.get(d.requestId)
    if (preflight) {
      this.preflights.delete(d.requestId)
      if (preflight.requestMethod === 'OPTIONS') this.rememberOptionsPreflight(preflight)
      preflight.end = end
      this.sink.preflightEnded(preflight)
      return true
    }
    return false
  }

  /**
   * fetch(url, { method: 'OPTIONS' }) is preflighted (OPTIONS is not a safelisted method) and, when the
   * preflight fails, ends unsent like a preflight of its own. It is the actual request when a preflight for
   * OPTIONS (Access-Control-Request-Method: OPTIONS) to that URL was seen in this tab.
   */
  private readonly optionsPreflights = new Map<string, number>()

  private rememberOptionsPreflight(p: TrackedPreflight): void {
    if (this.optionsPreflights.size >= 100) this.optionsPreflights.clear()
    this.optionsPreflights.set(`${p.tabId} ${p.url}`, p.startedAt)
  }

  private claimOptionsPreflight(tabId: number, url: string): boolean {
    for (const [, p] of this.preflights)
      if (p.tabId === tabId && p.url === url && p.requestMethod === 'OPTIONS') return true
    return this.optionsPreflights.delete(`${tabId} ${url}`)
  }

  private track(r: TrackedRequest): void {
    this.inFlight.set(r.id, r)
  }

  /** One bad event must not kill capture: listener bodies never throw. */
  private guard(fn: (d: RequestDetails) => void): (d: RequestDetails) => undefined {
    return (d) => {
      try {
        fn(d)
      } catch (error) {
        this.onListenerError(error)
      }
      return undefined
    }
  }
}

/**
 * "https://a.example" initiates "https://a.example/x": the URL starts with the origin followed by "/"
 * (browsers hand both over normalized). An opaque initiator ("null") is never same-origin.
 */
export function sameOrigin(initiator: string, url: string): boolean {
  return (
    url.length > initiator.length &&
    url.charCodeAt(initiator.length) === 47 &&
    url.startsWith(initiator) &&
    initiator !== 'null'
  )
}

/**
 * A redirect that was followed but whose next hop was never sent (its own preflight failed, or it was blocked
 * before sending) leaves no event of its own: only the ending event names the new URL and method. Without
 * this hop the request would be paired with the preflight of the hop before (the wrong preflight, often with
 * another Origin) and assembled as if that hop had failed. Chromium ends a redirect it refused with the URL
 * the redirect came from, so a different URL after a 3xx response means the redirect was followed.
 */
function addUnsentHop(r: TrackedRequest, d: RequestDetails): void {
  const last = r.hops[r.hops.length - 1]
  const status = last?.response?.status ?? 0
  if (!last || status < 300 || status > 399 || d.url === last.url || typeof d.url !== 'string') return
  r.hops.push({ url: d.url, method: d.method, requestHeaders: null, sentAt: null, response: null })
}

function hasOrigin(headers: readonly RawHeader[]): boolean {
  for (const h of headers) if (h.name.length === 6 && h.name.toLowerCase() === 'origin') return true
  return false
}

/** One failure as webRequest's onErrorOccurred told it: the error name and address DevTools' log lacks. */
export interface FailureSeen {
  readonly method: string
  readonly url: string
  readonly error: string
  readonly ip?: string
  /** The page's origin: DevTools' entry for a refused WebSocket names none. */
  readonly initiator?: string
}

/** Failures remembered per tab until DevTools' entry for the same request arrives. */
const MAX_FAILURES_PER_TAB = 200

/**
 * The narrow webRequest path beside DevTools' log (live source 'devtools-combined'): onErrorOccurred alone,
 * without 'extraHeaders' (so no preflight or header routing), per watched tab. DevTools' HAR folds Local
 * Network Access blocks into net::ERR_FAILED and has no server address for a request never sent; webRequest
 * names net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS (see test/lab/local-network.ts), which is what tells
 * a loopback target behind a name (api.devbox.test) apart.
 */
export class FailureWatch {
  private readonly listeners = new Map<number, Listener>()
  private readonly recent = new Map<number, FailureSeen[]>()

  constructor(
    private readonly platform: Platform,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {}

  listenTo(webRequest: WebRequestLike, tabs: readonly number[]): void {
    const wanted = new Set(tabs)
    for (const [tabId, cb] of this.listeners) {
      if (wanted.has(tabId)) continue
      webRequest.onErrorOccurred.removeListener(cb)
      this.listeners.delete(tabId)
      this.recent.delete(tabId)
    }
    for (const tabId of wanted) {
      if (this.listeners.has(tabId)) continue
      const cb: Listener = (d) => {
        try {
          this.seen(d)
        } catch (error) {
          this.onListenerError(error)
        }
        return undefined
      }
      const types = [...this.platform.corsTypes, ...this.platform.outcomeOnlyTypes]
      webRequest.onErrorOccurred.addListener(cb, { urls: ['<all_urls>'], types, tabId })
      this.listeners.set(tabId, cb)
    }
  }

  /** The newest failure of this request in the tab, taken (each is used once). */
  take(tabId: number, method: string, url: string): FailureSeen | null {
    const list = this.recent.get(tabId)
    if (!list) return null
    for (let i = list.length - 1; i >= 0; i--) {
      const f = list[i] as FailureSeen
      if (f.url === url && f.method === method) return list.splice(i, 1)[0] ?? null
    }
    return null
  }

  private seen(d: RequestDetails): void {
    if (d.tabId < 0 || typeof d.error !== 'string') return
    let list = this.recent.get(d.tabId)
    if (!list) {
      list = []
      this.recent.set(d.tabId, list)
    }
    if (list.length >= MAX_FAILURES_PER_TAB) list.shift()
    const initiator = initiatorOf(d)
    list.push({
      method: d.method,
      url: d.url,
      error: d.error,
      ...(typeof d.ip === 'string' ? { ip: d.ip } : {}),
      ...(initiator ? { initiator } : {}),
    })
  }
}
