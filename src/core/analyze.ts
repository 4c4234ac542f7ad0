/**
 * analyze(exchange): the browser's verdict from what was seen on the wire. Runs Chromium's checks in
 * Chromium's order (preflight, then each redirect hop, then the response), works out the credentials
 * mode when nobody told us, and adds the warnings for what passed but will bite later.
 */
import type { Analysis, CredentialsInfo } from './analysis.ts'
import { type CheckFailure, checkAccess, checkPreflight } from './checks.ts'
import { chromiumConsoleMessage } from './cors-errors.ts'
import type { Exchange } from './exchange.ts'
import { corsUnsafeRequestHeaderNames, isRedirectStatus, needsPreflight } from './fetch-rules.ts'
import { failureFinding } from './findings.ts'
import { firefoxConsoleMessage } from './firefox-reasons.ts'
import { type HeaderList, headerValue, splitHeaderList } from './headers.ts'
import { localNetworkBlock, localNetworkFinding, potentiallyTrustworthy } from './local-network.ts'
import type { Finding, HeaderPlace } from './model/finding.ts'
import { classifyFailure, type FailureKind } from './net-errors.ts'
import {
  checkCommandText,
  failedWithoutCause,
  headersNotCapturedFinding,
  notCorsFinding,
  notesFor,
} from './notes.ts'

/**
 * Mixed content only when the browser's own error does not name another cause (a refused connection, DNS,
 * TLS: the request went out), the target is not potentially trustworthy (loopback is), and nothing came back.
 * Chromium blocks mixed content before sending, reported as net::ERR_BLOCKED_BY_CLIENT or a bare ERR_FAILED.
 */
function mixedContent(ex: Exchange, initiator: string | null, kind: FailureKind): boolean {
  if (!initiator?.startsWith('https:') || !ex.request.url.startsWith('http:')) return false
  if (ex.response || ex.preflight || ex.redirects?.length || ex.remoteAddress) return false
  if (!['cors-candidate', 'blocked-by-client', 'mixed-content', 'other'].includes(kind)) return false
  return !potentiallyTrustworthy(ex.request.url)
}

import { hasUserinfo, isSameOrigin, originOf } from './origin.ts'
import { warningsFor } from './warnings.ts'

interface Located {
  readonly failure: CheckFailure
  readonly stage: 'preflight' | 'redirect' | 'response'
  readonly place: HeaderPlace
  readonly headers: HeaderList
  readonly url: string
  readonly status?: number
  /** The origin the check compared with ('null' once a redirect tainted the request). */
  readonly origin: string
  /** Nothing later is recorded (no further hop, no response): a failure here explains why. */
  readonly lastSeen: boolean
  /** The redirect that made the origin 'null', when the check compared with 'null'. */
  readonly taint?: TaintingRedirect
}

/** A redirect across origins from a cross-origin URL: from there on the browser's origin is 'null'. */
export interface TaintingRedirect {
  /** Index in exchange.redirects. */
  readonly index: number
  readonly from: string
  readonly to: string
}

/**
 * The first redirect that tainted the request's origin, as Chromium's CheckTainted decides it
 * (https://source.chromium.org/chromium/chromium/src/+/main:services/network/cors/cors_url_loader.cc).
 */
export function taintingRedirect(ex: Exchange): TaintingRedirect | null {
  const initiator = initiatorOf(ex)
  if (initiator === null) return null
  const hops = ex.redirects ?? []
  for (let i = 0; i < hops.length; i++) {
    const hop = hops[i]
    if (!hop) break
    if (!isSameOrigin(hop.location, hop.fromUrl) && !isSameOrigin(initiator, hop.fromUrl))
      return { index: i, from: hop.fromUrl, to: hop.location }
  }
  return null
}

interface Facts {
  readonly initiator: string
  readonly method: string
  readonly unsafeHeaders: readonly string[]
  readonly unsafeFromPreflight: boolean
  readonly browser?: 'chromium' | 'firefox'
}

