/**
 * The browser's checks, in Chromium's order, each written once:
 * - the CORS check on a response (cors.cc CheckAccess) — used for the actual response, each redirect
 *   hop and, renamed to its Preflight* twin, the preflight;
 * - the preflight check (preflight_controller.cc CheckPreflightAccess, preflight_result.cc).
 * Each returns the failure as Chromium reports it (CorsError + failed_parameter) or null.
 */

import { isCorsSafelistedMethod, isToken } from './fetch-rules.ts'
import { type HeaderList, headerValue, splitHeaderList } from './headers.ts'
import type { AccessCheckError, CorsErrorName } from './model/finding.ts'
import { isParseableUrl } from './origin.ts'

export interface CheckFailure {
  readonly corsError: CorsErrorName
  readonly failedParameter: string
  /** The response header names that caused it (for highlighting). */
  readonly headerNames: readonly string[]
  /** What to quote when Chromium's failed_parameter is empty (e.g. the offending Location). */
  readonly detail?: string
}

const ACAO = 'access-control-allow-origin'
const ACAC = 'access-control-allow-credentials'

/**
 * The CORS check. `origin` is the serialized request origin ("null" when tainted by a redirect).
 * Credentials "include" is the only mode that changes the outcome.
 */
export function checkAccess(
  headers: HeaderList,
  origin: string,
  credentials: boolean,
  responseUrl: string,
  browser: 'chromium' | 'firefox' = 'chromium',
): CheckFailure | null {
  const fail = (
    corsError: AccessCheckError,
    failedParameter: string,
    names: string[] = [ACAO],
  ): CheckFailure => ({
    corsError,
    failedParameter,
    headerNames: names,
  })
  // headerValue trims each line, as Chromium does: 'origin  ' and ACAC 'true ' pass (lab: trailing-space cases).
  const allowOrigin = headerValue(headers, ACAO)
  if (allowOrigin === null) return fail('MissingAllowOriginHeader', '')
  if (allowOrigin === '*') {
    if (!credentials) return null
    // Chromium exempts data: URLs; every URL we see is http(s).
    if (/^https?:/i.test(responseUrl)) return fail('WildcardOriginNotAllowed', '')
  } else if (allowOrigin !== origin) {
    // Chromium calls any space or comma "multiple values". Firefox counts header lines: one line 'a b' just
    // does not match (lab multi-inner-space). Its webRequest joins duplicate lines with ", ", so a comma
    // still means several lines there (one line 'a, b' is indistinguishable: lab multi-one-line).
    if (browser === 'firefox' ? allowOrigin.includes(',') : /[ ,]/.test(allowOrigin))
      return fail('MultipleAllowOriginValues', allowOrigin)
    if (allowOrigin !== 'null' && !isParseableUrl(allowOrigin))
      return fail('InvalidAllowOriginValue', allowOrigin)
    return fail('AllowOriginMismatch', allowOrigin)
  }
  if (credentials) {
    const allowCredentials = headerValue(headers, ACAC)
    if (allowCredentials !== 'true') return fail('InvalidAllowCredentials', allowCredentials ?? '', [ACAC])
  }
  return null
}

const PREFLIGHT_TWIN: Record<AccessCheckError, CorsErrorName> = {
  WildcardOriginNotAllowed: 'PreflightWildcardOriginNotAllowed',
  MissingAllowOriginHeader: 'PreflightMissingAllowOriginHeader',
  MultipleAllowOriginValues: 'PreflightMultipleAllowOriginValues',
  InvalidAllowOriginValue: 'PreflightInvalidAllowOriginValue',
  AllowOriginMismatch: 'PreflightAllowOriginMismatch',
  InvalidAllowCredentials: 'PreflightInvalidAllowCredentials',
}

/** ParseAccessControlAllowList: comma-split, trimmed, empty elements skipped; null when an element is not a token. */
export function parseAllowList(value: string | null): string[] | null {
  const items = splitHeaderList(value)
  return items.every(isToken) ? items : null
}

