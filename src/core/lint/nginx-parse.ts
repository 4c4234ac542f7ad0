/**
 * nginx's configuration grammar, read the way nginx reads it (ngx_conf_read_token in
 * https://github.com/nginx/nginx/blob/master/src/core/ngx_conf_file.c): words split on space/tab/CR/LF,
 * `;` ends a directive, `{` opens a block, `}` closes one, `#` starts a comment only where a word could
 * start, quotes only at a word's start, `\` escapes the next character, `${` inside a word is a variable
 * (not a block). One pass over the text, an explicit stack (no recursion), bounded in depth, size and words.
 * `include` is resolved through a callback, so the core never touches a file system.
 */

export interface NginxDirective {
  readonly name: string
  readonly args: readonly string[]
  readonly file: string
  readonly line: number
  /** The line of its `;` or `{`: where nginx reports an error in it. */
  readonly endLine: number
  /** The block's directives, or null for a simple directive. */
  readonly block: NginxDirective[] | null
}

export interface SourceFile {
  readonly file: string
  readonly text: string
}

/** A config nginx would refuse, or one too large for us: one line, with where. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`)
    this.name = 'ConfigError'
  }
}

export const LIMITS = {
  /** All files together: nginx configs are kilobytes; a dump of a big site is a few MB. */
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxWords: 2_000_000,
  maxFiles: 1_000,
} as const

/** Files an `include` pattern names (relative to `from`'s prefix), or a reason it cannot be read. */
export type IncludeResolver = (pattern: string, from: string) => readonly SourceFile[] | string

interface Budget {
  bytes: number
  words: number
  files: number
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n'

/** A word's characters after nginx's unescaping (\" \' \\ become the character; \t \r \n the control). */
function unescapeWord(raw: string): string {
  if (!raw.includes('\\')) return raw
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string
    const n = raw[i + 1]
    if (c === '\\' && n !== undefined) {
      if (n === '"' || n === "'" || n === '\\') {
        out += n
        i++
        continue
      }
      if (n === 't' || n === 'r' || n === 'n') {
        out += n === 't' ? '\t' : n === 'r' ? '\r' : '\n'
        i++
        continue
      }
    }
    out += c
  }
  return out
}

type Token =
  | { kind: 'word'; value: string; line: number }
  | { kind: ';' | '{' | '}'; line: number }
  | { kind: 'eof'; line: number }

/** The token reader of one file; nginx's state machine, one character at a time. */
class Lexer {
  private pos = 0
  line = 1
  private pendingEnd: Token | null = null
  private needSpace = false

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly budget: Budget,
  ) {}

  private fail(message: string, line = this.line): never {
    throw new ConfigError(message, this.file, line)
  }

  next(): Token {
    if (this.pendingEnd) {
      const t = this.pendingEnd
      this.pendingEnd = null
      return t
    }
    const s = this.text
    for (;;) {
      if (this.pos >= s.length) return { kind: 'eof', line: this.line }
      const c = s[this.pos] as string
      if (this.needSpace) {
        if (isSpace(c)) {
          this.needSpace = false
        } else if (c === ';' || c === '{') {
          this.needSpace = false
          this.pos++
          return { kind: c, line: this.line }
        } else if (c === ')') {
          this.needSpace = false
        } else {
          this.fail(`unexpected "${c}"`)
        }
      }
      if (c === '\n') {
        this.line++
        this.pos++
        continue
      }
      if (isSpace(c)) {
        this.pos++
        continue
      }
      if (c === ';' || c === '{' || c === '}') {
        this.pos++
        return { kind: c, line: this.line }
      }
      if (c === '#') {
        const nl = s.indexOf('\n', this.pos)
        this.pos = nl < 0 ? s.length : nl
        continue
      }
      return this.word()
    }
  }

  private word(): Token {
    const s = this.text
    const startLine = this.line
    if (++this.budget.words > LIMITS.maxWords) this.fail('too many words (more than cors-lens reads)')
    const quote = s[this.pos] === '"' || s[this.pos] === "'" ? (s[this.pos] as string) : null
    if (quote) this.pos++
    const start = this.pos
    let variable = false
    for (; this.pos < s.length; this.pos++) {
      const c = s[this.pos] as string
      // A line feed that ends an unquoted word is counted by next(), not here.
      if (c === '\n' && quote) this.line++
      if (c === '\\') {
        // The escaped character is taken as it is (a newline still counts as a line).
        if (s[this.pos + 1] === '\n') this.line++
        this.pos++
        variable = false
        continue
      }
      if (c === '{' && variable) continue
      variable = c === '$'
      if (quote) {
        if (c === quote) {
          const value = unescapeWord(s.slice(start, this.pos))
          this.pos++
          this.needSpace = true
          return { kind: 'word', value, line: startLine }
        }
        continue
      }
      if (isSpace(c) || c === ';' || c === '{') {
        return { kind: 'word', value: unescapeWord(s.slice(start, this.pos)), line: startLine }
      }
    }
    if (quote) this.fail('unexpected end of file, expecting ";" or "}"')
    return { kind: 'word', value: unescapeWord(s.slice(start, this.pos)), line: startLine }
  }
}

