/**
 * The one place that knows how Chromium and Firefox differ for capture. Everything is detected from the
 * API objects handed in (never from the user agent), so tests pass fakes and the worker passes the real ones.
 *
 * Measured differences (research: extension-testing.md §4, firefox.md §3/§8):
 * - Chromium hides preflights, Origin and the headers of CORS-failed responses unless a listener asks for
 *   'extraHeaders'; Firefox shows them all and throws if 'extraHeaders' is passed.
 * - Chromium gives `initiator` (an origin); Firefox gives `originUrl`/`documentUrl` (full URLs).
 * - Chromium sends a preflight before the actual request's onSendHeaders; Firefox sends the actual
 *   request's onSendHeaders first and the preflight after it.
 * - Chromium reports a CORS failure as onErrorOccurred; Firefox ends simple CORS failures in onCompleted
 *   (the engine must judge from headers) and preflight failures as NS_ERROR_DOM_BAD_URI on both requests.
 * - Firefox joins duplicate response header lines with ", " (the engine splits them).
 * - Any webRequest listener makes Chromium route every request of every frame through the browser process
 *   (bench, DevTools open: one no-op onErrorOccurred listener 1.12–1.14×, CORS Lens's set 1.16–1.27×), so in
 *   Chromium live capture waits until the CORS panel is shown and DevTools' own log supplies what came before
 *   and, in the default scope, what comes after (live-source.ts).
 */

import type { BrowserName } from '../protocol.ts'

export type { BrowserName }

/** Which comes first on the wire events: the preflight, or the actual request's onSendHeaders. */
export type PreflightOrder = 'preflight-first' | 'actual-first'

/** When the default scope starts listening to a tab: as DevTools opens on it, or as the CORS panel first shows. */
export type CaptureStart = 'devtools-open' | 'panel-shown'

export interface Platform {
  readonly browser: BrowserName
  /** In the default scope (see the measured difference above); what DevTools logged before is read then. */
  readonly captureStart: CaptureStart
  /** Whether listeners may (and must) ask for 'extraHeaders'. */
  readonly extraHeaders: boolean
  /** Whether the Origin request header is visible to onSendHeaders (so "no Origin" proves a no-cors request). */
  readonly originVisible: boolean
  readonly preflightOrder: PreflightOrder
  /** Request types that can carry a CORS request and whose headers are captured (this browser's names only). */
  readonly corsTypes: readonly string[]
  /** Types observed only through their failures, without headers (OUTCOME_ONLY_TYPES, and websocket in Chromium). */
  readonly outcomeOnlyTypes: readonly string[]
  /** Request header names webRequest never shows (lower case), even when the page set them. */
  readonly hiddenRequestHeaders: ReadonlySet<string>
}

/** The part of the webRequest namespace that detection reads: its schema enums. */
export interface WebRequestEnums {
  readonly OnHeadersReceivedOptions?: Readonly<Record<string, string>>
  readonly ResourceType?: Readonly<Record<string, string>>
}

/** runtime, read only for Firefox's runtime.getBrowserInfo. */
export type RuntimeLike = object

/**
 * Types a CORS-mode request can have: fetch/XHR; fonts (always CORS); module scripts and crossorigin
 * scripts and styles; sendBeacon ('ping' in Chromium, 'beacon' in Firefox); EventSource and prefetch
 * ('other'); Firefox's JSON modules. Their headers are captured. Frames, objects, CSP reports and WebSockets
 * never are CORS requests, so their headers are not subscribed to (the browser does not even dispatch them to
 * us); a WebSocket's failure is heard for Local Network Access only (FAILURE_ONLY_CHROMIUM_TYPES).
 */
const CORS_TYPES = [
  'xmlhttprequest',
  'font',
  'script',
  'stylesheet',
  'ping',
  'other',
  'beacon',
  'json',
] as const

/**
 * Images and media are most of a page's requests and are rarely CORS requests (only with `crossorigin`).
 * Watching their headers (with 'extraHeaders') slows every page load, so only how they end is observed:
 * a plain onErrorOccurred listener, dispatched on failures alone (bench: realistic page, floor 1.17× → 1.10×).
 */
const OUTCOME_ONLY_TYPES = ['image', 'media', 'imageset'] as const

/**
 * WebSockets are no CORS requests, but since Chrome 147 Local Network Access refuses them too, before the
 * handshake is sent (webRequest: type websocket, net::ERR_FAILED). Heard on the same failures-only listener
 * as images (no listener more, nothing dispatched unless one fails). Chromium only: Firefox's LNA is another
 * matter (src/core/firefox-reasons.ts).
 */
const FAILURE_ONLY_CHROMIUM_TYPES = ['websocket'] as const

