/**
 * HAR 1.2 in and out. Reads what Chrome DevTools, Firefox, Playwright and CORS Lens export into Exchanges
 * (preflights paired with their actual requests, redirect hops chained), and writes Exchanges back as HAR
 * with CORS Lens's verdict on each actual entry. Pure: JSON values in, JSON values out — no I/O, no DOM.
 */
import type { Diagnosis } from './analysis.ts'
import type { CredentialsMode, Exchange, Outcome, Preflight, Redirect, ResponseSide } from './exchange.ts'
import { type HeaderLine, type HeaderList, headerValue, toHeaderList } from './headers.ts'
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

/** One HAR entry, validated and flattened. */
interface Entry {
  readonly index: number
  readonly method: string
  readonly url: string
  readonly requestHeaders: HeaderLine[]
  /** <= 0 when no response arrived (0: DevTools/Firefox, -1: Playwright). */
  readonly status: number
  readonly statusText: string
  readonly responseHeaders: HeaderLine[]
  readonly redirectURL: string | null
  readonly error: string | null
  readonly initiatorType: string | null
  readonly initiatorUrl: string | null
  readonly initiatorRequestId: string | null
  readonly requestId: string | null
  readonly resourceType: string | null
  readonly bodySnippet: string | null
  readonly pageUrl: string | null
  readonly corsLens: HarCorsLens | null
}