/**
 * The first check that fails, walking the exchange as the browser did, for one credentials mode: along
 * the URL chain, the preflight where it was sent, then each URL's response (a redirect or the final one).
 */
/**
 * The first check that fails, in Chromium's order: the preflight (at its step of the chain), then each
 * redirect hop, then the final response; the origin turns 'null' once a redirect taints the request.
 */
function firstFailure(ex: Exchange, facts: Facts, credentials: boolean): Located | null {
  const hops = ex.redirects ?? []
  const chain = [hops[0]?.fromUrl ?? ex.request.url, ...hops.map((h) => h.location)]
  // A preflight whose URL is not on the chain (a partial recording) is taken as the first step.
  const preflightStep = ex.preflight?.response ? Math.max(0, chain.indexOf(ex.preflight.request.url)) : -1
  let tainted = false
  let corsFlag = false
  for (let i = 0; i < chain.length; i++) {
    const url = chain[i] ?? ''
    corsFlag ||= !isSameOrigin(facts.initiator, url)
    const origin = tainted ? 'null' : facts.initiator
    const step = { url, origin, facts, credentials }
    if (i === preflightStep) {
      const failed = preflightFailure(ex, step, !ex.response && hops.length <= i)
      if (failed) return failed
    }
    const hop = hops[i]
    if (!hop) break
    const failed = hopFailure(hop, step, corsFlag, !ex.response && hops.length === i + 1)
    if (failed) return failed
    // Chromium's CheckTainted: crossing origins from a cross-origin URL makes the origin opaque ("null").
    if (!isSameOrigin(hop.location, url) && !isSameOrigin(facts.initiator, url)) tainted = true
  }
  const res = ex.response
  if (!res || !corsFlag || res.status === 304) return null
  const url = chain[chain.length - 1] ?? ex.request.url
  const origin = tainted ? 'null' : facts.initiator
  const failure = checkAccess(res.headers, origin, credentials, url, facts.browser)
  if (!failure) return null
  const where = { place: 'response', headers: res.headers, url, status: res.status, origin } as const
  return { failure, stage: 'response', ...where, lastSeen: true }
}

/** One step of the chain: its URL, the origin the browser compares with there, and the request's facts. */
interface Step {
  readonly url: string
  readonly origin: string
  readonly facts: Facts
  readonly credentials: boolean
}

function preflightFailure(
  ex: Exchange,
  { url, origin, facts, credentials }: Step,
  lastSeen: boolean,
): Located | null {
  const pre = ex.preflight
  const r = pre?.response
  if (!pre || !r) return null
  const redirected = isRedirectStatus(r.status) && headerValue(r.headers, 'location') !== null
  // The preflight's own Origin header is the wire truth ('null' once a redirect tainted the request).
  const sent = headerValue(pre.request.headers, 'origin') ?? origin
  const failure = checkPreflight(
    { status: r.status, headers: r.headers, url, redirected },
    {
      method: facts.method,
      unsafeHeaders: facts.unsafeHeaders,
      origin: sent,
      credentials,
      browser: facts.browser,
    },
  )
  if (!failure) return null
  const where = {
    place: 'preflight-response',
    headers: r.headers,
    url,
    status: r.status,
    origin: sent,
  } as const
  return { failure, stage: 'preflight', ...where, lastSeen }
}

type Hop = NonNullable<Exchange['redirects']>[number]

/** A redirect hop: its own CORS check once the request is cross-origin, and no credentials in its Location. */
function hopFailure(
  hop: Hop,
  { url, origin, facts, credentials }: Step,
  corsFlag: boolean,
  lastSeen: boolean,
): Located | null {
  const where = {
    stage: 'redirect',
    place: 'redirect',
    headers: hop.headers,
    url,
    status: hop.status,
    origin,
  } as const
  const failure = corsFlag ? checkAccess(hop.headers, origin, credentials, url, facts.browser) : null
  if (failure) return { failure, ...where, lastSeen }
  if (!hasUserinfo(hop.location) || !(corsFlag || !isSameOrigin(facts.initiator, hop.location))) return null
  // Chromium reports no failed_parameter here; the explanation quotes the Location instead.
  const credentialsInLocation: CheckFailure = {
    corsError: 'RedirectContainsCredentials',
    failedParameter: '',
    headerNames: ['location'],
    detail: hop.location,
  }
  return { failure: credentialsInLocation, ...where, lastSeen }
}

