/**
 * Small scanners that replace regexes which backtracked on hostile config text (a config can be huge or
 * crafted). Each one returns exactly what the regex it replaced did, in one pass, and adds the characters
 * it looked at to scanWork so the adversarial suite can check the work doubles, not quadruples.
 */
import { scanWork } from '../headers.ts'

/** The characters `.` does not match and an `m`-flag `^`/`$` treats as line ends (ECMA-262 LineTerminator). */
const isLineTerminator = (c: string | undefined): boolean =>
  c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029'

/** `s.replace(/\/+$/, '')` (quadratic on '////…x': each '/' started a run that failed at the 'x'). */
export function stripTrailingSlashes(s: string): string {
  let end = s.length
  while (end > 0 && s[end - 1] === '/') end--
  scanWork.visited += s.length - end + 1
  return end === s.length ? s : s.slice(0, end)
}

/** `s.replace(/:.*$/, '')`: cut at the first ':' after the last line terminator (was quadratic on '::::\n'). */
export function cutAtColon(s: string): string {
  let from = s.length
  while (from > 0 && !isLineTerminator(s[from - 1])) from--
  const at = s.indexOf(':', from)
  scanWork.visited += s.length
  return at < 0 ? s : s.slice(0, at)
}

/**
 * The names of `%{NAME}e` in a mod_headers value, as `[...s.matchAll(/%\{([^}]+)\}e/g)]` found them (that
 * regex ran from every '%{' to the next '}': quadratic on '%{%{%{…').
 */
export function envReferences(s: string): string[] {
  const out: string[] = []
  let from = 0
  for (;;) {
    const at = s.indexOf('%{', from)
    const close = at < 0 ? -1 : s.indexOf('}', at + 2)
    if (close < 0) break
    if (close > at + 2 && s[close + 1] === 'e') {
      out.push(s.slice(at + 2, close))
      from = close + 2
    } else if (close > at + 2)
      // Every '%{' before `close` ends at the same '}', so none of them matches either.
      from = close + 1
    else from = at + 1
  }
  scanWork.visited += s.length
  return out
}

/** `/\[.*\]/.test(s)`: a '[' and a later ']' on one line (was quadratic on '[[[[…'). */
export function hasBracketPair(s: string): boolean {
  let open = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === ']' && open) {
      scanWork.visited += i + 1
      return true
    }
    if (c === '[') open = true
    else if (isLineTerminator(c)) open = false
  }
  scanWork.visited += s.length
  return false
}

/** Where each line starts (0 and after each LineTerminator), as an `m`-flag `^` sees them. */
function* lineStarts(text: string, from: number, to: number): Generator<number> {
  yield from
  for (let i = from; i < to; i++) if (isLineTerminator(text[i])) yield i + 1
}

/**
 * `/^[ \t]*(?:reverse_proxy|…)\b[^;\n]*$/m.test(text)`, one line at a time: a line that starts with a
 * Caddy directive and has no ';' after it. (The whole-text regex backtracked over every line start.)
 */
export function hasCaddyLine(text: string, directive: RegExp): boolean {
  for (const s of lineStarts(text, 0, text.length)) {
    directive.lastIndex = s
    const m = directive.exec(text)
    if (!m) continue
    let i = s + m[0].length
    while (i < text.length && text[i] !== ';' && !isLineTerminator(text[i])) i++
    scanWork.visited += i - s
    if (i >= text.length || text[i] !== ';') return true
  }
  scanWork.visited += text.length
  return false
}

/**
 * `/^[ \t]*(?:proxy_pass|…)\b[^\n]*;[ \t]*(?:#.*)?$/m.test(text)`, one '\n' line at a time: a line start
 * (after any LineTerminator) with an nginx directive, and after it, before the next '\n', a ';' followed by
 * blanks and then a '#', a line end or the end. The regex ran `[^\n]*` from every start: quadratic on
 * 'listen\rlisten\r…'.
 */
export function hasNginxLine(text: string, directive: RegExp): boolean {
  let start = 0
  while (start <= text.length) {
    const eol = text.indexOf('\n', start)
    const end = eol < 0 ? text.length : eol
    const semicolon = lastClosingSemicolon(text, start, end)
    if (semicolon >= 0)
      for (const s of lineStarts(text, start, semicolon)) {
        directive.lastIndex = s
        const m = directive.exec(text)
        if (m && s + m[0].length <= semicolon) return true
      }
    scanWork.visited += end - start + 1
    if (eol < 0) break
    start = eol + 1
  }
  return false
}

/** The last ';' in text[start, end) followed by blanks and then '#', a LineTerminator or `end`; or -1. */
function lastClosingSemicolon(text: string, start: number, end: number): number {
  let tailOk = true
  for (let i = end - 1; i >= start; i--) {
    const c = text[i]
    if (c === ';' && tailOk) return i
    if (c !== ' ' && c !== '\t') tailOk = c === '#' || isLineTerminator(c)
  }
  return -1
}
