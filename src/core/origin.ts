/** Origins as the Fetch Standard serializes them: "scheme://host[:port]", or "null" for opaque ones. */

// Parsing URLs dominated the engine's cost on passing requests. Most URLs are plain http(s) ones whose origin
// is their text up to the path: those are read in one pass (plainOrigin); anything else goes to URL, cached,
// since pages hit the same URLs over and over.
const ORIGINS = new Map<string, string | null>()
const ORIGIN_CACHE_SIZE = 512

export function originOf(url: string): string | null {
  const plain = plainOrigin(url)
  if (plain !== null) return plain
  const cached = ORIGINS.get(url)
  if (cached !== undefined) return cached
  let origin: string | null
  try {
    // URL.origin is already the serialization (default ports dropped, host lower-cased, "null" for opaque).
    origin = new URL(url).origin
  } catch {
    origin = null
  }
  if (ORIGINS.size >= ORIGIN_CACHE_SIZE) ORIGINS.clear()
  ORIGINS.set(url, origin)
  return origin
}

const isLowerAlnumOrHyphen = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const DEFAULT_PORT = { 'http:': '80', 'https:': '443' } as const

/**
 * The origin of a URL that needs no normalising, read in one pass: "http://" or "https://" in lower case, a
 * host of lower-case letters, digits, hyphens and single dots whose last label does not start with a digit
 * (URL rewrites IPv4 forms such as 127.1 or 0x7f.1) and holds no "xn--" (punycode that URL may refuse), an
 * optional port without a leading zero, then the end, "/", "?" or "#". Null for anything else: URL decides.
 */
export function plainOrigin(url: string): string | null {
  const scheme = url.startsWith('https://') ? 'https:' : url.startsWith('http://') ? 'http:' : null
  if (scheme === null) return null
  const start = scheme.length + 2
  let i = start
  let labelStart = start
  for (; i < url.length; i++) {
    const c = url.charCodeAt(i)
    if (c === 0x2e) {
      if (i === labelStart) return null // an empty label
      labelStart = i + 1
    } else if (!isLowerAlnumOrHyphen(c)) break
  }
  const hostEnd = i
  if (hostEnd === labelStart || isDigit(url.charCodeAt(labelStart))) return null
  let port = ''
  if (url.charCodeAt(i) === 0x3a) {
    i++
    while (i < url.length && isDigit(url.charCodeAt(i))) i++
    port = url.slice(hostEnd + 1, i)
    if (port === '' || port.length > 5 || port.charCodeAt(0) === 0x30 || Number(port) > 65535) return null
  }
  const next = url.charCodeAt(i)
  if (i < url.length && next !== 0x2f && next !== 0x3f && next !== 0x23) return null
  const host = url.slice(start, hostEnd)
  if (host.includes('xn--')) return null
  return port === '' || port === DEFAULT_PORT[scheme] ? `${scheme}//${host}` : `${scheme}//${host}:${port}`
}

export function isSameOrigin(a: string, b: string): boolean {
  const oa = originOf(a)
  return oa !== null && oa !== 'null' && oa === originOf(b)
}

/** Whether Chromium's GURL would parse the value as a valid URL (used to tell InvalidAllowOriginValue from AllowOriginMismatch). */
export function isParseableUrl(value: string): boolean {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) return false
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

export function hasUserinfo(url: string): boolean {
  try {
    const u = new URL(url)
    return u.username !== '' || u.password !== ''
  } catch {
    return false
  }
}
