/** Origins as the Fetch Standard serializes them: "scheme://host[:port]", or "null" for opaque ones. */

export function originOf(url: string): string | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return null
  }
  // URL.origin is already the serialization (default ports dropped, host lower-cased, "null" for opaque).
  return u.origin
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
