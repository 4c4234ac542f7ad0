/** Header lines as the browser saw them on the wire: order and duplicates kept, names case-insensitive. */

export interface HeaderLine {
  readonly name: string
  readonly value: string
}

export type HeaderList = readonly HeaderLine[]

const lower = (s: string): string => s.toLowerCase()

/** Every line with this name, in wire order. */
export function linesNamed(headers: HeaderList, name: string): HeaderLine[] {
  const want = lower(name)
  return headers.filter((h) => lower(h.name) === want)
}

export function hasHeader(headers: HeaderList, name: string): boolean {
  const want = lower(name)
  return headers.some((h) => lower(h.name) === want)
}

/**
 * The value as Chromium reads it (HttpResponseHeaders::GetNormalizedHeader, Fetch "get"): every line's
 * value, trimmed of HTTP whitespace, joined with ", ". Null when no line has the name.
 */
export function headerValue(headers: HeaderList, name: string): string | null {
  const lines = linesNamed(headers, name)
  if (lines.length === 0) return null
  return lines.map((h) => trimHttpWhitespace(h.value)).join(', ')
}

const HTTP_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g
export function trimHttpWhitespace(s: string): string {
  return s.replace(HTTP_WS, '')
}

/** Coerce anything header-like from untrusted input (HAR, CDP, webRequest) into a HeaderList. */
export function toHeaderList(input: unknown): HeaderLine[] {
  if (!Array.isArray(input)) return []
  const out: HeaderLine[] = []
  for (const item of input) {
    if (item === null || typeof item !== 'object') continue
    const { name, value } = item as { name?: unknown; value?: unknown }
    if (typeof name !== 'string' || name === '') continue
    out.push({ name, value: typeof value === 'string' ? value : value == null ? '' : String(value) })
  }
  return out
}

/** Parse a raw HTTP head ("HTTP/1.1 200 OK\r\nA: b\r\n...") into its status and header lines. */
export function parseHeadersText(text: string): { statusLine: string; headers: HeaderLine[] } {
  const lines = text.split(/\r?\n/)
  const statusLine = lines.shift() ?? ''
  const headers: HeaderLine[] = []
  for (const line of lines) {
    if (line === '') continue
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    headers.push({ name: line.slice(0, colon), value: trimHttpWhitespace(line.slice(colon + 1)) })
  }
  return { statusLine, headers }
}
