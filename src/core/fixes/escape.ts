/**
 * Escaping for every language a fix snippet is written in. A snippet is pasted into a config file or a
 * program, and what it interpolates (origin, methods, header names, paths, URLs) came from a website or a
 * HAR: a recipe puts untrusted text into a snippet ONLY through these functions.
 *
 * - `xxxString(s)`: a complete quoted literal of language xxx (quotes included) that reads back as exactly
 *   `s`, or, for the proxies' config languages that cannot say some characters, `null`.
 * - `isToken` / `gateTokens`: header names and methods must be RFC 9110 tokens; the rest is dropped.
 * - `commentText(s)`: `s` made safe inside a line comment of any language here (no line break, no
 *   backslash, printable ASCII, bounded); `droppedNote` says in a comment what was dropped and why.
 *
 * Each function is one linear pass over its input. The adversarial suite parses every snippet with the
 * language's own checker (node --check, python3 -m py_compile, nginx -t, apache2 -t, caddy adapt, varnishd -C, javac).
 */

import { isToken } from '../fetch-rules.ts'

/** Splits names into the tokens a snippet may carry and the rest, dropped (unique, order kept). */
export function gateTokens(names: readonly string[]): { kept: string[]; dropped: string[] } {
  const kept = new Set<string>()
  const dropped = new Set<string>()
  for (const n of names) (isToken(n) ? kept : dropped).add(n)
  return { kept: [...kept], dropped: [...dropped] }
}

const hex4 = (c: number): string => c.toString(16).padStart(4, '0')

/**
 * Replaces each UTF-16 code unit matching `escape` by `replace(unit)`; one pass, no regex. The shared core
 * of the string escapers below.
 */
function mapUnits(s: string, replace: (c: number) => string | null): string {
  let out = ''
  let from = 0
  for (let i = 0; i < s.length; i++) {
    const r = replace(s.charCodeAt(i))
    if (r === null) continue
    out += s.slice(from, i) + r
    from = i + 1
  }
  return from === 0 ? s : out + s.slice(from)
}

/** Controls, DEL, every non-ASCII unit (line separators, bidi controls, lone surrogates) as \uXXXX. */
const unicodeEscape = (c: number): string | null => (c < 0x20 || c >= 0x7f ? `\\u${hex4(c)}` : null)

/** JavaScript single-quoted string (also fine in TypeScript and inside an ES module). */
export function jsString(s: string): string {
  return `'${mapUnits(s, (c) => (c === 0x27 ? "\\'" : c === 0x5c ? '\\\\' : unicodeEscape(c)))}'`
}

/** JSON string; also a YAML double-quoted scalar and a C# regular string literal. ASCII only. */
export function jsonString(s: string): string {
  return `"${mapUnits(s, (c) => (c === 0x22 ? '\\"' : c === 0x5c ? '\\\\' : unicodeEscape(c)))}"`
}

/** Python str literal (double quotes; \uXXXX is a str escape in Python 3). */
export const pythonString = jsonString

/** C# regular string literal. */
export const csharpString = jsonString

/**
 * Java string literal. Java turns \uXXXX into characters before it lexes, so a "\u0022" would close the
 * string: controls and the quote/backslash use octal or letter escapes; only non-ASCII (never syntax) uses \u.
 */
export function javaString(s: string): string {
  return `"${mapUnits(s, (c) => {
    if (c === 0x22) return '\\"'
    if (c === 0x5c) return '\\\\'
    if (c < 0x20 || c === 0x7f) return `\\${c.toString(8).padStart(3, '0')}`
    return c > 0x7f ? `\\u${hex4(c)}` : null
  })}"`
}

/** Ruby single-quoted string: no interpolation at all; only \\ and \' are escapes. */
export function rubyString(s: string): string {
  return `'${mapUnits(s, (c) => (c === 0x27 ? "\\'" : c === 0x5c ? '\\\\' : null))}'`
}

