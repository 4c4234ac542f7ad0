/**
 * Header values (and the URLs and findings that quote them) come from servers we do not trust: a single
 * value can be megabytes. Before a record is stored, every string longer than the limit is cut, with a marker
 * that keeps the original length. The engine has already judged the full values by then.
 */

export const TRUNCATION_MARKER = '… [truncated by CORS Lens; original length '

export function truncateString(s: string, limit: number): string {
  if (s.length <= limit) return s
  return `${s.slice(0, limit)}${TRUNCATION_MARKER}${s.length} characters]`
}

/**
 * A copy of JSON-like data with every long string cut. Returns the same object when nothing was cut, so the
 * common case allocates nothing. `cut` counts the strings that were cut.
 */
export function boundStrings<T>(value: T, limit: number, cut: { count: number } = { count: 0 }): T {
  return walk(value, limit, cut, 0) as T
}

function walk(value: unknown, limit: number, cut: { count: number }, depth: number): unknown {
  if (typeof value === 'string') {
    if (value.length <= limit) return value
    cut.count++
    return truncateString(value, limit)
  }
  if (value === null || typeof value !== 'object' || depth > 32) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null
    for (let i = 0; i < value.length; i++) {
      const v = value[i]
      const w = walk(v, limit, cut, depth + 1)
      if (w !== v) {
        copy ??= value.slice()
        copy[i] = w
      }
    }
    return copy ?? value
  }
  let copy: Record<string, unknown> | null = null
  for (const [k, v] of Object.entries(value)) {
    const w = walk(v, limit, cut, depth + 1)
    if (w !== v) {
      copy ??= { ...(value as Record<string, unknown>) }
      // defineProperty: an own "__proto__" key (JSON.parse makes those) must stay a key, not a prototype.
      Object.defineProperty(copy, k, { value: w, enumerable: true, writable: true, configurable: true })
    }
  }
  return copy ?? value
}

/** UTF-8 byte length of a string, without allocating (what storage.session counts, roughly). */
export function utf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1
  }
  return n
}