function unsafeHeadersOf(ex: Exchange): { names: string[]; fromPreflight: boolean } {
  const acrh = ex.preflight
    ? headerValue(ex.preflight.request.headers, 'access-control-request-headers')
    : null
  if (acrh !== null) {
    // The preflight lists exactly what the browser found unsafe, already sorted and lower-cased.
    return { names: splitHeaderList(acrh).map((s) => s.toLowerCase()), fromPreflight: true }
  }
  return { names: corsUnsafeRequestHeaderNames(ex.request.headers, { wire: true }), fromPreflight: false }
}

function initiatorOf(ex: Exchange): string | null {
  if (ex.initiator) return originOf(ex.initiator) ?? ex.initiator
  return (
    headerValue(ex.request.headers, 'origin') ??
    (ex.preflight ? headerValue(ex.preflight.request.headers, 'origin') : null)
  )
}

/**
 * What the browser's ending proves. Chromium ends every CORS failure in an error, so its "completed" is final.
 * Firefox ends a blocked simple request as an ordinary completion (webRequest onCompleted, status 200, no
 * error; measured in Firefox ESR 153, research/firefox.md §3): its "completed" proves nothing, and the
 * response is judged from its headers alone.
 */
function reportedOutcome(ex: Exchange): Exchange['outcome'] {
  return ex.browser === 'firefox' && ex.outcome.kind === 'ok' ? { kind: 'unknown' } : ex.outcome
}

/**
 * Firefox checks CORS on a redirect response before following it, and when that check fails it ends the
 * request at the next hop's URL, never sent, with an unspecific error that varies between runs
 * (NS_ERROR_NET_ON_RECEIVING_FROM, NS_ERROR_UNEXPECTED; measured in Firefox ESR 153: a 302 without
 * Access-Control-Allow-Origin, one whose ACAO does not match, a Location with user:pass). After a redirect
 * with no response, such an error names a CORS refusal; the redirect's headers then say which.
 */
function firefoxRedirectRefused(ex: Exchange, error: string): boolean {
  return (
    ex.browser === 'firefox' &&
    (ex.redirects?.length ?? 0) > 0 &&
    !ex.response &&
    classifyFailure(error) === 'other'
  )
}

/** The line Firefox's console prints for this failure (a refused user:pass redirect had no response). */
function firefoxSentence(finding: Finding, failure: Located, url: string): string | null {
  if (!finding.firefox) return null
  const status = failure.failure.corsError === 'RedirectContainsCredentials' ? null : (failure.status ?? null)
  return firefoxConsoleMessage(finding.firefox, url, status)
}

const NO_CREDENTIALS: CredentialsInfo = { mode: 'unknown', inferred: false, basis: 'not known' }

/** An analysis that says nothing: the engine could not run on this exchange. */
export function emptyAnalysis(exchange: Exchange, summary = ''): Analysis {
  const base = {
    origin: exchange.initiator,
    crossOrigin: true,
    preflight: { required: false, seen: exchange.preflight !== undefined, probablyCached: false },
    unsafeRequestHeaders: [],
  }
  return notBlocked(base, 'unknown', summary, NO_CREDENTIALS, [])
}

type Base = Pick<Analysis, 'origin' | 'crossOrigin' | 'preflight' | 'unsafeRequestHeaders'>