interface Frame {
  readonly lexer: Lexer
  readonly file: string
  /** Where this frame's directives go. */
  readonly into: NginxDirective[]
  /** Open blocks of this file: each the list the block's directives go to, and the directive's line. */
  readonly open: { list: NginxDirective[]; line: number }[]
}

/** Bytes that no text config holds: NUL and most C0 controls (a binary file, an image, a gzip). */
function checkText(f: SourceFile): void {
  const t = f.text
  const n = Math.min(t.length, 64 * 1024)
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i)
    if (c === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c))
      throw new ConfigError('not a text file (binary bytes)', f.file, 1)
  }
}

/**
 * Parses `main` and, through `resolve`, every file an `include` names, into one tree where each
 * `include` is replaced by the directives it brings (nginx splices them in the same way).
 */
export function parseNginx(main: SourceFile, resolve: IncludeResolver): NginxDirective[] {
  const budget: Budget = { bytes: 0, words: 0, files: 0 }
  const root: NginxDirective[] = []
  const stack: Frame[] = []
  let depth = 0
  const open = (f: SourceFile, into: NginxDirective[], line: number, from: string): void => {
    if (++budget.files > LIMITS.maxFiles) throw new ConfigError('too many included files', from, line)
    budget.bytes += f.text.length
    if (budget.bytes > LIMITS.maxBytes)
      throw new ConfigError(`more than cors-lens reads (${LIMITS.maxBytes / 1024 / 1024} MB)`, f.file, 1)
    if (stack.some((s) => s.file === f.file)) throw new ConfigError(`"${f.file}" includes itself`, from, line)
    checkText(f)
    stack.push({ lexer: new Lexer(f.text, f.file, budget), file: f.file, into, open: [] })
  }
  open(main, root, 1, main.file)
  let args: string[] = []
  let argsLine = 0
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame
    const t = frame.lexer.next()
    const list = frame.open[frame.open.length - 1]?.list ?? frame.into
    if (t.kind === 'word') {
      if (args.length === 0) argsLine = t.line
      args.push(t.value)
      continue
    }
    if (t.kind === 'eof') {
      if (args.length > 0)
        throw new ConfigError('unexpected end of file, expecting ";" or "}"', frame.file, t.line)
      if (frame.open.length > 0)
        throw new ConfigError('unexpected end of file, expecting "}"', frame.file, t.line)
      stack.pop()
      continue
    }
    if (t.kind === '}') {
      if (args.length > 0) throw new ConfigError('unexpected "}"', frame.file, t.line)
      if (frame.open.length === 0) throw new ConfigError('unexpected "}"', frame.file, t.line)
      frame.open.pop()
      depth--
      continue
    }
    const [name, ...rest] = args
    if (name === undefined) throw new ConfigError(`unexpected "${t.kind}"`, frame.file, t.line)
    args = []
    if (t.kind === '{') {
      if (++depth > LIMITS.maxDepth)
        throw new ConfigError(`blocks nested deeper than ${LIMITS.maxDepth}`, frame.file, argsLine)
      const block: NginxDirective[] = []
      list.push({ name, args: rest, file: frame.file, line: argsLine, endLine: t.line, block })
      frame.open.push({ list: block, line: argsLine })
      continue
    }
    if (name === 'include') {
      if (rest.length !== 1)
        throw new ConfigError('invalid number of arguments in "include" directive', frame.file, argsLine)
      const found = resolve(rest[0] as string, frame.file)
      if (typeof found === 'string') throw new ConfigError(found, frame.file, argsLine)
      // The first file read is the first in order: push them in reverse.
      for (const f of [...found].reverse()) open(f, list, argsLine, frame.file)
      continue
    }
    list.push({ name, args: rest, file: frame.file, line: argsLine, endLine: t.line, block: null })
  }
  checkContexts(root)
  return root
}