/** What a terminal acts on when a pasted line carries it raw: C0, DEL, C1, line separators, bidi controls. */
function isTerminalControl(c: number): boolean {
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true
  return (
    c === 0x061c ||
    c === 0x200e ||
    c === 0x200f ||
    (c >= 0x2028 && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  )
}

/**
 * POSIX shell word in single quotes (for curl and cors-lens command lines). A value with a terminal control
 * (a page may put ESC in a header) is written as bash/zsh $'…' instead, the control as \xHH or \uHHHH:
 * pasted raw it would act on the terminal (end a bracketed paste, run the line).
 */
export function shellWord(s: string): string {
  let control = false
  for (let i = 0; i < s.length && !control; i++) control = isTerminalControl(s.charCodeAt(i))
  if (!control) return `'${mapUnits(s, (c) => (c === 0x27 ? "'\\''" : null))}'`
  const dollarQuoted = (c: number): string | null => {
    if (c === 0x27 || c === 0x5c) return `\\${String.fromCharCode(c)}`
    if (!isTerminalControl(c)) return null
    return c < 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${hex4(c)}`
  }
  return `$'${mapUnits(s, dollarQuoted)}'`
}

/**
 * A double-quoted argument of nginx, Apache or Caddy, or null when `s` cannot be one. Their escaping differs
 * (Apache and Caddy keep a backslash unless a quote follows it; nginx unescapes \\), so nothing is escaped:
 * printable ASCII only, no `"`, no backslash before the closing quote, and no `forbidden` character.
 */
function plainQuoted(s: string, forbidden: (c: number) => boolean): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c >= 0x7f || c === 0x22 || forbidden(c)) return null
  }
  return s.endsWith('\\') ? null : `"${s}"`
}

/** nginx double-quoted argument; null on `$` (nginx reads a variable and has no escape for it). */
export function nginxString(s: string): string | null {
  return plainQuoted(s, (c) => c === 0x24)
}

/** Apache double-quoted argument that is not a format string (SetEnvIf's regex). */
export function apacheString(s: string): string | null {
  return plainQuoted(s, () => false)
}

/** Apache double-quoted `Header` value: `%` doubled (mod_headers reads %x as a format). */
export function apacheHeaderValue(s: string): string | null {
  return apacheString(s)?.replaceAll('%', '%%') ?? null
}

/** Caddyfile double-quoted token; null on `{` or `}` (placeholders). */
export function caddyString(s: string): string | null {
  return plainQuoted(s, (c) => c === 0x7b || c === 0x7d)
}

/** HAProxy double-quoted log-format argument: null on `$` (environment variables) or `\\`; `%` doubled. */
export const haproxyString = (s: string): string | null =>
  plainQuoted(s, (c) => c === 0x24 || c === 0x5c)?.replaceAll('%', '%%') ?? null

/**
 * VCL string literal, or null. VCL has no escapes at all: a "…" string holds no `"` and no line break; a
 * long string {"…"} holds anything but NUL and ends at the first `"}`
 * (https://varnish-cache.org/docs/7.1/reference/vcl.html#strings). Printable ASCII only, as header values.
 */
export function vclString(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c >= 0x7f) return null
  }
  if (!s.includes('"')) return `"${s}"`
  return s.includes('"}') ? null : `{"${s}"}`
}

const COMMENT_MAX = 80

/** Closes a comment or a string somewhere (`?>` ends PHP even inside a comment): never quoted in a note. */
const COMMENT_UNSAFE: ReadonlySet<number> = new Set([0x5c, 0x22, 0x27, 0x60, 0x3c, 0x3e])

/**
 * Text safe inside a line comment of every language here: printable ASCII without backslash, quotes or
 * angle brackets, at most 80 chars.
 */
export function commentText(s: string): string {
  const cut = s.length > COMMENT_MAX ? `${s.slice(0, COMMENT_MAX)}...` : s
  return mapUnits(cut, (c) => (c < 0x20 || c >= 0x7f || COMMENT_UNSAFE.has(c) ? '?' : null))
}

/** A comment line saying what was left out of the snippet and why. */
export function droppedNote(comment: '#' | '//', what: string, value: string, why: string): string {
  return `${comment} CORS Lens left out ${what} "${commentText(value)}": ${why}.`
}

/** Why a name is dropped: one phrase, used in every note. */
export const NOT_A_TOKEN = 'not an HTTP token (RFC 9110 section 5.6.2), so no browser sends it'

/** A comment line naming tokens a recipe left out of its lists (values a server sent), or nothing. */
export function droppedTokensNote(comment: '#' | '//', dropped: readonly string[]): string[] {
  if (dropped.length === 0) return []
  const shown = dropped.map((d) => `"${commentText(d)}"`).join(', ')
  return [`${comment} CORS Lens left out ${shown}: ${NOT_A_TOKEN}.`]
}

/** PHP single-quoted string: only \ and ' are special there. */
export function phpString(s: string): string {
  return `'${mapUnits(s, (c) => (c === 0x27 ? "\\'" : c === 0x5c ? '\\\\' : null))}'`
}

/** Go interpreted string literal: JSON's escapes (\uXXXX for all non-ASCII) are Go escapes too. */
export const goString = jsonString

/** YAML double-quoted scalar: a JSON string is one. */
export const yamlString = jsonString
