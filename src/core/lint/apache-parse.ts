/**
 * Apache httpd's configuration grammar, read the way httpd reads it: one directive per logical line, a
 * `\` right before the line feed joins the next line (ap_cfg_getline_core in
 * https://github.com/apache/httpd/blob/trunk/server/util.c), leading and trailing space trimmed, a line
 * whose first character is `#` is a comment (ap_build_config_sub in
 * https://github.com/apache/httpd/blob/trunk/server/config.c: so `#` later on a line is not one), words
 * split by ap_getword_conf (a word that starts with `"` or `'` runs to the matching quote, `\` escapes only
 * that quote or `\`), `<Name args>` opens a section closed by `</Name>` (case-insensitive), `${VAR}` is a
 * `Define`d value, Include/IncludeOptional splice files in (globs; relative to ServerRoot). One pass, an
 * explicit stack (no recursion), bounded in depth, size and words. Files are read through a callback.
 */
import { ConfigError, type IncludeResolver, LIMITS, type SourceFile } from './nginx-parse.ts'
import { stripTrailingSlashes } from './scan.ts'

export interface ApacheDirective {
  /** As written; a section's name without `<` (`Location`). */
  readonly name: string
  /** Lower case, for comparisons (httpd matches directive names case-insensitively). */
  readonly key: string
  readonly args: readonly string[]
  readonly file: string
  readonly line: number
  /** A section's directives, or null for a simple directive. */
  readonly block: ApacheDirective[] | null
}

/** httpd's line limit for .htaccess files (HUGE_STRING_LEN in include/httpd.h). */
const HTACCESS_LINE_MAX = 8192
/** Directives whose values may end in `{` (the block check below must not refuse them). */
const FREE_VALUES = new Set([
  'header',
  'requestheader',
  'setenv',
  'setenvif',
  'setenvifnocase',
  'rewriterule',
  'rewritecond',
])
/** Sections that take no argument. */
const NO_ARGS = new Set(['else'])

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f'

/** ap_getword_conf over one logical line: the words, quotes removed. */
export function confWords(line: string): string[] {
  const out: string[] = []
  let i = 0
  const n = line.length
  for (;;) {
    while (i < n && isSpace(line[i])) i++
    if (i >= n) return out
    const q = line[i]
    let word = ''
    if (q === '"' || q === "'") {
      i++
      while (i < n && line[i] !== q) {
        const c = line[i] as string
        if (c === '\\' && (line[i + 1] === q || line[i + 1] === '\\')) {
          word += line[i + 1]
          i += 2
        } else {
          word += c
          i++
        }
      }
      if (i < n) i++
    } else {
      while (i < n && !isSpace(line[i])) {
        const c = line[i] as string
        if (c === '\\' && line[i + 1] === '\\') {
          word += '\\'
          i += 2
        } else {
          word += c
          i++
        }
      }
    }
    out.push(word)
  }
}

interface LogicalLine {
  readonly text: string
  readonly line: number
}

/** The logical lines of one file (continuations joined, trimmed, comments and blanks dropped). */
class LineReader {
  private pos = 0
  private physical = 0

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly maxLine: number,
  ) {}

  next(): LogicalLine | null {
    const s = this.text
    while (this.pos < s.length) {
      const start = this.physical + 1
      let joined = ''
      for (;;) {
        const eol = s.indexOf('\n', this.pos)
        let piece = s.slice(this.pos, eol < 0 ? s.length : eol)
        this.pos = eol < 0 ? s.length : eol + 1
        this.physical++
        if (piece.endsWith('\r')) piece = piece.slice(0, -1)
        const more = eol >= 0 && piece.endsWith('\\')
        joined += more ? piece.slice(0, -1) : piece
        if (joined.length > this.maxLine)
          throw new ConfigError(`line longer than httpd reads (${this.maxLine} bytes)`, this.file, start)
        if (!more) break
      }
      const t = trim(joined)
      if (t === '' || t.startsWith('#')) continue
      return { text: t, line: start }
    }
    return null
  }
}

function trim(s: string): string {
  let a = 0
  let b = s.length
  while (a < b && isSpace(s[a])) a++
  while (b > a && isSpace(s[b - 1])) b--
  return s.slice(a, b)
}

/** `${NAME}` replaced by a `Define`d value (ap_resolve_env); unknown names stay as written, as in httpd. */
function resolveDefines(line: string, defines: ReadonlyMap<string, string>): string {
  if (!line.includes('${')) return line
  let out = ''
  let i = 0
  while (i < line.length) {
    const at = line.indexOf('${', i)
    const end = at < 0 ? -1 : line.indexOf('}', at + 2)
    if (at < 0 || end < 0) break
    const value = defines.get(line.slice(at + 2, end))
    out += line.slice(i, at) + (value ?? line.slice(at, end + 1))
    i = end + 1
  }
  return out + line.slice(i)
}

