/**
 * What a browser's error string says about the cause. A CORS failure is a generic error (Chromium:
 * net::ERR_FAILED; Firefox: NS_ERROR_DOM_BAD_URI); anything else failed for another reason, and saying
 * so stops people from fixing CORS headers that were never the problem.
 */

export type FailureKind =
  | 'cors-candidate'
  | 'connection'
  | 'dns'
  | 'blocked-by-client'
  | 'blocked-by-response'
  | 'csp'
  | 'mixed-content'
  | 'tls'
  | 'aborted'
  | 'timeout'
  | 'redirect'
  | 'local-network'
  | 'other'

interface NotCorsExplanation {
  readonly title: string
  readonly explanation: string
}

const PATTERNS: readonly (readonly [RegExp, FailureKind])[] = [
  [/ERR_FAILED$|NS_ERROR_DOM_BAD_URI|NS_ERROR_DOM_CORP_FAILED|CORS/i, 'cors-candidate'],
  [/ERR_BLOCKED_BY_CLIENT|ERR_BLOCKED_BY_ADMINISTRATOR|NS_ERROR_ABORT_BLOCKED/i, 'blocked-by-client'],
  [/ERR_BLOCKED_BY_CSP|NS_ERROR_CSP/i, 'csp'],
  [/ERR_BLOCKED_BY_RESPONSE|ERR_BLOCKED_BY_ORB|NS_ERROR_DOM_CORP/i, 'blocked-by-response'],
  [/mixed.content|ERR_INSECURE_RESPONSE/i, 'mixed-content'],
  [/ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED|NS_ERROR_UNKNOWN_HOST/i, 'dns'],
  [/ERR_CERT_|ERR_SSL_|SEC_ERROR_|SSL_ERROR_|NS_ERROR_NET_INADEQUATE_SECURITY/i, 'tls'],
  [/ERR_TIMED_OUT|ERR_CONNECTION_TIMED_OUT|NS_ERROR_NET_TIMEOUT/i, 'timeout'],
  [/ERR_ABORTED|NS_BINDING_ABORTED/i, 'aborted'],
  [/ERR_TOO_MANY_REDIRECTS|ERR_UNSAFE_REDIRECT|ERR_INVALID_REDIRECT|NS_ERROR_REDIRECT_LOOP/i, 'redirect'],
  [/LOCAL_NETWORK|PRIVATE_NETWORK/i, 'local-network'],
  [
    /ERR_CONNECTION_(REFUSED|RESET|CLOSED|FAILED|ABORTED)|ERR_EMPTY_RESPONSE|ERR_ADDRESS_UNREACHABLE|ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED|NS_ERROR_CONNECTION_REFUSED|NS_ERROR_NET_RESET|NS_ERROR_NET_INTERRUPT|NS_ERROR_OFFLINE/i,
    'connection',
  ],
]

/**
 * The outcome's error when a record says a request failed (status 0) but not why: Firefox's and Safari's
 * HAR write no error text. Never replaced by an invented net::ERR_FAILED; the failure may or may not be CORS.
 */
export const FAILED_NO_REASON = 'failed; the export does not say why'

/** A tool that is not a browser (a proxy, an HTTP client) recorded no response: an incomplete exchange. */
export const NO_RESPONSE_RECORDED =
  'no response recorded (the recording tool is not a browser: no CORS check ran)'

export function classifyFailure(error: string): FailureKind {
  if (error === FAILED_NO_REASON) return 'cors-candidate'
  if (error === NO_RESPONSE_RECORDED) return 'other'
  for (const [re, kind] of PATTERNS) if (re.test(error)) return kind
  return 'other'
}

export const NOT_CORS: Record<Exclude<FailureKind, 'cors-candidate'>, NotCorsExplanation> = {
  connection: {
    title: 'The server could not be reached',
    explanation:
      'The connection failed before any response arrived, so no CORS header was ever checked. Is the server running, on that host and port?',
  },
  dns: {
    title: 'The host name does not resolve',
    explanation: 'DNS could not find the host. CORS headers play no part here: check the URL.',
  },
  'blocked-by-client': {
    title: 'Blocked by the browser or an extension',
    explanation:
      'An extension (usually an ad or privacy blocker) or a browser policy cancelled the request. This is not CORS: try with extensions disabled.',
  },
  'blocked-by-response': {
    title: 'Blocked by a response policy (CORP/ORB), not CORS',
    explanation:
      'The response was blocked by Cross-Origin-Resource-Policy or opaque-response blocking. The fix is the resource-policy header, not the CORS headers.',
  },
  csp: {
    title: "Blocked by the page's Content-Security-Policy",
    explanation:
      "The page's own CSP (connect-src, img-src, …) forbids this URL. The fix is on the page's CSP, not on the API server.",
  },
  'mixed-content': {
    title: 'Mixed content: an http request from an https page',
    explanation: 'Secure pages may not call insecure URLs. Call the API over https.',
  },
  tls: {
    title: 'TLS / certificate error',
    explanation:
      "The browser did not trust the server's certificate, so no response was read. Fix the certificate.",
  },
  aborted: {
    title: 'Cancelled',
    explanation:
      'The request was cancelled (navigation, AbortController, or the page closed) before it finished.',
  },
  timeout: { title: 'Timed out', explanation: 'The server did not answer in time. CORS plays no part.' },
  redirect: {
    title: 'Redirect error',
    explanation: 'The redirect chain was refused (too many redirects, or an unsafe target).',
  },
  'local-network': {
    title: 'Local Network Access',
    explanation: 'The browser blocked a request from a public page to a private or local address.',
  },
  other: {
    title: 'The request failed',
    explanation: 'The browser reported an error that is not a CORS failure.',
  },
}