/** The http contexts a directive may be in ('sif'/'lif': an `if` in a server / a location). */
type Where = 'main' | 'http' | 'server' | 'location' | 'sif' | 'lif' | 'other'

interface Shape {
  readonly in: readonly Where[]
  readonly args: readonly [number, number]
  readonly block: boolean
}

/**
 * Where nginx allows the directives lint reasons about, and their arity: the ngx_command_t flags in
 * https://github.com/nginx/nginx/blob/master/src/http/modules/ngx_http_headers_filter_module.c (add_header:
 * MAIN|SRV|LOC|LIF, TAKE23), ngx_http_proxy_module.c (proxy_pass: LOC|LIF; proxy_hide_header: MAIN|SRV|LOC),
 * ngx_http_rewrite_module.c (if: SRV|LOC, return: SRV|SIF|LOC|LIF), ngx_http_core_module.c (location:
 * SRV|LOC, TAKE12), ngx_http_map_module.c (map: MAIN, TAKE2). nginx refuses them elsewhere at `nginx -t`.
 */
const SHAPES: Readonly<Record<string, Shape>> = {
  add_header: { in: ['http', 'server', 'location', 'lif'], args: [2, 3], block: false },
  proxy_hide_header: { in: ['http', 'server', 'location'], args: [1, 1], block: false },
  proxy_pass: { in: ['location', 'lif'], args: [1, 1], block: false },
  return: { in: ['server', 'sif', 'location', 'lif'], args: [1, 2], block: false },
  if: { in: ['server', 'location'], args: [1, Number.POSITIVE_INFINITY], block: true },
  location: { in: ['server', 'location'], args: [1, 2], block: true },
  map: { in: ['http'], args: [2, 2], block: true },
}

function inner(d: NginxDirective, where: Where): Where {
  if (where === 'main' && d.name === 'http') return 'http'
  if (where === 'http' && d.name === 'server') return 'server'
  if ((where === 'server' || where === 'location') && d.name === 'location') return 'location'
  if (d.name === 'if') return where === 'server' ? 'sif' : 'lif'
  return 'other'
}

/** nginx's "not allowed here", arity and `always` checks for the directives above; one pass, no recursion. */
function checkContexts(root: readonly NginxDirective[]): void {
  const work: { ds: readonly NginxDirective[]; where: Where }[] = [{ ds: root, where: 'main' }]
  while (work.length > 0) {
    const { ds, where } = work.pop() as (typeof work)[number]
    for (const d of ds) {
      const shape = where === 'other' ? undefined : SHAPES[d.name]
      const fail = (m: string): never => {
        throw new ConfigError(m, d.file, d.endLine)
      }
      if (shape) {
        if (!shape.in.includes(where)) fail(`"${d.name}" directive is not allowed here`)
        if (shape.block && !d.block) fail(`directive "${d.name}" has no opening "{"`)
        if (!shape.block && d.block) fail(`directive "${d.name}" is not terminated by ";"`)
        if (d.args.length < shape.args[0] || d.args.length > shape.args[1])
          fail(`invalid number of arguments in "${d.name}" directive`)
        if (d.name === 'add_header' && d.args.length === 3 && d.args[2] !== 'always')
          fail(`invalid parameter "${d.args[2]}"`)
      }
      if (d.block) work.push({ ds: d.block, where: where === 'other' ? 'other' : inner(d, where) })
    }
  }
}

const DUMP_MARK = '# configuration file '