function readEntry(raw: unknown, index: number, pages: ReadonlyMap<string, string>): Entry | string {
  const e = obj(raw)
  if (!e) return `entry ${index}: not an object`
  const req = obj(e.request)
  const res = obj(e.response)
  const url = str(req?.url)
  if (!req || !url) return `entry ${index}: no request URL`
  const method = str(req.method) || 'GET'
  const status = num(res?.status) ?? 0
  const responseHeaders = toHeaderList(res?.headers)
  const redirect =
    str(res?.redirectURL) || (status >= 300 && status < 400 ? headerValue(responseHeaders, 'location') : null)
  // Chrome DevTools: `_error`; Playwright: `response._failureText`.
  const error = str(e._error) || str(res?._failureText) || null
  const initiator = obj(e._initiator)
  const content = obj(res?.content)
  const text = str(content?.text)
  const pageref = str(e.pageref)
  return {
    index,
    method,
    url,
    requestHeaders: toHeaderList(req.headers),
    status,
    statusText: str(res?.statusText) ?? '',
    responseHeaders,
    redirectURL: redirect || null,
    error,
    initiatorType: str(initiator?.type),
    initiatorUrl: str(initiator?.url),
    initiatorRequestId: str(initiator?.requestId),
    requestId: str(e._requestId),
    resourceType: str(e._resourceType),
    bodySnippet: text && str(content?.encoding) !== 'base64' ? text.slice(0, BODY_SNIPPET_CHARS) : null,
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

/** The method a browser uses after this redirect (Fetch "HTTP-redirect fetch" step 12). */
export function methodAfterRedirect(method: string, status: number): string {
  if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'HEAD'))
    return 'GET'
  return method
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

function browserOf(log: Json): Exchange['browser'] | undefined {
  const names = `${str(obj(log.creator)?.name) ?? ''} ${str(obj(log.browser)?.name) ?? ''}`.toLowerCase()
  if (/firefox/.test(names)) return 'firefox'
  if (/webinspector|chrom|edge/.test(names)) return 'chromium'
  return undefined
}

/**
 * Chrome DevTools sets `_error` on every failed request and Playwright writes status -1 with `_failureText`
 * (seen in chromium-lab.har), so in their exports a response without that mark was delivered. Firefox keeps
 * a CORS-blocked response's status and headers with no error mark, and unknown exporters may too: there a
 * response only says "it arrived", so the outcome is unknown and the engine decides from the headers.
 */
function marksFailures(log: Json): boolean {
  return /webinspector|playwright|cors lens/i.test(str(obj(log.creator)?.name) ?? '')
}

export function harToExchanges(har: unknown): HarReadResult | { error: string } {
  const root = obj(har)
  const log = obj(root?.log)
  if (!root || !log) return { error: 'not a HAR file: no "log" object at the top level' }
  if (!Array.isArray(log.entries)) return { error: 'not a HAR file: "log.entries" is not a list' }

  const warnings: string[] = []
  const pages = new Map<string, string>()
  if (Array.isArray(log.pages)) {
    for (const p of log.pages) {
      const page = obj(p)
      const id = str(page?.id)
      const title = str(page?.title)
      if (id && title && originOf(title)) pages.set(id, title)
    }
  }
  const entries: Entry[] = []
  let skipped = 0
  log.entries.forEach((raw: unknown, i: number) => {
    const e = readEntry(raw, i, pages)
    if (typeof e === 'string') {
      warnings.push(e)
      skipped++
    } else entries.push(e)
  })

  const browser = browserOf(log)
  const trustDelivered = marksFailures(log)
  const preflights = entries.filter(isPreflight)
  const actuals = entries.filter((e) => !isPreflight(e))

  // Redirect chains: each 3xx hop continues in the next unclaimed entry for its Location.
  const nextHop = new Map<Entry, Entry>()
  const isContinuation = new Set<Entry>()
  for (const e of actuals) {
    if (!e.redirectURL || e.status < 300 || e.status >= 400) continue
    const target = resolveUrl(e.redirectURL, e.url)
    const method = methodAfterRedirect(e.method, e.status)
    const next = actuals.find(
      (c) => c.index > e.index && !isContinuation.has(c) && c.url === target && c.method === method,
    )
    if (next) {
      nextHop.set(e, next)
      isContinuation.add(next)
    }
  }

  // Preflights: Chrome names the request they serve (`_initiator.requestId`, matched against `_requestId`
  // where an exporter wrote one); otherwise the nearest request for the same URL with method = ACRM.
  const preflightOf = new Map<Entry, Entry>()
  const orphans: Entry[] = []
  for (const p of preflights) {
    const acrm = headerValue(p.requestHeaders, 'access-control-request-method')
    const byId = p.initiatorRequestId
      ? actuals.find((a) => a.requestId === p.initiatorRequestId && !preflightOf.has(a))
      : undefined
    const candidates = actuals.filter(
      (a) => !preflightOf.has(a) && a.url === p.url && (acrm === null || a.method === acrm),
    )
    const following = candidates.find((a) => a.index > p.index)
    // DevTools may list the request before its preflight (the request is created first).
    const preceding = candidates.filter((a) => a.index < p.index).at(-1)
    const match =
      byId ??
      (following && preceding
        ? following.index - p.index <= p.index - preceding.index
          ? following
          : preceding
        : (following ?? preceding))
    if (match) preflightOf.set(match, p)
    else orphans.push(p)
  }

  const exchanges: { at: number; exchange: Exchange }[] = []
  for (const first of actuals) {
    if (isContinuation.has(first)) continue
    const hops: Entry[] = [first]
    for (let h = nextHop.get(first); h && hops.length <= MAX_HOPS; h = nextHop.get(h)) hops.push(h)
    const last = hops[hops.length - 1] ?? first
    const lens = last.corsLens
    const initiator = lens ? lens.initiator : initiatorOf(first)

    if (!lens) {
      if (first.resourceType === 'document') {
        skipped++
        continue
      }
      // A CORS-mode request always carries Origin; one that went out without it (an <img>, a navigation)
      // is not CORS. A failed one may show only provisional headers, so it stays.
      const sent = hops.every((h) => !failed(h))
      if (sent && hops.every((h) => headerValue(h.requestHeaders, 'origin') === null)) {
        skipped++
        continue
      }
      if (initiator && hops.every((h) => originOf(h.url) === initiator)) {
        skipped++
        continue
      }
    }

    const redirects: Redirect[] = hops.slice(0, -1).map((h) => ({
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
      (failed(last)
        ? { kind: 'error', error: last.error || 'net::ERR_FAILED' }
        : trustDelivered
          ? { kind: 'ok' }
          : { kind: 'unknown' })
    const response = responseOf(last)
    const exBrowser = lens ? lens.browser : browser
    const exchange: Exchange = {
      initiator,
      request: { method: first.method, url: first.url, headers: first.requestHeaders },
      ...(pfEntry ? { preflight: preflightFrom(pfEntry) } : {}),
      ...(redirects.length ? { redirects } : {}),
      ...(response ? { response } : {}),
      outcome,
      ...(lens?.credentialsMode ? { credentials: lens.credentialsMode } : {}),
      ...(exBrowser ? { browser: exBrowser } : {}),
    }
    exchanges.push({ at: first.index, exchange })
  }

  // A preflight whose request is not in the HAR: the request was never sent (the preflight failed) or
  // the export left it out. Either way the preflight alone is worth a diagnosis.
  for (const p of orphans) {
    const initiator = initiatorOf(p)
    if (initiator && originOf(p.url) === initiator) {
      skipped++
      continue
    }
    const acrm = headerValue(p.requestHeaders, 'access-control-request-method') ?? 'GET'
    const preflight = preflightFrom(p)
    const preflightFailed = failed(p) || p.status < 200 || p.status > 299
    if (!preflightFailed)
      warnings.push(`entry ${p.index}: preflight for ${acrm} ${p.url} without its request`)
    exchanges.push({
      at: p.index,
      exchange: {
        initiator,
        request: { method: acrm, url: p.url, headers: [] },
        preflight,
        outcome: preflightFailed
          ? { kind: 'error', error: p.error || 'net::ERR_FAILED' }
          : { kind: 'unknown' },
        ...(browser ? { browser } : {}),
      },
    })
  }

  exchanges.sort((a, b) => a.at - b.at)
  return { exchanges: exchanges.map((x) => x.exchange), skipped, warnings }
}

function preflightFrom(p: Entry): Preflight {
  const response = responseOf(p)
  return {
    request: { method: p.method, url: p.url, headers: p.requestHeaders },
    ...(response ? { response } : {}),
    ...(p.error || !response ? { error: p.error || 'net::ERR_FAILED' } : {}),
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
        extra: { _corsLens: lens },
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