/** An analysis that blocks nothing: the fields every non-blocked verdict shares. */
export function notBlocked(
  base: Base,
  verdict: Exclude<Analysis['verdict'], 'blocked'>,
  summary: string,
  credentials: CredentialsInfo,
  findings: readonly Finding[],
): Analysis {
  // Every field written out: a spread of `base` followed by more fields made V8 build each result through
  // slow property transitions (a third of a passing exchange's time, bench engine section).
  return {
    origin: base.origin,
    crossOrigin: base.crossOrigin,
    preflight: base.preflight,
    unsafeRequestHeaders: base.unsafeRequestHeaders,
    verdict,
    blocked: false,
    corsError: null,
    failedParameter: null,
    stage: null,
    summary,
    consoleMessage: null,
    credentials,
    findings,
  }
}

type BlockedFields = Pick<
  Analysis,
  'corsError' | 'failedParameter' | 'stage' | 'summary' | 'consoleMessage' | 'credentials' | 'findings'
>

/** A blocked analysis, every field written out as in notBlocked (same key order: the JSON out keeps it). */
function blocked(base: Base, f: BlockedFields): Analysis {
  return {
    origin: base.origin,
    crossOrigin: base.crossOrigin,
    preflight: base.preflight,
    unsafeRequestHeaders: base.unsafeRequestHeaders,
    verdict: 'blocked',
    blocked: true,
    corsError: f.corsError,
    failedParameter: f.failedParameter,
    stage: f.stage,
    summary: f.summary,
    consoleMessage: f.consoleMessage,
    credentials: f.credentials,
    findings: f.findings,
  }
}

export function analyze(ex: Exchange): Analysis {
  const scope = scopeOf(ex)
  if (!scope.base.crossOrigin)
    return notBlocked(scope.base, 'ok', 'Same-origin request: CORS does not apply.', NO_CREDENTIALS, [])
  return localNetworkAnalysis(ex, scope) ?? notCorsAnalysis(ex, scope) ?? corsAnalysis(ex, scope)
}

/** What every verdict states about the request: who asked, whether it crossed origins, its preflight. */
interface Scope {
  readonly base: Base
  readonly initiator: string | null
  /** The URL asked for, then each redirect's target. */
  readonly urls: readonly string[]
  /** The non-safelisted header names came from the preflight (the request itself was never seen). */
  readonly fromPreflight: boolean
}

function scopeOf(ex: Exchange): Scope {
  const initiator = initiatorOf(ex)
  const urls = [ex.redirects?.[0]?.fromUrl ?? ex.request.url, ...(ex.redirects ?? []).map((r) => r.location)]
  const crossOrigin = initiator === null ? true : urls.some((u) => !isSameOrigin(initiator, u))
  const { names: unsafeHeaders, fromPreflight } = unsafeHeadersOf(ex)
  const required =
    ex.request.method !== 'OPTIONS' &&
    needsPreflight(
      ex.request.method,
      unsafeHeaders.map((n) => ({ name: n, value: '' })),
    )
  const seen = !!ex.preflight
  const base = {
    origin: initiator,
    crossOrigin,
    preflight: { required, seen, probablyCached: required && !seen && ex.outcome.kind === 'ok' },
    unsafeRequestHeaders: unsafeHeaders,
  }
  return { base, initiator, urls, fromPreflight }
}

/** Local Network Access: refused before anything was sent, named from the spaces crossed. */
function localNetworkAnalysis(ex: Exchange, { base, initiator }: Scope): Analysis | null {
  const websocket = ex.api === 'websocket'
  const lna = localNetworkBlock(ex, initiator)
  if (!lna) return null
  const origin = initiator ?? 'null'
  const finding = localNetworkFinding(
    lna,
    origin,
    ex.request.url,
    ex.remoteAddress ?? ex.resolvedAddress,
    websocket,
  )
  return blocked(base, {
    corsError: lna.corsError,
    failedParameter: '',
    stage: ex.preflight ? 'preflight' : 'response',
    summary: `Blocked by Local Network Access — ${lna.crossing.from} → ${lna.crossing.to ?? 'a more private address'}${websocket ? ' (a WebSocket)' : ''}.`,
    // Firefox's CORS line for it, exactly as printed (measured: no response, "Status code: (null)");
    // Chromium 156 prints no reason for a WebSocket it refused (measured: test/lab/local-network.ts).
    consoleMessage:
      finding.firefox && lna.firefox
        ? firefoxConsoleMessage(finding.firefox, ex.request.url, null)
        : websocket
          ? `WebSocket connection to '${ex.request.url}' failed: `
          : chromiumConsoleMessage({
              error: lna.corsError,
              failedParameter: '',
              url: ex.request.url,
              origin,
              // Chromium names the space; when nothing the capture saw does, say which two it can be.
              addressSpace: lna.crossing.to
                ? { resource: lna.crossing.to, ...(lna.declared ? { declared: lna.declared } : {}) }
                : { resource: 'loopback or local' },
            }),
    credentials: NO_CREDENTIALS,
    findings: [finding],
  })
}

