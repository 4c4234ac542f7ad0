/** Header lines as the browser saw them on the wire: order and duplicates kept, names case-insensitive. */

export interface HeaderLine {
  readonly name: string
  readonly value: string
}

export type HeaderList = readonly HeaderLine[]

// The engine asks about the same few names all the time: remember which are ASCII (bounded: 256 short names;
// a name from a response can be anything).
const ASCII_NAMES = new Map<string, boolean>()

function isAscii(name: string): boolean {
  const known = ASCII_NAMES.get(name)
  if (known !== undefined) return known
  let ascii = true
  for (let i = 0; i < name.length && ascii; i++) ascii = name.charCodeAt(i) < 0x80
  if (name.length > 64) return ascii
  if (ASCII_NAMES.size >= 256) ASCII_NAMES.clear()
  ASCII_NAMES.set(name, ascii)
  return ascii
}

/**
 * A test for "this line's name, lower-cased, is `name` lower-cased", without lower-casing every line: the
 * engine asks this of each line many times per exchange. When the wanted name is ASCII, a line of another
 * length cannot match (only ASCII letters and the Kelvin sign lower-case to ASCII, one unit for one).
 */
function nameTest(name: string): (line: HeaderLine) => boolean {
  const want = name.toLowerCase()
  const ascii = isAscii(want)
  return (line) =>
    (!ascii || line.name.length === want.length) && (line.name === want || line.name.toLowerCase() === want)
}

/** Every line with this name, in wire order. */
export function linesNamed(headers: HeaderList, name: string): HeaderLine[] {
  return headers.filter(nameTest(name))
}

export function hasHeader(headers: HeaderList, name: string): boolean {
  return headers.some(nameTest(name))
}

/**
 * The value as Chromium reads it (HttpResponseHeaders::GetNormalizedHeader, Fetch "get"): every line's
 * value, trimmed of HTTP whitespace, joined with ", ". Null when no line has the name.
 */
export function headerValue(headers: HeaderList, name: string): string | null {
  const named = nameTest(name)
  let value: string | null = null
  for (const line of headers) {
    if (!named(line)) continue
    const trimmed = trimHttpWhitespace(line.value)
    value = value === null ? trimmed : `${value}, ${trimmed}`
  }
  return value
}

/**
 * Characters the header scanners below looked at, summed over the process: the adversarial suite doubles an
 * input and checks this does not quadruple (a wall clock would be flaky). Never reset by the engine.
 */
export const scanWork = { visited: 0 }

const isHttpWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

/** Strip HTTP whitespace (SP, HT, CR, LF) at both ends, in one pass (a regex here was quadratic on inner runs). */
export function trimHttpWhitespace(s: string): string {
  let start = 0
  let end = s.length
  while (start < end && isHttpWs(s.charCodeAt(start))) start++
  while (end > start && isHttpWs(s.charCodeAt(end - 1))) end--
  scanWork.visited += start + (s.length - end) + 2
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

/** A comma-separated header list (Vary, Access-Control-Allow-Headers…): items trimmed, empty ones dropped. */
export function splitHeaderList(value: string | null): string[] {
  if (value === null || value === '') return []
  const out: string[] = []
  for (const raw of value.split(',')) {
    const item = trimHttpWhitespace(raw)
    if (item !== '') out.push(item)
  }
  return out
}

/** Coerce anything header-like from untrusted input (HAR, CDP, webRequest) into a HeaderList. */
export function toHeaderList(input: unknown): HeaderLine[] {
  if (!Array.isArray(input)) return []
  const out: HeaderLine[] = []
  for (const item of input) {
    if (item === null || typeof item !== 'object') continue
    const { name, value } = item as { name?: unknown; value?: unknown }
    if (typeof name !== 'string' || name === '') continue
    out.push({ name, value: headerText(value) })
  }
  return out
}

/** A header value from untrusted JSON: strings as they are, numbers and booleans printed, anything else empty. */
function headerText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  // An object's toString may be missing or hostile ({"toString":"x"} throws): never call it.
  return ''
}

/** Parse a raw HTTP head ("HTTP/1.1 200 OK\r\nA: b\r\n...") into its status and header lines. */
export function parseHeadersText(text: string): { statusLine: string; headers: HeaderLine[] } {
  const lines = text.split('\n')
  const statusLine = trimCr(lines.shift() ?? '')
  const headers: HeaderLine[] = []
  for (const raw of lines) {
    const line = trimCr(raw)
    if (line === '') continue
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    headers.push({ name: line.slice(0, colon), value: trimHttpWhitespace(line.slice(colon + 1)) })
  }
  return { statusLine, headers }
}

const trimCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line)

const isSpaceOrTab = (c: number): boolean => c === 0x20 || c === 0x09

/**
 * "HTTP/1.1 404 Not Found" → its version, status and reason, in one pass (a regex here backtracked on a
 * long run of spaces before a line separator). Null when the line has no three-digit status after a space.
 */
export function parseStatusLine(line: string): { version: string; status: number; text: string } | null {
  let i = 0
  while (i < line.length && !isSpaceOrTab(line.charCodeAt(i))) i++
  const version = line.slice(0, i)
  while (i < line.length && isSpaceOrTab(line.charCodeAt(i))) i++
  const code = line.slice(i, i + 3)
  if (version === '' || code.length !== 3 || !/^\d{3}$/.test(code)) return null
  let j = i + 3
  if (j < line.length && !isSpaceOrTab(line.charCodeAt(j))) return null
  while (j < line.length && isSpaceOrTab(line.charCodeAt(j))) j++
  scanWork.visited += j
  return { version, status: Number(code), text: line.slice(j) }
}
