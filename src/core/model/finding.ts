/**
 * The engine's shared words: a finding, the header lines it points at, its links, and Chromium's and
 * Firefox's names for a failure. A leaf: it imports nothing, so every part of the engine can use it without
 * a cycle (test/design.test.ts checks both).
 */

export type Severity = 'error' | 'warning' | 'info'

/** Where a header line sits in the exchange. `index` is its position in that list (wire order). */
export type HeaderPlace = 'request' | 'response' | 'preflight-request' | 'preflight-response' | 'redirect'

export interface HeaderRef {
  readonly place: HeaderPlace
  readonly name: string
  readonly value: string
  readonly index: number
}

export interface Link {
  readonly title: string
  readonly url: string
}

export interface FirefoxReason {
  /** security.properties key, e.g. "CORSMultipleAllowOriginNotAllowed". */
  readonly key: string
  /** The "(Reason: …)" text Firefox prints. */
  readonly text: string
  readonly mdn: string
}

export interface Finding {
  /** Stable, kebab-case, never renamed: "multiple-allow-origin-values", "vary-origin-missing". */
  readonly code: string
  readonly severity: Severity
  readonly title: string
  /** Plain words, quoting the actual values. */
  readonly explanation: string
  readonly headers: readonly HeaderRef[]
  readonly links: readonly Link[]
  readonly corsError?: CorsErrorName
  readonly firefox?: FirefoxReason
}

/** The errors of the access check (Chromium's cors.cc CheckAccess); the preflight has a Preflight… twin of each. */
export type AccessCheckError =
  | 'WildcardOriginNotAllowed'
  | 'MissingAllowOriginHeader'
  | 'MultipleAllowOriginValues'
  | 'InvalidAllowOriginValue'
  | 'AllowOriginMismatch'
  | 'InvalidAllowCredentials'

/**
 * Chromium's CorsError names (services/network/public/mojom/cors.mojom, as CDP reports them, without the k
 * prefix); src/core/cors-errors.ts holds each one's console sentence and links.
 */
export type CorsErrorName =
  | 'DisallowedByMode'
  | 'InvalidResponse'
  | AccessCheckError
  | 'CorsDisabledScheme'
  | 'PreflightInvalidStatus'
  | 'PreflightDisallowedRedirect'
  | 'PreflightWildcardOriginNotAllowed'
  | 'PreflightMissingAllowOriginHeader'
  | 'PreflightMultipleAllowOriginValues'
  | 'PreflightInvalidAllowOriginValue'
  | 'PreflightAllowOriginMismatch'
  | 'PreflightInvalidAllowCredentials'
  | 'InvalidAllowMethodsPreflightResponse'
  | 'InvalidAllowHeadersPreflightResponse'
  | 'MethodDisallowedByPreflightResponse'
  | 'HeaderDisallowedByPreflightResponse'
  | 'RedirectContainsCredentials'
  | 'InsecureLocalNetwork'
  | 'InvalidLocalNetworkAccess'
  | 'LocalNetworkAccessPermissionDenied'