/**
 * What is not a CORS failure, said as what it is, so nobody edits CORS headers for nothing: a WebSocket
 * (no CORS check applies), a network error, or a failure seen without its headers.
 */
function notCorsAnalysis(ex: Exchange, { base, initiator }: Scope): Analysis | null {
  if (ex.api === 'websocket')
    return notBlocked(
      base,
      'not-cors',
      'Not a CORS request: a WebSocket handshake (no CORS check applies).',
      NO_CREDENTIALS,
      [],
    )
  const outcome = reportedOutcome(ex)
  const netError = outcome.kind === 'error' ? outcome.error : ex.preflight?.error
  if (netError !== undefined) {
    const kind = firefoxRedirectRefused(ex, netError) ? 'cors-candidate' : classifyFailure(netError)
    const mixed = mixedContent(ex, initiator, kind)
    if (kind !== 'cors-candidate' || mixed) {
      const finding = notCorsFinding(
        mixed || kind === 'cors-candidate' ? 'mixed-content' : kind,
        netError,
        ex.preflight?.error === netError,
      )
      return notBlocked(
        base,
        'not-cors',
        `Not a CORS failure: ${finding.title.toLowerCase()}.`,
        NO_CREDENTIALS,
        [finding],
      )
    }
  }
  if (ex.observed === 'outcome-only' && outcome.kind === 'error')
    // Only the failure was seen (images, media): say what it most likely is without claiming it.
    return notBlocked(
      base,
      'unknown',
      'Failed; its headers were not captured (images and media are watched only for failures).',
      NO_CREDENTIALS,
      [headersNotCapturedFinding(outcome.error, checkCommandText(ex.request.url, initiator))],
    )
  return null
}

/** Chromium's checks on what was seen: blocked (with the browser's own words), failed, at risk or allowed. */
function corsAnalysis(ex: Exchange, scope: Scope): Analysis {
  const { base, fromPreflight } = scope
  const origin = scope.initiator ?? 'null'
  const outcome = reportedOutcome(ex)
  const unsafeHeaders = base.unsafeRequestHeaders
  const facts: Facts = {
    initiator: origin,
    method: ex.request.method,
    unsafeHeaders,
    unsafeFromPreflight: fromPreflight,
    browser: ex.browser,
  }
  const judged = credentialsAndFailure(ex, firstFailure(ex, facts, false), firstFailure(ex, facts, true))
  const { credentials } = judged
  // The browser's word is final: a request it let through is not blocked, whatever the rules say.
  const failure = outcome.kind === 'ok' ? null : judged.failure
  const final = ex.response
  const warnings = warningsFor({
    origin,
    credentials: credentials.mode === 'include',
    unsafeHeaders,
    // Plain fields, not conditional spreads: this runs for every exchange.
    response: final ? { headers: final.headers, place: 'response' } : undefined,
    preflight: ex.preflight?.response ? { headers: ex.preflight.response.headers } : undefined,
    blocked: failure !== null,
  })
  const notes = notesFor(ex, {
    fromPreflight,
    probablyCached: base.preflight.probablyCached,
    credentials: failure && credentials.inferred ? credentials : null,
  })
  if (failure) return blockedByCors(ex, scope, failure, credentials, [...notes, ...warnings])
  if (outcome.kind === 'error') {
    const [summary, finding] = failedWithoutCause(ex, outcome.error)
    return notBlocked(base, 'unknown', summary, credentials, [finding, ...notes, ...warnings])
  }
  const risk = warnings.find((w) => w.severity === 'warning')
  return notBlocked(
    base,
    risk ? 'at-risk' : 'ok',
    risk ? `Allowed, but at risk: ${risk.title}.` : 'Allowed by CORS.',
    credentials,
    [...notes, ...warnings],
  )
}

