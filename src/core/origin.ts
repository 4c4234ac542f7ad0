/** Origins as the Fetch Standard serializes them: "scheme://host[:port]", or "null" for opaque ones. */

// Parsing URLs dominates the engine's cost on passing requests; pages hit the same URLs over and over.
const ORIGINS = new Map<string, string | null>()
const ORIGIN_CACHE_SIZE = 512

export function originOf(url: string): string | null {
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
