/**
 * The findings catalogue for failures: one Finding per CorsError, explained in plain words with the
 * actual values, pointing at the header lines involved.
 */

import type { CheckFailure } from './checks.ts'
import { CORS_ERRORS, type CorsErrorName } from './cors-errors.ts'
import { FIREFOX_REASON_FOR, firefoxReason, firstInvalidToken } from './firefox-reasons.ts'
import { type HeaderList, linesNamed, splitHeaderList } from './headers.ts'
import type { Finding, FirefoxReason, HeaderPlace, HeaderRef } from './model/finding.ts'

/** Stable finding code for a CorsError: MultipleAllowOriginValues → multiple-allow-origin-values. */
export function codeFor(error: CorsErrorName): string {
  return error.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()
}

export function refsFor(place: HeaderPlace, headers: HeaderList, names: readonly string[]): HeaderRef[] {
  const want = new Set(names.map((n) => n.toLowerCase()))
  const refs: HeaderRef[] = []
  headers.forEach((h, index) => {
    if (want.has(h.name.toLowerCase())) refs.push({ place, name: h.name, value: h.value, index })
  })
  return refs
}

const q = (s: string): string => `'${s}'`

function originHint(allowOrigin: string, origin: string): string {
  if (allowOrigin === `${origin}/`)
    return ' It differs only by the trailing slash: an origin never ends with "/".'
  if (allowOrigin.toLowerCase() === origin.toLowerCase())
    return ' It differs only in letter case: the comparison is exact.'
  if (allowOrigin === 'null')
    return " 'null' matches only opaque origins (sandboxed iframes, file:, some redirects)."
  try {
    const a = new URL(allowOrigin)
    const b = new URL(origin)
    if (a.hostname === b.hostname && a.protocol !== b.protocol)
      return ` The scheme differs (${a.protocol} vs ${b.protocol}).`
    if (a.hostname === b.hostname && a.port !== b.port) return ' The port differs.'
  } catch {
    // Not URLs: no extra hint.
  }
  return ' The server probably answers with a fixed origin, or its allow-list does not include this one.'
}