/**
 * webRequest and HAR do not say the credentials mode: take it when known, else deduce it from what the
 * browser did with a response that passes one way and fails the other.
 */
function credentialsAndFailure(
  ex: Exchange,
  omit: Located | null,
  include: Located | null,
): { credentials: CredentialsInfo; failure: Located | null } {
  if (ex.credentials) {
    const included = ex.credentials === 'include'
    return {
      credentials: {
        mode: included ? 'include' : 'omit',
        inferred: false,
        basis: `credentials mode '${ex.credentials}'`,
      },
      failure: included ? include : omit,
    }
  }
  if (headerValue(ex.request.headers, 'cookie') !== null)
    return {
      credentials: { mode: 'include', inferred: true, basis: 'the request sent a Cookie header' },
      failure: include,
    }
  const outcome = reportedOutcome(ex)
  if (
    omit === null &&
    include !== null &&
    outcome.kind === 'error' &&
    include.lastSeen &&
    ex.unrecorded !== 'response'
  )
    return {
      credentials: {
        mode: 'include',
        inferred: true,
        basis:
          "inferred: the browser refused a response that passes without credentials, so the request must have been sent with credentials: 'include'",
      },
      failure: include,
    }
  if (omit === null && include !== null && outcome.kind === 'ok')
    return {
      credentials: {
        mode: 'omit',
        inferred: true,
        basis: 'inferred: the browser accepted a response that fails with credentials',
      },
      failure: null,
    }
  const same = omit && include && omit.failure.corsError === include.failure.corsError
  return {
    credentials: same
      ? { ...NO_CREDENTIALS, basis: 'not known (the result is the same either way)' }
      : NO_CREDENTIALS,
    failure: omit,
  }
}

/** The CORS failure, in the browser's own words (Chromium's console line, or Firefox's). */
function blockedByCors(
  ex: Exchange,
  { base, urls, initiator }: Scope,
  failure: Located,
  credentials: CredentialsInfo,
  more: readonly Finding[],
): Analysis {
  const origin = initiator ?? 'null'
  const finding = failureFinding(
    {
      failure: failure.failure,
      stage: failure.stage,
      place: failure.place,
      headers: failure.headers,
      origin: failure.origin,
      method: ex.request.method,
      credentialsBasis: credentials.basis,
      // The check compared with 'null': the redirect that made it so is the cause to name.
      taint: failure.origin === 'null' ? (taintingRedirect(ex) ?? undefined) : undefined,
    },
    failure.stage === 'preflight' ? failure.status : undefined,
  )
  const finalUrl = urls[urls.length - 1] ?? ex.request.url
  const url = failure.stage === 'redirect' ? failure.url : finalUrl
  return blocked(base, {
    corsError: failure.failure.corsError,
    failedParameter: failure.failure.failedParameter,
    stage: failure.stage,
    summary: `Blocked by CORS — ${finding.title}.`,
    consoleMessage:
      ex.browser === 'firefox'
        ? firefoxSentence(finding, failure, url)
        : chromiumConsoleMessage({
            error: failure.failure.corsError,
            failedParameter: failure.failure.failedParameter,
            url,
            initialUrl: urls[0] ?? ex.request.url,
            origin,
            initiator: ex.api === 'xhr' ? 'xhr' : 'fetch',
          }),
    credentials,
    findings: [finding, ...more],
  })
}

/** An error's message, bounded; never calls a hostile toString. */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error'
  return message.slice(0, 200)
}
