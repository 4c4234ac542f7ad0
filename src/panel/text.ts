/**
 * Header values are untrusted and unbounded. These helpers make them safe to show as text: long values
 * are cut for display (the full value stays one click away), and invisible characters become visible so
 * a stray CR or NUL in a header can be seen rather than guessed.
 */

/** Past this many characters a value is cut for display; a 1 MB header stays cheap to render. */
export const DISPLAY_LIMIT = 2000

export interface ShownText {
  readonly text: string
  readonly truncated: boolean
  readonly fullLength: number
}

/** C0 controls (except tab), DEL and C1 controls. Non-UTF-8 bytes already arrive as U+FFFD, which shows. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const INVISIBLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g

export function visible(s: string): string {
  return s.replace(INVISIBLE, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

export function shown(value: string, showAll: boolean, limit = DISPLAY_LIMIT): ShownText {
  if (showAll || value.length <= limit)
    return { text: visible(value), truncated: false, fullLength: value.length }
  return { text: visible(value.slice(0, limit)), truncated: true, fullLength: value.length }
}

export function formatSize(chars: number): string {
  if (chars < 1024) return `${chars} chars`
  if (chars < 1024 * 1024) return `${(chars / 1024).toFixed(1)} K chars`
  return `${(chars / 1024 / 1024).toFixed(1)} M chars`
}

/** A URL for one line in a list: origin dimmed, path and query as is. Never throws on junk. */
export function splitUrl(url: string): { origin: string; rest: string } {
  try {
    const u = new URL(url)
    if (u.origin === 'null') return { origin: '', rest: url }
    return { origin: u.origin, rest: url.slice(u.origin.length) || '/' }
  } catch {
    return { origin: '', rest: url }
  }
}

export function timeOfDay(ms: number): string {
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return ''
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

export interface RichPart {
  readonly text: string
  readonly code: boolean
}

/**
 * The engine's rich text: `code` in backticks. Split into parts the view renders as text nodes (a <code>
 * for each code part), never as HTML. An unpaired backtick stays as it is.
 */
export function richParts(s: string): RichPart[] {
  const pieces = s.split('`')
  if (pieces.length % 2 === 0) return [{ text: s, code: false }]
  return pieces.map((text, i) => ({ text, code: i % 2 === 1 })).filter((p) => p.text !== '')
}