interface Open {
  readonly name: string
  readonly list: ApacheDirective[]
  readonly line: number
}

interface Frame {
  readonly reader: LineReader
  readonly file: string
  readonly into: ApacheDirective[]
  readonly open: Open[]
}

export const isHtaccess = (file: string): boolean => /(^|[/\\])\.htaccess$/.test(file)

function checkText(f: SourceFile): void {
  for (let i = 0; i < f.text.length; i++) {
    const c = f.text.charCodeAt(i)
    if (c === 0 || c === 0xfffd) throw new ConfigError('not a text file (binary bytes)', f.file, 1)
  }
}

/** A relative Include path: under ServerRoot when the config set one, else next to the main file. */
function includePath(pattern: string, serverRoot: string | null): string {
  if (pattern.startsWith('/') || !serverRoot) return pattern
  return `${stripTrailingSlashes(serverRoot)}/${pattern}`
}

/**
 * Parses `main` and, through `resolve`, every file an Include names, into one tree where each Include is
 * replaced by the directives it brings (httpd splices them in the same way).
 */
export function parseApache(main: SourceFile, resolve: IncludeResolver): ApacheDirective[] {
  const budget = { bytes: 0, words: 0, files: 0 }
  const root: ApacheDirective[] = []
  const stack: Frame[] = []
  const defines = new Map<string, string>()
  let serverRoot: string | null = null
  let depth = 0
  const open = (f: SourceFile, into: ApacheDirective[], line: number, from: string): void => {
    if (++budget.files > LIMITS.maxFiles) throw new ConfigError('too many included files', from, line)
    budget.bytes += f.text.length
    if (budget.bytes > LIMITS.maxBytes)
      throw new ConfigError(`more than cors-lens reads (${LIMITS.maxBytes / 1024 / 1024} MB)`, f.file, 1)
    if (stack.some((s) => s.file === f.file)) throw new ConfigError(`"${f.file}" includes itself`, from, line)
    checkText(f)
    const maxLine = isHtaccess(f.file) ? HTACCESS_LINE_MAX : LIMITS.maxBytes
    stack.push({ reader: new LineReader(f.text, f.file, maxLine), file: f.file, into, open: [] })
  }
  open(main, root, 1, main.file)
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame
    const l = frame.reader.next()
    if (!l) {
      const unclosed = frame.open[frame.open.length - 1]
      if (unclosed) throw new ConfigError(`<${unclosed.name}> was not closed`, frame.file, unclosed.line)
      stack.pop()
      continue
    }
    const text = resolveDefines(l.text, defines)
    const fail = (m: string): never => {
      throw new ConfigError(m, frame.file, l.line)
    }
    const list = frame.open[frame.open.length - 1]?.list ?? frame.into
    const words = confWords(text)
    budget.words += words.length
    if (budget.words > LIMITS.maxWords) fail('too many words')
    const first = words[0] as string
    if (first.startsWith('</')) {
      closeSection(frame, first, fail)
      depth--
      continue
    }
    if (first.startsWith('<') && first.length > 1) {
      if (++depth > LIMITS.maxDepth) fail(`sections nested deeper than ${LIMITS.maxDepth}`)
      const d = openSection(text, first, frame.file, l.line, list, fail)
      list.push(d)
      frame.open.push({ name: d.name, list: d.block as ApacheDirective[], line: l.line })
      continue
    }
    const key = first.toLowerCase()
    const args = words.slice(1)
    if ((first === '}' || text.endsWith('{')) && !FREE_VALUES.has(key))
      fail(`Invalid command '${first}': a { } block (nginx or Caddy syntax), not Apache httpd's`)
    if (key === 'define' && args[0]) defines.set(args[0], args[1] ?? '')
    if (key === 'serverroot' && args[0]) serverRoot = args[0]
    if (key === 'include' || key === 'includeoptional') {
      if (args.length !== 1) fail(`${first} takes one argument`)
      const files = includeFiles(includePath(args[0] as string, serverRoot), frame.file, resolve)
      if (typeof files === 'string') {
        if (key === 'include') fail(files)
        continue
      }
      if (files.length === 0 && key === 'include' && /[*?[]/.test(args[0] as string))
        fail(`No matches for the wildcard '${args[0]}', failing`)
      for (const f of [...files].reverse()) open(f, list, l.line, frame.file)
      continue
    }
    if (key === 'header') {
      const bad = headerError(args)
      if (bad) fail(`Header: ${bad}`)
    }
    list.push({ name: first, key, args, file: frame.file, line: l.line, block: null })
  }
  return root
}

const HEADER_ACTIONS = new Set([
  'set',
  'setifempty',
  'add',
  'append',
  'merge',
  'unset',
  'echo',
  'edit',
  'edit*',
  'note',
])

