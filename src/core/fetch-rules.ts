/**
 * The Fetch Standard's definitions that decide whether a request needs a preflight and what it must be
 * allowed: safelisted methods and request headers (with Chromium's additions and byte limits), tokens,
 * forbidden names. Sources: fetch.spec.whatwg.org #cors-safelisted-method, #cors-safelisted-request-header,
 * #forbidden-request-header; Chromium services/network/public/cpp/cors/cors.cc.
 */
import { type HeaderList, trimHttpWhitespace } from './headers.ts'

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST'])

/** Chromium compares case-insensitively (cors.cc IsCorsSafelistedMethod). */
export function isCorsSafelistedMethod(method: string): boolean {
  return SAFELISTED_METHODS.has(method.toUpperCase())
}

const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])

/** fetch() upper-cases only these six; `patch` stays `patch` and then fails against "PATCH". */
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase()
  return NORMALIZED.has(upper) ? upper : method
}

/** RFC 9110 §5.6.2 tchar: what a header name or a method may contain (https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2). */
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Fetch's redirect statuses (https://fetch.spec.whatwg.org/#redirect-status): 304 and 300 are not. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
export function isRedirectStatus(status: number): boolean {
  return REDIRECT_STATUSES.has(status)
}

export function isToken(s: string): boolean {
  return TCHAR.test(s)
}

const FORBIDDEN = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'access-control-request-private-network',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
])

export function isForbiddenRequestHeader(name: string): boolean {
  const n = name.toLowerCase()
  // ':'-names are HTTP/2 pseudo-headers (a HAR of an h2 request lists them): the browser's, never the page's.
  return FORBIDDEN.has(n) || n.startsWith('proxy-') || n.startsWith('sec-') || n.startsWith(':')
}

/**
 * Headers the browser's network stack adds itself after the CORS decision: seen on the wire, never set by
 * the page, so they never make a request "unsafe".
 */
const BROWSER_ADDED = new Set([
  'user-agent',
  'accept-language',
  'cache-control',
  'pragma',
  'priority',
  'upgrade-insecure-requests',
  'if-none-match',
  'if-modified-since',
])
export function isBrowserAddedHeader(name: string): boolean {
  const n = name.toLowerCase()
  return BROWSER_ADDED.has(n) || isForbiddenRequestHeader(n)
}

// CORS-unsafe request-header byte: < 0x20 except HT, and "():<>?@[\]{} and DEL.
const UNSAFE_PUNCTUATION = new Set('"():<>?@[\\]{}')
function hasUnsafeByte(value: string): boolean {
  for (const ch of value) {
    const c = ch.charCodeAt(0)
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || UNSAFE_PUNCTUATION.has(ch)) return true
  }
  return false
}
const LANGUAGE_VALUE = /^[0-9A-Za-z *,\-.;=]*$/
const SAFE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'])
const RANGE = /^bytes=[0-9]+-[0-9]*$/

/** Chromium's superset of the spec's list: client hints and `intervention` (cors.cc). */
const CHROMIUM_SAFELISTED_EXTRA = new Set([
  'intervention',
  'device-memory',
  'dpr',
  'width',
  'viewport-width',
  'rtt',
  'downlink',
  'ect',
  'save-data',
])

/** UTF-8 length without allocating: this runs for every header of every captured request. */
function byteLength(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

function mimeEssence(value: string): string | null {
  const essence = trimHttpWhitespace(value.split(';', 1)[0] ?? '').toLowerCase()
  return /^[!#$%&'*+\-.^_`|~0-9a-z]+\/[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(essence) ? essence : null
}

/** #cors-safelisted-request-header: the name/value pair, checked on its own (≤ 128 bytes and the per-name value rules). */
export function isCorsSafelistedRequestHeader(name: string, value: string): boolean {
  if (byteLength(value) > 128) return false
  const n = name.toLowerCase()
  switch (n) {
    case 'accept':
      return !hasUnsafeByte(value)
    case 'accept-language':
    case 'content-language':
      return LANGUAGE_VALUE.test(value)
    case 'content-type': {
      if (hasUnsafeByte(value)) return false
      const essence = mimeEssence(value)
      return essence !== null && SAFE_CONTENT_TYPES.has(essence)
    }
    case 'range':
      return RANGE.test(value)
    default:
      return CHROMIUM_SAFELISTED_EXTRA.has(n) || n.startsWith('sec-ch-')
  }
}

/**
 * #cors-unsafe-request-header-names, less forbidden names, as Chromium computes it
 * (CorsUnsafeNotForbiddenRequestHeaderNames): lower-cased, sorted, deduplicated. When the safelisted
 * values together exceed 1024 bytes they all become unsafe.
 */
export function corsUnsafeRequestHeaderNames(headers: HeaderList, options?: { wire?: boolean }): string[] {
  const unsafe = new Set<string>()
  const safelisted: string[] = []
  let safelistedBytes = 0
  for (const { name, value } of headers) {
    const n = name.toLowerCase()
    // Headers on the wire include the ones the browser added after deciding on the preflight.
    if (options?.wire ? isBrowserAddedHeader(n) : isForbiddenRequestHeader(n)) continue
    if (isCorsSafelistedRequestHeader(n, value)) {
      safelisted.push(n)
      safelistedBytes += byteLength(value)
    } else {
      unsafe.add(n)
    }
  }
  if (safelistedBytes > 1024) for (const n of safelisted) unsafe.add(n)
  return [...unsafe].sort()
}

export function needsPreflight(method: string, headers: HeaderList, options?: { wire?: boolean }): boolean {
  return !isCorsSafelistedMethod(method) || corsUnsafeRequestHeaderNames(headers, options).length > 0
}

/** Response headers every page may read without Access-Control-Expose-Headers. */
export const SAFELISTED_RESPONSE_HEADERS = new Set([
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
])

/** Chromium caps Access-Control-Max-Age at 2 h (preflight_result.cc kMaxTimeout); Firefox at 24 h. */
export const MAX_AGE_CAP = { chromium: 7200, firefox: 86400 } as const
/** Both default to 5 s when the header is absent or unparsable. */
export const MAX_AGE_DEFAULT = 5

/** The method a browser uses after this redirect (Fetch "HTTP-redirect fetch" step 12). */
export function methodAfterRedirect(method: string, status: number): string {
  if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'HEAD'))
    return 'GET'
  return method
}

/** Every CORS response header (https://fetch.spec.whatwg.org/#http-responses), as recipes write them. */
export const CORS_RESPONSE_HEADERS = [
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Credentials',
  'Access-Control-Allow-Methods',
  'Access-Control-Allow-Headers',
  'Access-Control-Expose-Headers',
  'Access-Control-Max-Age',
] as const
