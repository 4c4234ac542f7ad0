/**
 * The Caddyfile lexer, a port of Caddy's own state machine
 * (https://github.com/caddyserver/caddy/blob/master/caddyconfig/caddyfile/lexer.go): words split on
 * Unicode space, `"…"` (only `\"` is an escape, other backslashes stay) and `` `…` `` (no escapes) quote
 * a word only at its start, `#` starts a comment only at a word's start, `\` + newline continues a line
 * (the next words keep the line number), `<<MARKER` + newline opens a heredoc whose closing marker's
 * indentation is stripped from every line. `{$VAR}` / `{$VAR:default}` are replaced before lexing, as
 * replaceEnvVars in parse.go does. One pass, bounded by the caller's word budget.
 */
import { ConfigError } from './nginx-parse.ts'

export interface CaddyToken {
  readonly text: string
  readonly file: string
  readonly line: number
  /** The quote that enclosed it: '"', '`', '<' (heredoc) or '' (bare). */
  readonly quote: '' | '"' | '`' | '<'
  /** Which import brought it (0: the file itself); tokens of two imports are never on one line. */
  readonly chain: number
}

export interface WordBudget {
  words: number
  readonly maxWords: number
}

const HEREDOC_MARKER = /^[A-Za-z0-9_-]+$/

/** `{$NAME}` → the default after `:` if given; without one the text stays (the value is unknown here). */
export function replaceEnvVars(input: string): string {
  let out = ''
  let pos = 0
  for (;;) {
    const begin = input.indexOf('{$', pos)
    if (begin < 0) break
    const end = input.indexOf('}', begin + 2)
    if (end < 0) break
    const body = input.slice(begin + 2, end)
    const colon = body.indexOf(':')
    out += input.slice(pos, begin)
    out += body.length > 0 && colon >= 0 ? body.slice(colon + 1) : input.slice(begin, end + 1)
    pos = end + 1
  }
  return out + input.slice(pos)
}

/** unicode.IsSpace: ASCII space and controls \t-\r, U+0085, U+00A0 and the Unicode White_Space letters. */
const isSpace = (c: string): boolean =>
  c === ' ' ||
  (c >= '\t' && c <= '\r') ||
  c === '\u0085' ||
  c === '\u00a0' ||
  (c > '\u00ff' && c !== '\ufeff' && /^\s$/u.test(c))