export function isOutcomeOnlyType(type: string): boolean {
  return (OUTCOME_ONLY_TYPES as readonly string[]).includes(type)
}

/** Chromium's list (webRequest docs "onBeforeSendHeaders"); Firefox shows these, so its set is empty. */
const CHROMIUM_HIDDEN_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'cache-control',
  'connection',
  'content-length',
  'host',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'partial-data',
  'pragma',
  'proxy-authorization',
  'proxy-connection',
  'transfer-encoding',
])

export function supportsExtraHeaders(webRequest: WebRequestEnums): boolean {
  return webRequest.OnHeadersReceivedOptions?.EXTRA_HEADERS === 'extraHeaders'
}

export function detectPlatform(webRequest: WebRequestEnums, runtime: RuntimeLike): Platform {
  // runtime.getBrowserInfo exists only in Firefox; the enum check alone would also catch old Chromium.
  const firefox = typeof (runtime as { getBrowserInfo?: unknown }).getBrowserInfo === 'function'
  const extraHeaders = supportsExtraHeaders(webRequest)
  const known = webRequest.ResourceType ? new Set(Object.values(webRequest.ResourceType)) : null
  // Passing a type the browser does not know makes addListener throw, so keep only known ones.
  const knownHere = (t: string): boolean =>
    known ? known.has(t) : t !== 'beacon' && t !== 'imageset' && t !== 'json'
  const corsTypes = CORS_TYPES.filter(knownHere)
  const outcomeOnlyTypes = [...OUTCOME_ONLY_TYPES, ...(firefox ? [] : FAILURE_ONLY_CHROMIUM_TYPES)].filter(
    knownHere,
  )
  return {
    browser: firefox ? 'firefox' : 'chromium',
    captureStart: firefox ? 'devtools-open' : 'panel-shown',
    extraHeaders,
    originVisible: firefox || extraHeaders,
    preflightOrder: firefox ? 'actual-first' : 'preflight-first',
    corsTypes,
    outcomeOnlyTypes,
    hiddenRequestHeaders: firefox ? new Set() : CHROMIUM_HIDDEN_REQUEST_HEADERS,
  }
}

/** The webRequest events capture listens to. */
export type WebRequestEventName = 'onSendHeaders' | 'onHeadersReceived' | 'onCompleted' | 'onErrorOccurred'

/**
 * Events whose addListener takes no extraInfoSpec parameter at all, per browser. Firefox's schema
 * (toolkit/components/extensions/schemas/web_request.json, checked in 153.8esr) gives onErrorOccurred only a
 * filter and rejects any third argument, even `undefined` or `[]` ("Incorrect argument types"); Chromium's
 * onErrorOccurred takes OnErrorOccurredOptions (['extraHeaders']). Every other event we use takes an optional
 * extraInfoSpec in both. test/background/webrequest-schemas.ts holds the full tables the fakes enforce.
 */
const NO_EXTRA_INFO_SPEC: Readonly<Record<BrowserName, ReadonlySet<WebRequestEventName>>> = {
  chromium: new Set(),
  firefox: new Set(['onErrorOccurred']),
}

/**
 * The extraInfoSpec to pass to `event`'s addListener: the wanted flags plus 'extraHeaders' where the browser
 * has it; undefined when the call must have no third argument (this browser's event takes none, or there is
 * nothing to ask for).
 */
export function extraInfoSpec(
  platform: Platform,
  event: WebRequestEventName,
  ...wanted: string[]
): string[] | undefined {
  if (NO_EXTRA_INFO_SPEC[platform.browser].has(event)) {
    if (wanted.length > 0) throw new Error(`${platform.browser}: webRequest.${event} takes no extraInfoSpec`)
    return undefined
  }
  const spec = platform.extraHeaders ? [...wanted, 'extraHeaders'] : wanted
  return spec.length > 0 ? spec : undefined
}

/** The fields of a webRequest event that name the page that made the request. */
export interface InitiatorFields {
  readonly initiator?: string
  readonly originUrl?: string
  readonly documentUrl?: string
}

/**
 * The initiating page's origin: Chromium's `initiator` as is; Firefox's `originUrl` reduced to an origin.
 * Null when the browser does not say (browser-initiated requests).
 */
export function initiatorOf(d: InitiatorFields): string | null {
  if (typeof d.initiator === 'string') return d.initiator
  const url = d.originUrl ?? d.documentUrl
  if (typeof url !== 'string') return null
  // Firefox hot path: a page's requests share one originUrl, so one cached parse serves them all.
  if (url === lastUrl) return lastOrigin
  let origin: string | null
  try {
    origin = new URL(url).origin
  } catch {
    origin = null
  }
  lastUrl = url
  lastOrigin = origin
  return origin
}

let lastUrl: string | null = null
let lastOrigin: string | null = null
