/**
 * What the browser lets through but will bite later: each rule returns a warning or an info finding,
 * never an error and never "blocked".
 */

import { CORS_RESPONSE_HEADERS, MAX_AGE_CAP, SAFELISTED_RESPONSE_HEADERS } from './fetch-rules.ts'
import { refsFor } from './findings.ts'
import { type HeaderList, headerValue, linesNamed, splitHeaderList } from './headers.ts'
import type { Finding, HeaderPlace } from './model/finding.ts'

const MDN_CORS = { title: 'MDN: CORS', url: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS' }
const FETCH = (anchor: string, title: string) => ({ title, url: `https://fetch.spec.whatwg.org/#${anchor}` })

export interface WarningInput {
  readonly origin: string
  readonly credentials: boolean
  readonly unsafeHeaders: readonly string[]
  readonly response?: { readonly headers: HeaderList; readonly place: HeaderPlace }
  readonly preflight?: { readonly headers: HeaderList }
  readonly blocked: boolean
}

// Infrastructure headers nobody reads from JavaScript: not worth an expose-headers hint.
const NOT_READ_BY_PAGES = new Set([
  'x-powered-by',
  'x-content-type-options',
  'x-frame-options',
  'x-xss-protection',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-cache',
  'x-served-by',
  'x-timer',
])

const splitList = (v: string | null): string[] => splitHeaderList(v).map((s) => s.toLowerCase())

type WarningResponse = NonNullable<WarningInput['response']>
type WarningPreflight = NonNullable<WarningInput['preflight']>

/** The rules on the response (most need it to have passed) and on the preflight, in the order shown. */
export function warningsFor(input: WarningInput): Finding[] {
  const out: Finding[] = []
  const res = input.response
  if (res) {
    const acao = headerValue(res.headers, 'access-control-allow-origin')
    push(out, varyOriginMissing(input, res, acao))
    push(out, credentialsWithWildcard(res, acao))
    push(out, allowOriginNull(input, res, acao))
    if (!input.blocked) {
      const expose = splitList(headerValue(res.headers, 'access-control-expose-headers'))
      push(out, exposeWildcardWithCredentials(input, res, expose))
      push(out, headersNotExposed(input, res, expose))
      out.push(...duplicateCorsHeaders(res))
    }
  }
  const pre = input.preflight
  if (pre) {
    push(out, maxAge(pre))
    push(out, wildcardAllowHeadersAuthorization(input, pre))
  }
  return out
}

function push(out: Finding[], f: Finding | null): void {
  if (f) out.push(f)
}

function varyOriginMissing(input: WarningInput, res: WarningResponse, acao: string | null): Finding | null {
  const vary = splitList(headerValue(res.headers, 'vary'))
  if (acao === null || acao === '*' || input.blocked || vary.includes('origin') || vary.includes('*'))
    return null
  return {
    code: 'vary-origin-missing',
    severity: 'info',
    title: 'Access-Control-Allow-Origin names one origin without Vary: Origin',
    explanation: `The response allows ${`'${acao}'`} but does not say Vary: Origin. If the server allows several origins, a cache (CDN, proxy or the browser's own) can hand this response to another origin, which then fails. Add Vary: Origin wherever the header depends on the request's Origin.`,
    headers: refsFor(res.place, res.headers, ['access-control-allow-origin', 'vary']),
    links: [FETCH('cors-protocol-and-http-caches', 'Fetch: CORS protocol and HTTP caches')],
  }
}

function credentialsWithWildcard(res: WarningResponse, acao: string | null): Finding | null {
  if (acao !== '*' || headerValue(res.headers, 'access-control-allow-credentials') !== 'true') return null
  return {
    code: 'credentials-with-wildcard-origin',
    severity: 'warning',
    title: "Access-Control-Allow-Credentials: true beside Access-Control-Allow-Origin: '*'",
    explanation:
      "This combination never works with credentials: the browser ignores 'true' for requests without credentials, and refuses '*' for requests with them. Either drop Allow-Credentials, or reflect the allowed origin instead of '*'.",
    headers: refsFor(res.place, res.headers, [
      'access-control-allow-origin',
      'access-control-allow-credentials',
    ]),
    links: [FETCH('cors-protocol-and-credentials', 'Fetch: CORS protocol and credentials')],
  }
}

function allowOriginNull(input: WarningInput, res: WarningResponse, acao: string | null): Finding | null {
  if (acao !== 'null' || input.blocked) return null
  return {
    code: 'allow-origin-null',
    severity: 'warning',
    title: "Access-Control-Allow-Origin: 'null' lets any sandboxed page in",
    explanation:
      "'null' is the origin of sandboxed iframes, file: pages and redirected requests — any site can produce it. Allow real origins instead.",
    headers: refsFor(res.place, res.headers, ['access-control-allow-origin']),
    links: [MDN_CORS],
  }
}

function exposeWildcardWithCredentials(
  input: WarningInput,
  res: WarningResponse,
  expose: readonly string[],
): Finding | null {
  if (!input.credentials || !expose.includes('*')) return null
  return {
    code: 'expose-headers-wildcard-with-credentials',
    severity: 'warning',
    title: "Access-Control-Expose-Headers '*' does nothing with credentials",
    explanation:
      "With credentials, '*' means a header literally named '*'. List the headers the page must read by name.",
    headers: refsFor(res.place, res.headers, ['access-control-expose-headers']),
    links: [FETCH('http-access-control-expose-headers', 'Fetch: Access-Control-Expose-Headers')],
  }
}

/** Headers a page typically reads (x-*, Link, Content-Range, ETag) that the response does not expose. */
function headersNotExposed(
  input: WarningInput,
  res: WarningResponse,
  expose: readonly string[],
): Finding | null {
  if (expose.includes('*') && !input.credentials) return null
  const hidden = [
    ...new Set(
      res.headers
        .map((h) => h.name.toLowerCase())
        .filter(
          (n) =>
            (n.startsWith('x-') && !NOT_READ_BY_PAGES.has(n)) ||
            n === 'link' ||
            n === 'content-range' ||
            n === 'etag',
        )
        .filter((n) => !SAFELISTED_RESPONSE_HEADERS.has(n) && !expose.includes(n)),
    ),
  ]
  if (hidden.length === 0) return null
  return {
    code: 'response-headers-not-exposed',
    severity: 'info',
    title: 'Some response headers are hidden from JavaScript',
    explanation: `The page cannot read ${hidden.map((h) => `'${h}'`).join(', ')}: a cross-origin response exposes only the safelisted headers and those listed in Access-Control-Expose-Headers. If the page needs them, list them there.`,
    headers: refsFor(res.place, res.headers, hidden),
    links: [FETCH('http-access-control-expose-headers', 'Fetch: Access-Control-Expose-Headers')],
  }
}

function duplicateCorsHeaders(res: WarningResponse): Finding[] {
  const out: Finding[] = []
  for (const header of CORS_RESPONSE_HEADERS) {
    const lines = linesNamed(res.headers, header)
    if (lines.length < 2) continue
    const name = lines[0]?.name ?? header
    out.push({
      code: 'duplicate-cors-header',
      severity: 'warning',
      title: `${name} is sent ${lines.length} times`,
      explanation: `Two layers add ${name}. The browser joins the lines with ", " and this one happens to pass, but the same setup breaks Access-Control-Allow-Origin. Keep CORS in exactly one layer.`,
      headers: refsFor(res.place, res.headers, [header]),
      links: [MDN_CORS],
    })
  }
  return out
}

function maxAge(pre: WarningPreflight): Finding | null {
  const value = headerValue(pre.headers, 'access-control-max-age')
  if (value === null) return null
  const headers = refsFor('preflight-response', pre.headers, ['access-control-max-age'])
  if (!/^\d+$/.test(value))
    return {
      code: 'max-age-invalid',
      severity: 'info',
      title: 'Access-Control-Max-Age is not a number of seconds',
      explanation: `'${value}' is not a whole number of seconds, so browsers fall back to caching the preflight for 5 s (Firefox: not at all).`,
      headers,
      links: [],
    }
  const n = Number(value)
  if (n <= MAX_AGE_CAP.chromium) return null
  return {
    code: 'max-age-above-cap',
    // The browser caps it and lets the request through: worth knowing, not a risk.
    severity: 'info',
    title: 'Access-Control-Max-Age is above what browsers honour',
    explanation: `The preflight asks to be cached for ${n} s. Chromium caps it at ${MAX_AGE_CAP.chromium} s (2 h)${n > MAX_AGE_CAP.firefox ? ` and Firefox at ${MAX_AGE_CAP.firefox} s (24 h)` : '; Firefox at 24 h'}: expect preflights more often than the value suggests.`,
    headers,
    links: [
      {
        title: 'MDN: Access-Control-Max-Age',
        url: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Max-Age',
      },
    ],
  }
}

function wildcardAllowHeadersAuthorization(input: WarningInput, pre: WarningPreflight): Finding | null {
  const acah = splitList(headerValue(pre.headers, 'access-control-allow-headers'))
  if (input.blocked || !acah.includes('*') || acah.includes('authorization')) return null
  if (!input.unsafeHeaders.includes('authorization')) return null
  return {
    code: 'wildcard-allow-headers-authorization',
    severity: 'warning',
    title: "Access-Control-Allow-Headers '*' does not cover Authorization",
    explanation:
      "Chromium and Firefox let this through today, but the Fetch Standard says '*' never covers Authorization, and Firefox already prints a deprecation warning: browsers that follow the standard will refuse it. List 'Authorization' by name.",
    headers: refsFor('preflight-response', pre.headers, ['access-control-allow-headers']),
    links: [FETCH('cors-non-wildcard-request-header-name', 'Fetch: CORS non-wildcard request-header name')],
  }
}
