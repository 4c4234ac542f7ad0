/**
 * One HAR entry read: validated, flattened and bounded, whoever exported it (Chrome and Edge DevTools,
 * Firefox's netmonitor, Playwright, CORS Lens, tools that are not browsers), and what its producer's
 * silences mean.
 */
import type { CredentialsMode, Exchange, Outcome, ResponseSide } from '../exchange.ts'
import { isRedirectStatus } from '../fetch-rules.ts'
import { type HeaderLine, headerValue } from '../headers.ts'
import { FAILED_NO_REASON, NO_RESPONSE_RECORDED } from '../net-errors.ts'
import { originOf } from '../origin.ts'
import type { HarCorsLens } from './types.ts'

const BODY_SNIPPET_CHARS = 512
// ---------------------------------------------------------------------------------------------------------
// Reading

export type Json = Record<string, unknown>

export function obj(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null
}
export function str(v: unknown): string | null {
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

export function isHttpUrl(url: string): boolean | null {
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
export interface Entry {
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

export function readEntry(
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

export function isPreflight(e: Entry): boolean {
  return (
    e.initiatorType === 'preflight' ||
    (e.method.toUpperCase() === 'OPTIONS' &&
      headerValue(e.requestHeaders, 'access-control-request-method') !== null)
  )
}

export const failed = (e: Entry): boolean => e.status <= 0 || e.error !== null

export const isWebSocket = (e: Entry): boolean =>
  e.status === 101 ||
  e.resourceType === 'websocket' ||
  headerValue(e.requestHeaders, 'upgrade')?.toLowerCase() === 'websocket'

/**
 * Requests no CORS check applies to: WebSocket handshakes (Upgrade, 101), navigations and documents, and
 * no-cors / same-origin fetches (Sec-Fetch-Mode says so where the exporter kept it). A WebSocket that
 * failed is read on: since Chrome 147 it may be a Local Network Access block (the engine judges; CORS
 * Lens's own export writes such a row with _resourceType websocket).
 */
export function notCorsChecked(e: Entry): boolean {
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
export function deliveredUnchecked(last: Entry, producer: Producer): boolean {
  if (failed(last) || (isRedirectStatus(last.status) && last.redirectURL)) return false
  if (headerValue(last.responseHeaders, 'access-control-allow-origin') !== null) return false
  return producer.marksFailures || (producer.browser === 'firefox' && last.bodyWithheld)
}

export function responseOf(e: Entry): ResponseSide | undefined {
  if (e.status <= 0) return undefined
  return {
    status: e.status,
    ...(e.statusText ? { statusText: e.statusText } : {}),
    headers: e.responseHeaders,
    ...(e.bodySnippet ? { bodySnippet: e.bodySnippet } : {}),
  }
}

export function resolveUrl(location: string, base: string): string | null {
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
export function initiatorOf(e: Entry): string | null {
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
export interface Producer {
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

export function producerOf(log: Json): Producer {
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
export function failureOf(e: Entry, producer: Producer): Outcome {
  if (e.error) return { kind: 'error', error: e.error }
  return { kind: 'error', error: producer.tool ? NO_RESPONSE_RECORDED : FAILED_NO_REASON }
}
