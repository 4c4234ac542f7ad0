/** What `lint` reports: the contract of `cors-lens lint --json` (issue 18) and of the MCP server's call. */

export type LintServer = 'nginx' | 'apache' | 'caddy'

/** When the finding bites: the condition under which a browser sees the failure. */
export type LintWhen =
  | 'always'
  | 'error-responses'
  | 'preflight'
  | 'upstream-sends-cors'
  | 'credentials'
  | 'other-origins'
  | 'other'

export interface LintFix {
  /** The corrected config lines, filled with the config's own values (tokens and origins only). */
  readonly snippet: string
  /** Where the lines go, in words ("in location /api/ (nginx.conf:20), replacing line 22"). */
  readonly where: string
}

export interface LintFinding {
  readonly code: string
  readonly severity: 'error' | 'warning' | 'info'
  readonly server: LintServer
  readonly file: string
  readonly line: number
  readonly title: string
  readonly explanation: string
  /** Chromium's CorsError (no k prefix) when this bites under `when`; null for a risk with no browser error. */
  readonly corsError: string | null
  readonly when: LintWhen
  readonly fix: LintFix
}

export interface LintResult {
  readonly findings: LintFinding[]
}

/** Plain words for each `when`, for the human output. */
export const WHEN_WORDS: Readonly<Record<LintWhen, string>> = {
  always: 'on every response',
  'error-responses': 'on every 4xx/5xx response',
  preflight: 'on every preflight (a request with a non-simple method or header)',
  'upstream-sends-cors': 'only if the app behind it also sends CORS headers',
  credentials: "only for requests with credentials: 'include'",
  'other-origins': 'when another site (another origin) sends the request',
  other: 'in the case described',
}

/**
 * `error-responses` per server, as measured on each: nginx drops add_header lines on every 4xx/5xx, while
 * Apache's onsuccess table and Caddy's deferred headers survive the app's errors and miss only those the
 * server makes itself (test/e2e/lint-apache.test.ts, lint-caddy.test.ts).
 */
export function whenWords(when: LintWhen, server: LintServer): string {
  if (when === 'error-responses' && server !== 'nginx')
    return `on the error responses ${server === 'apache' ? 'httpd' : 'Caddy'} makes itself (its own 4xx/5xx, a 502/503 when the app is down)`
  return WHEN_WORDS[when]
}
