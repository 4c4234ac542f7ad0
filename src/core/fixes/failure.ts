/**
 * The one classification every recipe reads: Chromium's CorsError in recipe terms, refined by the exchange
 * around it where the cure differs — a missing header on a 4xx/5xx is the error path skipping CORS, and a
 * preflight redirected to another page (a login form) is auth catching it. The groups below name the kinds
 * that some recipes treat alike.
 */
import { headerValue } from '../headers.ts'
import type { FixContext } from './context.ts'

export type FailureKind =
  /** Two Access-Control-Allow-Origin values (on the response or the preflight). */
  | 'duplicate'
  /** "*" answered to a request with credentials. */
  | 'wildcard-credentials'
  /** Access-Control-Allow-Credentials missing or not "true". */
  | 'credentials-flag'
  /** Access-Control-Allow-Origin names another origin, or is not a valid value. */
  | 'origin-mismatch'
  /** No Access-Control-Allow-Origin on the actual response (below 400, or none seen). */
  | 'missing'
  /** No Access-Control-Allow-Origin on a 4xx/5xx: the error path skipping CORS, not a missing configuration. */
  | 'error-response'
  /** No Access-Control-Allow-Origin on the preflight's answer. */
  | 'preflight-missing'
  /** The preflight got a status outside 2xx. */
  | 'preflight-status'
  /** The preflight was redirected to the same page (http→https, a trailing slash): call the final URL. */
  | 'redirect'
  /** The preflight was redirected to another page (a login form): auth caught it, the app can cure that. */
  | 'auth-redirect'
  | 'method'
  | 'header'
  /** Let through, but at risk (a warning applies). */
  | 'warning'
  /** Nothing a server-side cure addresses: request mode, URL scheme, credentials in a redirect URL, LNA. */
  | 'other'

export function failureKind(ctx: FixContext): FailureKind {
  switch (ctx.analysis.corsError) {
    case 'MultipleAllowOriginValues':
    case 'PreflightMultipleAllowOriginValues':
      return 'duplicate'
    case 'WildcardOriginNotAllowed':
    case 'PreflightWildcardOriginNotAllowed':
      return 'wildcard-credentials'
    case 'InvalidAllowCredentials':
    case 'PreflightInvalidAllowCredentials':
      return 'credentials-flag'
    case 'AllowOriginMismatch':
    case 'InvalidAllowOriginValue':
    case 'PreflightAllowOriginMismatch':
    case 'PreflightInvalidAllowOriginValue':
      return 'origin-mismatch'
    case 'MissingAllowOriginHeader':
      return (ctx.exchange.response?.status ?? 0) >= 400 ? 'error-response' : 'missing'
    case 'PreflightMissingAllowOriginHeader':
      return 'preflight-missing'
    case 'PreflightInvalidStatus':
      return 'preflight-status'
    case 'PreflightDisallowedRedirect':
      return loginRedirect(ctx) === null ? 'redirect' : 'auth-redirect'
    case 'MethodDisallowedByPreflightResponse':
    case 'InvalidAllowMethodsPreflightResponse':
      return 'method'
    case 'HeaderDisallowedByPreflightResponse':
    case 'InvalidAllowHeadersPreflightResponse':
      return 'header'
    case null:
      return ctx.analysis.verdict === 'at-risk' ? 'warning' : 'other'
    default:
      return 'other'
  }
}

/** Failures that one correct set of CORS headers at one layer cures. */
export const HEADER_KINDS: ReadonlySet<FailureKind> = new Set([
  'duplicate',
  'missing',
  'error-response',
  'preflight-missing',
  'preflight-status',
  'wildcard-credentials',
  'credentials-flag',
  'origin-mismatch',
  'method',
  'header',
  'warning',
])

/** No Access-Control-Allow-Origin at all, on the response or on the preflight. */
export function allowOriginMissing(kind: FailureKind): boolean {
  return kind === 'missing' || kind === 'error-response' || kind === 'preflight-missing'
}

/** The preflight was redirected, wherever to. */
export function redirected(kind: FailureKind): boolean {
  return kind === 'redirect' || kind === 'auth-redirect'
}

/** The preflight itself was refused: no ACAO on it, a bad status, or auth redirecting it. */
export function preflightRefused(kind: FailureKind): boolean {
  return kind === 'preflight-missing' || kind === 'preflight-status' || kind === 'auth-redirect'
}

/** The preflight's redirect target when it leads to another page of the same site (not just the slash). */
export function loginRedirect(ctx: FixContext): string | null {
  const response = ctx.exchange.preflight?.response
  const location = response ? headerValue(response.headers, 'location') : null
  if (!location) return null
  const path = pathOf(location)
  if (path === null) return null
  const bare = (p: string): string => trimTrailingSlashes(beforeQuery(p))
  return bare(path) === bare(ctx.path) ? null : location
}

function pathOf(location: string): string | null {
  if (location.startsWith('/')) return location
  const m = /^https?:\/\/[^/?#]+(\/.*)?$/is.exec(location)
  return m ? (m[1] ?? '/') : null
}

/** The path before any "?" or "#" (indexOf, not a regex: linear whatever the input). */
export function beforeQuery(path: string): string {
  const q = path.indexOf('?')
  const h = path.indexOf('#')
  const cut = q < 0 ? h : h < 0 ? q : Math.min(q, h)
  return cut < 0 ? path : path.slice(0, cut)
}

function trimTrailingSlashes(p: string): string {
  let end = p.length
  while (end > 0 && p.charCodeAt(end - 1) === 0x2f) end--
  return p.slice(0, end)
}