/**
 * `nginx -T` output: each file after a `# configuration file PATH:` line
 * (ngx_dump_config in https://github.com/nginx/nginx/blob/master/src/core/nginx.c), or null when the
 * text is not a dump. The first file is the main one.
 */
export function splitNginxDump(text: string): SourceFile[] | null {
  if (!text.startsWith(DUMP_MARK)) {
    // nginx writes its "syntax is ok" lines to stderr; `2>&1` puts them first.
    const at = text.indexOf(`\n${DUMP_MARK}`)
    if (at < 0 || !/^nginx: /.test(text)) return null
    text = text.slice(at + 1)
  }
  const files: SourceFile[] = []
  let pos = 0
  while (pos < text.length) {
    const eol = text.indexOf('\n', pos)
    const header = text.slice(pos, eol < 0 ? text.length : eol)
    if (!header.startsWith(DUMP_MARK) || !header.endsWith(':')) return files.length ? files : null
    const file = header.slice(DUMP_MARK.length, -1)
    const bodyStart = eol < 0 ? text.length : eol + 1
    let next = text.indexOf(`\n${DUMP_MARK}`, bodyStart - 1)
    // A marker must be a whole line that ends with ':'.
    while (next >= 0) {
      const lineEnd = text.indexOf('\n', next + 1)
      const l = text.slice(next + 1, lineEnd < 0 ? text.length : lineEnd)
      if (l.endsWith(':')) break
      next = text.indexOf(`\n${DUMP_MARK}`, next + 1)
    }
    const end = next < 0 ? text.length : next + 1
    let body = text.slice(bodyStart, end)
    // nginx adds one line feed after each file's content before the next marker.
    if (next >= 0 && body.endsWith('\n\n')) body = body.slice(0, -1)
    files.push({ file, text: body })
    pos = end
  }
  return files.length ? files : null
}

/** `*`, `?` and `[…]` of glob(3) matched against one path, linear (no backtracking over segments). */
export function globMatch(pattern: string, path: string): boolean {
  // Classic two-pointer wildcard match; `*` does not cross '/'.
  let p = 0
  let s = 0
  let starP = -1
  let starS = -1
  while (s < path.length) {
    const pc = pattern[p]
    if (pc === '*') {
      starP = p++
      starS = s
      continue
    }
    if (pc !== undefined && (pc === '?' ? path[s] !== '/' : pc === path[s])) {
      p++
      s++
      continue
    }
    if (pc === '[') {
      const close = pattern.indexOf(']', p + 2)
      if (close > 0) {
        const set = pattern.slice(p + 1, close)
        const neg = set.startsWith('!') || set.startsWith('^')
        if (classHas(neg ? set.slice(1) : set, path[s] as string) !== neg) {
          p = close + 1
          s++
          continue
        }
      }
    }
    if (starP >= 0 && path[starS] !== '/') {
      p = starP + 1
      s = ++starS
      continue
    }
    return false
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}

function classHas(set: string, c: string): boolean {
  for (let i = 0; i < set.length; i++) {
    if (set[i + 1] === '-' && i + 2 < set.length) {
      if (c >= (set[i] as string) && c <= (set[i + 2] as string)) return true
      i += 2
    } else if (set[i] === c) return true
  }
  return false
}

export const hasGlob = (p: string): boolean => /[*?[]/.test(p)

/** Joins `pattern` to the prefix directory of the main file, as ngx_conf_full_name does for a relative path. */
export function fullName(pattern: string, mainFile: string): string {
  if (pattern.startsWith('/')) return pattern
  const slash = mainFile.lastIndexOf('/')
  return slash < 0 ? pattern : `${mainFile.slice(0, slash + 1)}${pattern}`
}

/** The resolver for a dump: includes name files that are in the dump (nginx dumped each one it read). */
export function dumpResolver(files: readonly SourceFile[]): IncludeResolver {
  const main = files[0]?.file ?? ''
  return (pattern) => {
    const full = fullName(pattern, main)
    if (!hasGlob(full)) {
      const f = files.find((x) => x.file === full)
      return f ? [f] : `open() "${full}" failed (not in the dump)`
    }
    return files.filter((x) => globMatch(full, x.file)).sort((a, b) => (a.file < b.file ? -1 : 1))
  }
}
