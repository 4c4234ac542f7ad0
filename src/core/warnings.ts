/**
 * What the browser lets through but will bite later: each rule returns a warning or an info finding,
 * never an error and never "blocked".
 */

import { MAX_AGE_CAP, SAFELISTED_RESPONSE_HEADERS } from './fetch-rules.ts'
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

const CORS_RESPONSE_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
]

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

export function warningsFor(input: WarningInput): Finding[] {
  const out: Finding[] = []
  const res = input.response
  if (res) {
    const acao = headerValue(res.headers, 'access-control-allow-origin')
    const acac = headerValue(res.headers, 'access-control-allow-credentials')
    const vary = splitList(headerValue(res.headers, 'vary'))
    if (acao !== null && acao !== '*' && !input.blocked && !vary.includes('origin') && !vary.includes('*')) {
      out.push({
        code: 'vary-origin-missing',
        severity: 'info',
        title: 'Access-Control-Allow-Origin names one origin without Vary: Origin',
        explanation: `The response allows ${`'${acao}'`} but does not say Vary: Origin. If the server allows several origins, a cache (CDN, proxy or the browser's own) can hand this response to another origin, which then fails. Add Vary: Origin wherever the header depends on the request's Origin.`,
        headers: refsFor(res.place, res.headers, ['access-control-allow-origin', 'vary']),
        links: [FETCH('cors-protocol-and-http-caches', 'Fetch: CORS protocol and HTTP caches')],
      })
    }
    if (acao === '*' && acac === 'true') {
      out.push({
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
      })
    }
    if (acao === 'null' && !input.blocked) {
      out.push({
        code: 'allow-origin-null',
        severity: 'warning',
        title: "Access-Control-Allow-Origin: 'null' lets any sandboxed page in",
        explanation:
          "'null' is the origin of sandboxed iframes, file: pages and redirected requests — any site can produce it. Allow real origins instead.",
        headers: refsFor(res.place, res.headers, ['access-control-allow-origin']),
        links: [MDN_CORS],
      })
    }
    const expose = splitList(headerValue(res.headers, 'access-control-expose-headers'))
    if (!input.blocked) {
      if (input.credentials && expose.includes('*')) {
        out.push({
          code: 'expose-headers-wildcard-with-credentials',
          severity: 'warning',
          title: "Access-Control-Expose-Headers '*' does nothing with credentials",
          explanation:
            "With credentials, '*' means a header literally named '*'. List the headers the page must read by name.",
          headers: refsFor(res.place, res.headers, ['access-control-expose-headers']),
          links: [FETCH('http-access-control-expose-headers', 'Fetch: Access-Control-Expose-Headers')],
        })
      }
      const exposedAll = expose.includes('*') && !input.credentials
      const hidden = exposedAll
        ? []
        : [
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
      if (hidden.length > 0) {
        out.push({
          code: 'response-headers-not-exposed',
          severity: 'info',
          title: 'Some response headers are hidden from JavaScript',
          explanation: `The page cannot read ${hidden.map((h) => `'${h}'`).join(', ')}: a cross-origin response exposes only the safelisted headers and those listed in Access-Control-Expose-Headers. If the page needs them, list them there.`,
          headers: refsFor(res.place, res.headers, hidden),
          links: [FETCH('http-access-control-expose-headers', 'Fetch: Access-Control-Expose-Headers')],
        })
      }
    }
    for (const name of input.blocked ? [] : CORS_RESPONSE_HEADERS) {
      const lines = linesNamed(res.headers, name)
      if (lines.length > 1) {
        out.push({
          code: 'duplicate-cors-header',
          severity: 'warning',
          title: `${lines[0]?.name ?? name} is sent ${lines.length} times`,
          explanation: `Two layers add ${lines[0]?.name ?? name}. The browser joins the lines with ", " and this one happens to pass, but the same setup breaks Access-Control-Allow-Origin. Keep CORS in exactly one layer.`,
          headers: refsFor(res.place, res.headers, [name]),
          links: [MDN_CORS],
        })
      }
    }
  }
  const pre = input.preflight
  if (pre) {
    const maxAge = headerValue(pre.headers, 'access-control-max-age')
    if (maxAge !== null && /^\d+$/.test(maxAge) && Number(maxAge) > MAX_AGE_CAP.chromium) {
      const n = Number(maxAge)
      out.push({
        code: 'max-age-above-cap',
        // The browser caps it and lets the request through: worth knowing, not a risk.
        severity: 'info',
        title: 'Access-Control-Max-Age is above what browsers honour',
        explanation: `The preflight asks to be cached for ${n} s. Chromium caps it at ${MAX_AGE_CAP.chromium} s (2 h)${n > MAX_AGE_CAP.firefox ? ` and Firefox at ${MAX_AGE_CAP.firefox} s (24 h)` : '; Firefox at 24 h'}: expect preflights more often than the value suggests.`,
        headers: refsFor('preflight-response', pre.headers, ['access-control-max-age']),
        links: [
          {
            title: 'MDN: Access-Control-Max-Age',
            url: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Max-Age',
          },
        ],
      })
    } else if (maxAge !== null && !/^\d+$/.test(maxAge)) {
      out.push({
        code: 'max-age-invalid',
        severity: 'info',
        title: 'Access-Control-Max-Age is not a number of seconds',
        explanation: `'${maxAge}' is not a whole number of seconds, so browsers fall back to caching the preflight for 5 s (Firefox: not at all).`,
        headers: refsFor('preflight-response', pre.headers, ['access-control-max-age']),
        links: [],
      })
    }
    const acah = splitList(headerValue(pre.headers, 'access-control-allow-headers'))
    if (
      !input.blocked &&
      acah.includes('*') &&
      !acah.includes('authorization') &&
      input.unsafeHeaders.includes('authorization')
    ) {
      out.push({
        code: 'wildcard-allow-headers-authorization',
        severity: 'warning',
        title: "Access-Control-Allow-Headers '*' does not cover Authorization",
        explanation:
          "Chromium and Firefox let this through today, but the Fetch Standard says '*' never covers Authorization, and Firefox already prints a deprecation warning: browsers that follow the standard will refuse it. List 'Authorization' by name.",
        headers: refsFor('preflight-response', pre.headers, ['access-control-allow-headers']),
        links: [
          FETCH('cors-non-wildcard-request-header-name', 'Fetch: CORS non-wildcard request-header name'),
        ],
      })
    }
  }
  return out
}