/** Every token of one file, in order. Throws ConfigError where Caddy's lexer fails. */
export function tokenize(rawText: string, file: string, budget: WordBudget, chain = 0): CaddyToken[] {
  const text = replaceEnvVars(rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText)
  const out: CaddyToken[] = []
  let pos = 0
  let line = 1
  let skipped = 0
  const fail = (m: string, at = line): never => {
    throw new ConfigError(m, file, at)
  }
  for (;;) {
    // One token: Caddy's next(), its state reset per token.
    let val = ''
    // val's first two characters and, in a heredoc, its last marker.length: startsWith/endsWith on the
    // growing string flattened it on every character (quadratic: a 320 KB word took 55 s).
    let head = ''
    let tail = ''
    const add = (s: string): void => {
      if (head.length < 2) head = (head + s).slice(0, 2)
      val += s
    }
    let comment = false
    let quoted = false
    let bt = false
    let inHeredoc = false
    let heredocEscaped = false
    let escaped = false
    let marker = ''
    let tokLine = line
    let made: CaddyToken | null = null
    const make = (q: CaddyToken['quote']): CaddyToken => {
      if (++budget.words > budget.maxWords) fail('too many words (more than cors-lens reads)')
      return { text: val, file, line: tokLine, quote: q, chain }
    }
    while (made === null) {
      if (pos >= text.length) {
        // Caddy makes a bare token of what it has, even inside an unclosed quote.
        if (val.length > 0) {
          if (inHeredoc) fail(`incomplete heredoc <<${marker}, expected ending marker ${marker}`)
          made = make('')
          break
        }
        return out
      }
      const ch = text[pos++] as string
      if (!quoted && !bt && !inHeredoc && !heredocEscaped && val.length > 1 && head === '<<') {
        if (ch === ' ') {
          made = make('')
          break
        }
        if (ch === '\r') continue
        if (ch === '\n') {
          if (val.length === 2) fail('missing opening heredoc marker')
          if (val.startsWith('<<<')) fail("too many '<' for heredoc; only use two, for example <<END")
          marker = val.slice(2)
          // Bounded so that the end check stays linear in the heredoc's length.
          if (marker.length > 64) fail('heredoc marker longer than cors-lens reads (64)')
          if (!HEREDOC_MARKER.test(marker))
            fail('heredoc marker must contain only alphanumeric characters, dashes and underscores')
          inHeredoc = true
          skipped++
          val = ''
          head = ''
          continue
        }
        add(ch)
        continue
      }
      if (inHeredoc) {
        add(ch)
        tail = (tail + ch).slice(-marker.length)
        if (ch === '\n') skipped++
        if (tail === marker) {
          val = finalizeHeredoc(val, marker, fail)
          line += skipped
          skipped = 0
          made = make('<')
        }
        continue
      }
      if (!escaped && !bt && ch === '\\') {
        escaped = true
        continue
      }
      if (quoted || bt) {
        if (quoted && escaped) {
          if (ch !== '"') add('\\')
          escaped = false
        } else if ((quoted && ch === '"') || (bt && ch === '`')) {
          made = make(quoted ? '"' : '`')
          break
        }
        if (ch === '\n') {
          line += 1 + skipped
          skipped = 0
        }
        add(ch)
        continue
      }
      if (isSpace(ch)) {
        if (ch === '\r') continue
        if (ch === '\n') {
          if (escaped) {
            skipped++
            escaped = false
          } else {
            line += 1 + skipped
            skipped = 0
          }
          comment = false
        }
        if (val.length > 0) {
          made = make('')
          break
        }
        continue
      }
      if (ch === '#' && val.length === 0) comment = true
      if (comment) continue
      if (val.length === 0) {
        tokLine = line
        if (ch === '"') {
          quoted = true
          continue
        }
        if (ch === '`') {
          bt = true
          continue
        }
      }
      if (escaped) {
        if (ch === '<') heredocEscaped = true
        else add('\\')
        escaped = false
      }
      add(ch)
    }
    out.push(made)
  }
}

/** The heredoc's lines with the closing marker's indentation removed (finalizeHeredoc in lexer.go). */
function finalizeHeredoc(val: string, marker: string, fail: (m: string) => never): string {
  const lastNewline = val.lastIndexOf('\n')
  const lines = val.slice(0, lastNewline + 1).split('\n')
  const padding = val.slice(lastNewline + 1, val.length - marker.length)
  let out = ''
  for (const l of lines.slice(0, -1)) {
    if (l === '' || l === '\r') {
      out += '\n'
      continue
    }
    if (!l.startsWith(padding))
      fail(
        `mismatched leading whitespace in heredoc <<${marker}, expected whitespace to match the closing marker`,
      )
    out += `${l.slice(padding.length)}\n`.replaceAll('\r', '')
  }
  return out.endsWith('\n') ? out.slice(0, -1) : out
}

/** Caddy's NumLineBreaks: a heredoc's opening and closing lines are not in its text. */
const lineBreaks = (t: CaddyToken): number => {
  let n = 0
  if (t.quote !== '') for (let i = t.text.indexOf('\n'); i >= 0; i = t.text.indexOf('\n', i + 1)) n++
  return t.quote === '<' ? n + 2 : n
}

/** isNextOnNewLine in lexer.go: another file or import, or a later line than where `a` ends. */
export function onNewLine(a: CaddyToken | null, b: CaddyToken): boolean {
  if (!a) return true
  if (a.file !== b.file || a.chain !== b.chain) return true
  return a.line + lineBreaks(a) < b.line
}