export interface FailureContext {
  readonly failure: CheckFailure
  readonly stage: 'preflight' | 'redirect' | 'response'
  readonly place: HeaderPlace
  readonly headers: HeaderList
  readonly origin: string
  readonly method: string
  readonly credentialsBasis: string
  /** The cross-origin redirect that made the origin 'null' (Chromium's tainted origin). */
  readonly taint?: { readonly from: string; readonly to: string }
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** Why the origin is 'null', and the cures that work: the page's origin is not what was compared. */
function taintedExplanation(ctx: FailureContext, where: string): string {
  const t = ctx.taint
  if (!t) return ''
  const allowed = ctx.failure.failedParameter
  const sent =
    allowed === '' ? 'no Access-Control-Allow-Origin' : `Access-Control-Allow-Origin: ${q(allowed)}`
  return `The redirect from ${hostOf(t.from)} to ${hostOf(t.to)} crossed origins after the request had already left the page's origin, so the browser sent Origin: null and compared with 'null', not with the page's origin. ${where} says ${sent}, which can never match 'null'. Call ${t.to} directly, or have ${hostOf(t.to)} answer Access-Control-Allow-Origin: '*' (without credentials).`
}

function explain(ctx: FailureContext): string {
  const { failure, headers, origin } = ctx
  const acao = linesNamed(headers, 'access-control-allow-origin')
  const where =
    ctx.stage === 'preflight'
      ? 'The preflight response'
      : ctx.stage === 'redirect'
        ? 'The redirect response'
        : 'The response'
  switch (failure.corsError) {
    case 'MissingAllowOriginHeader':
    case 'PreflightMissingAllowOriginHeader':
      return `${where} has no Access-Control-Allow-Origin header, so the page at ${q(origin)} may not read it.`
    case 'MultipleAllowOriginValues':
    case 'PreflightMultipleAllowOriginValues':
      return acao.length > 1
        ? `${where} carries ${acao.length} Access-Control-Allow-Origin lines (${acao.map((l) => q(l.value)).join(' and ')}). The browser joins them into ${q(failure.failedParameter)}, which is not one origin. Two layers (typically a reverse proxy and the app) each add the header: keep exactly one.`
        : `${where} says Access-Control-Allow-Origin: ${q(failure.failedParameter)}. Only one origin is allowed; a list is never accepted. To allow several origins, reflect the request's Origin when it is on your allow-list.`
    case 'InvalidAllowOriginValue':
    case 'PreflightInvalidAllowOriginValue':
      return `${where} says Access-Control-Allow-Origin: ${q(failure.failedParameter)}, which is not an origin. Send ${q(origin)} (scheme, host and port).`
    case 'AllowOriginMismatch':
    case 'PreflightAllowOriginMismatch':
      if (ctx.taint) return taintedExplanation(ctx, where)
      return `${where} allows ${q(failure.failedParameter)}, but the request's origin is ${q(origin)}.${originHint(failure.failedParameter, origin)}`
    case 'WildcardOriginNotAllowed':
    case 'PreflightWildcardOriginNotAllowed':
      return `${where} says Access-Control-Allow-Origin: '*', but the request carries credentials (${ctx.credentialsBasis}). With credentials the server must name ${q(origin)} and add Access-Control-Allow-Credentials: true — or the page must stop sending credentials.`
    case 'InvalidAllowCredentials':
    case 'PreflightInvalidAllowCredentials':
      return failure.failedParameter === ''
        ? `The request carries credentials (${ctx.credentialsBasis}), and ${where.toLowerCase()} has no Access-Control-Allow-Credentials header. It must say exactly 'true'.`
        : `The request carries credentials (${ctx.credentialsBasis}), and ${where.toLowerCase()} says Access-Control-Allow-Credentials: ${q(failure.failedParameter)}. Only the exact, lower-case value 'true' counts.`
    case 'PreflightInvalidStatus':
      return `The preflight (OPTIONS) got status ${statusOf(ctx)}. A preflight must be answered with 200–299. Preflights never carry cookies or Authorization, so an auth layer that rejects them, or a router without an OPTIONS route, causes this.`
    case 'PreflightDisallowedRedirect':
      return 'The preflight (OPTIONS) was answered with a redirect. Browsers do not follow redirects on preflights: call the final URL directly (often a missing trailing slash, or http→https).'
    case 'InvalidAllowMethodsPreflightResponse':
      return `Access-Control-Allow-Methods must be a comma-separated list of method names; the browser could not parse ${q(headerOf(headers, 'access-control-allow-methods'))}.`
    case 'InvalidAllowHeadersPreflightResponse':
      return `Access-Control-Allow-Headers must be a comma-separated list of header names; the browser could not parse ${q(headerOf(headers, 'access-control-allow-headers'))}.`
    case 'MethodDisallowedByPreflightResponse': {
      const acam = headerOf(headers, 'access-control-allow-methods')
      const caseHint =
        splitHeaderList(acam.toUpperCase()).includes(failure.failedParameter.toUpperCase()) &&
        failure.failedParameter !== failure.failedParameter.toUpperCase()
          ? ` The page sent '${failure.failedParameter}' in lower case: fetch() upper-cases only GET, HEAD, POST, PUT, DELETE and OPTIONS, and the comparison is case-sensitive — send '${failure.failedParameter.toUpperCase()}'.`
          : ''
      return `The request uses ${failure.failedParameter}, and the preflight response allows ${acam === '' ? 'no methods beyond GET, HEAD and POST (no Access-Control-Allow-Methods)' : q(acam)}.${caseHint}`
    }
    case 'HeaderDisallowedByPreflightResponse': {
      const acah = headerOf(headers, 'access-control-allow-headers')
      const star = splitHeaderList(acah).includes('*')
      const why =
        failure.failedParameter === 'authorization' && star
          ? " '*' does not count when the request carries credentials, and the Fetch Standard never lets it cover Authorization: list it by name."
          : star
            ? " '*' does not count when the request carries credentials."
            : ''
      const names = (failure.detail ?? failure.failedParameter).split(', ')
      const sends =
        names.length > 1
          ? `The request sends the headers ${names.map(q).join(', ')}, none of them allowed: the preflight response allows`
          : `The request sends the header ${q(failure.failedParameter)}, and the preflight response allows`
      return `${sends} ${acah === '' ? 'no request headers (no Access-Control-Allow-Headers)' : q(acah)}.${why}`
    }
    case 'RedirectContainsCredentials':
      return `A redirect pointed to ${q(failure.detail ?? failure.failedParameter)}, a URL with a user name or password, which a cross-origin request may not follow.`
    default:
      return CORS_ERRORS[failure.corsError].plain
  }
}

function headerOf(headers: HeaderList, name: string): string {
  return linesNamed(headers, name)
    .map((l) => l.value)
    .join(', ')
}

function statusOf(ctx: FailureContext): string {
  return ctx.failure.failedParameter === '' ? '(non-2xx)' : ctx.failure.failedParameter
}

const TITLES: Partial<Record<CorsErrorName, string>> = {
  MissingAllowOriginHeader: 'No Access-Control-Allow-Origin header',
  PreflightMissingAllowOriginHeader: 'Preflight response has no Access-Control-Allow-Origin',
  MultipleAllowOriginValues: 'Access-Control-Allow-Origin holds more than one value',
  PreflightMultipleAllowOriginValues: 'Preflight Access-Control-Allow-Origin holds more than one value',
  InvalidAllowOriginValue: 'Access-Control-Allow-Origin is not a valid origin',
  PreflightInvalidAllowOriginValue: 'Preflight Access-Control-Allow-Origin is not a valid origin',
  AllowOriginMismatch: 'Access-Control-Allow-Origin names another origin',
  PreflightAllowOriginMismatch: 'Preflight Access-Control-Allow-Origin names another origin',
  WildcardOriginNotAllowed: "Credentials with Access-Control-Allow-Origin '*'",
  PreflightWildcardOriginNotAllowed: "Credentials with a preflight Access-Control-Allow-Origin '*'",
  InvalidAllowCredentials: "Access-Control-Allow-Credentials is not 'true'",
  PreflightInvalidAllowCredentials: "Preflight Access-Control-Allow-Credentials is not 'true'",
  PreflightInvalidStatus: 'Preflight answered with a non-2xx status',
  PreflightDisallowedRedirect: 'Preflight was redirected',
  InvalidAllowMethodsPreflightResponse: 'Access-Control-Allow-Methods cannot be parsed',
  InvalidAllowHeadersPreflightResponse: 'Access-Control-Allow-Headers cannot be parsed',
  MethodDisallowedByPreflightResponse: 'Method not allowed by the preflight response',
  HeaderDisallowedByPreflightResponse: 'Request header not allowed by the preflight response',
  RedirectContainsCredentials: 'Redirect to a URL with credentials',
}

const tainted = (ctx: FailureContext): boolean =>
  ctx.taint !== undefined &&
  (ctx.failure.corsError === 'AllowOriginMismatch' ||
    ctx.failure.corsError === 'PreflightAllowOriginMismatch')

export function failureFinding(ctx: FailureContext, preflightStatus?: number): Finding {
  const info = CORS_ERRORS[ctx.failure.corsError]
  const c =
    ctx.failure.corsError === 'PreflightInvalidStatus' && preflightStatus !== undefined
      ? { ...ctx, failure: { ...ctx.failure, failedParameter: String(preflightStatus) } }
      : ctx
  return {
    code: codeFor(ctx.failure.corsError),
    severity: 'error',
    title: tainted(ctx)
      ? `Origin became 'null' after the cross-origin redirect to ${hostOf(ctx.taint?.to ?? '')}`
      : (TITLES[ctx.failure.corsError] ?? ctx.failure.corsError),
    explanation: explain(c),
    headers: refsFor(ctx.place, ctx.headers, ctx.failure.headerNames),
    links: info.links,
    corsError: ctx.failure.corsError,
    ...firefoxOf(ctx),
  }
}

/** Firefox's reason for the same failure, with the value Firefox puts in it. */
function firefoxOf(ctx: FailureContext): { firefox?: FirefoxReason } {
  const { corsError, failedParameter } = ctx.failure
  const key = FIREFOX_REASON_FOR[corsError]
  let param = ''
  if (key === 'CORSAllowOriginNotMatchingOrigin' || key === 'CORSMissingAllowHeaderFromPreflight2')
    param = failedParameter
  else if (key === 'CORSInvalidAllowMethod' || key === 'CORSInvalidAllowHeader')
    param = firstInvalidToken(
      linesNamed(ctx.headers, ctx.failure.headerNames[0] ?? '')
        .map((h) => h.value)
        .join(', '),
    )
  const reason = firefoxReason(corsError, param)
  return reason ? { firefox: reason } : {}
}