export interface PreflightInput {
  readonly status: number
  readonly headers: HeaderList
  readonly url: string
  /** True when the preflight response was a redirect (3xx with a Location). */
  readonly redirected: boolean
}

export interface PreflightRequestFacts {
  readonly method: string
  /** The CORS-unsafe request header names, lower-cased, in Chromium's order (sorted). */
  readonly unsafeHeaders: readonly string[]
  readonly origin: string
  readonly credentials: boolean
  /** Whose order to follow where the browsers differ (Chromium's when not said). */
  readonly browser?: 'chromium' | 'firefox'
}

/**
 * The preflight check, in Chromium's order: redirect, CORS check, status, ACAM/ACAH parse, method, headers.
 * Measured in Chromium 156 (lab scenarios): a 3xx with a Location is refused as a redirect before its ACAO
 * is read; a 3xx without one is just a non-ok status; a wrong ACAO on a 500 reports the ACAO, not the status;
 * an unparsable ACAM wins over an unparsable ACAH, and fails even a request that needed only a header.
 */
export function checkPreflight(
  preflight: PreflightInput,
  request: PreflightRequestFacts,
): CheckFailure | null {
  const access = checkAccess(
    preflight.headers,
    request.origin,
    request.credentials,
    preflight.url,
    request.browser,
  )
  // Firefox ESR 153 reads ACAO on a redirected preflight first (lab pf-redirect-no-acao: "CORS header
  // 'Access-Control-Allow-Origin' missing"); Chromium refuses the redirect before reading it.
  if (preflight.redirected && !(request.browser === 'firefox' && access))
    return { corsError: 'PreflightDisallowedRedirect', failedParameter: '', headerNames: ['location'] }
  if (access) return { ...access, corsError: PREFLIGHT_TWIN[access.corsError as AccessCheckError] }
  if (preflight.status < 200 || preflight.status > 299) {
    return { corsError: 'PreflightInvalidStatus', failedParameter: '', headerNames: [] }
  }
  const methods = parseAllowList(headerValue(preflight.headers, 'access-control-allow-methods'))
  if (methods === null) {
    return {
      corsError: 'InvalidAllowMethodsPreflightResponse',
      failedParameter: '',
      headerNames: ['access-control-allow-methods'],
    }
  }
  const allowHeaders = parseAllowList(headerValue(preflight.headers, 'access-control-allow-headers'))
  if (allowHeaders === null) {
    return {
      corsError: 'InvalidAllowHeadersPreflightResponse',
      failedParameter: '',
      headerNames: ['access-control-allow-headers'],
    }
  }
  // Methods compare case-sensitively (acam_preflight_spec_conformant); '*' counts only without credentials.
  const methodOk =
    methods.includes(request.method) ||
    isCorsSafelistedMethod(request.method) ||
    (!request.credentials && methods.includes('*'))
  if (!methodOk) {
    return {
      corsError: 'MethodDisallowedByPreflightResponse',
      failedParameter: request.method,
      headerNames: ['access-control-allow-methods'],
    }
  }
  const allowed = new Set(allowHeaders.map((h) => h.toLowerCase()))
  // '*' covers every header when there are no credentials. The Fetch Standard exempts Authorization (a
  // "non-wildcard request-header name"), but Chromium 156 lets it through (lab: header-authorization-star),
  // and so does Firefox by default, with a console warning: that gap is a warning (warnings.ts), not a block.
  if (!request.credentials && allowed.has('*')) return null
  const missing = request.unsafeHeaders.filter((name) => !allowed.has(name))
  if (missing.length === 0) return null
  // Chromium names the first missing header in Blink's header-map iteration order, a hash order that
  // neither the wire nor the preflight's sorted Access-Control-Request-Headers reveals (observed in
  // Chromium 156: 'x-zeta' before 'x-alpha'). With several missing we name the first we know of and list all.
  return {
    corsError: 'HeaderDisallowedByPreflightResponse',
    failedParameter: missing[0] ?? '',
    headerNames: ['access-control-allow-headers'],
    ...(missing.length > 1 ? { detail: missing.join(', ') } : {}),
  }
}