/**
 * What mod_headers refuses in a Header line (header_cmd and header_inout_cmd in
 * https://github.com/apache/httpd/blob/trunk/modules/metadata/mod_headers.c), or null.
 */
export function headerError(args: readonly string[]): string | null {
  const a = [...args]
  if (/^(always|onsuccess)$/i.test(a[0] ?? '')) a.shift()
  if (a.length > 5) return 'too many arguments'
  const action = (a[0] ?? '').toLowerCase()
  if (!HEADER_ACTIONS.has(action))
    return "first argument must be 'add', 'set', 'setifempty', 'append', 'merge', 'unset', 'echo', 'note', 'edit', or 'edit*'."
  const edit = action === 'edit' || action === 'edit*'
  if (edit && a.length < 4) return 'Header edit requires a match and a substitution'
  if (!edit && a.length > 4) return 'Too many arguments to directive'
  const valueless = action === 'unset' || action === 'echo'
  if (valueless && a.length > 3) return `header ${action} takes two arguments`
  if (!valueless && a.length < 3) return 'Header requires three arguments'
  const clause = a[edit ? 4 : valueless ? 2 : 3]
  if (clause === undefined || /^early$/i.test(clause) || /^expr=/i.test(clause)) return null
  if (/^env=/i.test(clause)) return /^env=!?$/i.test(clause) ? 'missing environment variable name' : null
  return `Unknown parameter: ${clause}`
}

/** An Include of a directory reads every file in it (ap_process_fnmatch_configs). */
function includeFiles(path: string, from: string, resolve: IncludeResolver): readonly SourceFile[] | string {
  const found = resolve(path, from)
  if (typeof found === 'string' && found.includes('is a directory'))
    return resolve(`${stripTrailingSlashes(path)}/*`, from)
  return found
}

function openSection(
  text: string,
  first: string,
  file: string,
  line: number,
  siblings: readonly ApacheDirective[],
  fail: (m: string) => never,
): ApacheDirective {
  const name = first.slice(1).replace(/>$/, '')
  const key = name.toLowerCase()
  // The section's handler takes the text before the last '>' (ap_strrchr_c(arg, '>') in core.c).
  const rest = text.startsWith(first) ? text.slice(first.length) : ''
  const close = rest.lastIndexOf('>')
  if (close < 0 && !first.endsWith('>')) fail(`<${name}> directive missing closing '>'`)
  const args = confWords(close < 0 ? '' : rest.slice(0, close))
  if (args.length === 0 && !NO_ARGS.has(key)) fail(`<${name}> directive requires additional arguments`)
  if (args.length > 0 && NO_ARGS.has(key)) fail(`<${name}> does not take an argument`)
  if (key === 'else' || key === 'elseif') {
    // The last <If>-family section of the scope, other directives between them allowed (ap_add_if_conf).
    const prev = siblings.findLast((d) => d.key === 'if' || d.key === 'elseif' || d.key === 'else')
    if (!prev || prev.key === 'else')
      fail(`<${name}> section without previous <If> or <ElseIf> section in same scope`)
  }
  return { name, key, args, file, line, block: [] }
}

function closeSection(frame: Frame, first: string, fail: (m: string) => never): void {
  if (!first.endsWith('>')) fail(`${first}> directive missing closing '>'`)
  const name = first.slice(2, -1)
  const top = frame.open[frame.open.length - 1]
  if (!top) fail(`</${name}> without matching <${name}> section`)
  else if (top.name.toLowerCase() !== name.toLowerCase()) fail(`Expected </${top.name}> but saw </${name}>`)
  frame.open.pop()
}

/**
 * Whether a file is Apache's, from its name or its content alone (for `lint` without `--server`): an
 * Apache name, or section tags / Apache-only directives with no line ending in `;`, `{` or `}` (nginx and
 * Caddy blocks). Bounded: looks at the first 64 KB.
 */
export function looksLikeApache(f: SourceFile): boolean {
  if (isHtaccess(f.file) || /(^|\/)(httpd|apache2?)\.conf$/.test(f.file)) return true
  const head = f.text.slice(0, 65536)
  let apache = false
  for (const raw of head.split('\n')) {
    const t = trim(raw)
    if (t === '' || t.startsWith('#')) continue
    if (t.endsWith(';') || t.endsWith('{') || t.endsWith('}')) return false
    if (
      /^<\/?(VirtualHost|Location|LocationMatch|Directory|DirectoryMatch|Files|FilesMatch|If|IfModule|ElseIf|Else)\b/i.test(
        t,
      )
    )
      apache = true
    // Apache's names as its docs write them (Caddy's `header` is lower case).
    else if (
      /^(Header|RequestHeader|RewriteEngine|RewriteRule|RewriteCond|SetEnvIf|SetEnvIfNoCase|LoadModule|ProxyPass|ServerRoot|AllowOverride)\s/.test(
        t,
      )
    )
      apache = true
  }
  return apache
}
