/**
 * The Caddyfile's structure, read the way Caddy reads it
 * (https://github.com/caddyserver/caddy/blob/master/caddyconfig/caddyfile/parse.go): server blocks of
 * addresses (several, comma or space separated) with a `{…}` body (or none: one site, the rest of the
 * file), the global options block (the first block with no address), snippets `(name) {…}` and named
 * routes `&(name) {…}`, `import` of a snippet or a file (glob with at most one `*`) at a line's start with
 * `{args[N]}` / `{args[i:j]}` filled. Each segment (a directive to its line's end or its block's end) is
 * kept as a tree of directives. A token stream with a stack instead of splicing token arrays, so an
 * import costs what it brings; words, files, import depth and nesting are bounded.
 */
import { type CaddyToken, onNewLine, tokenize, type WordBudget } from './caddy-lex.ts'
import { ConfigError, type IncludeResolver, LIMITS, type SourceFile } from './nginx-parse.ts'
import { hasBracketPair } from './scan.ts'

export interface CaddyDirective {
  readonly name: string
  readonly args: string[]
  readonly file: string
  readonly line: number
  /** The block's directives, or null when the directive opens none. */
  block: CaddyDirective[] | null
}

export interface CaddySite {
  readonly keys: readonly string[]
  readonly file: string
  readonly line: number
  readonly directives: readonly CaddyDirective[]
  readonly namedRoute: boolean
}

export interface Caddyfile {
  /** The global options block, or null. */
  readonly global: readonly CaddyDirective[] | null
  readonly sites: readonly CaddySite[]
}

const MAX_IMPORT_DEPTH = 32

const isOpen = (t: CaddyToken): boolean => t.text === '{' && t.quote === ''
const isClose = (t: CaddyToken): boolean => t.text === '}' && t.quote === ''

/** The tokens, with Caddy's cursor: prev/cur, one step back, a look at the next. */
class Stream {
  private readonly frames: { toks: readonly CaddyToken[]; i: number }[] = []
  prev: CaddyToken | null = null
  cur: CaddyToken | null = null
  private prevPrev: CaddyToken | null = null
  private pending: CaddyToken | null = null

  constructor(toks: readonly CaddyToken[]) {
    this.frames.push({ toks, i: 0 })
  }

  private pull(): CaddyToken | null {
    while (this.frames.length > 0) {
      const f = this.frames[this.frames.length - 1] as { toks: readonly CaddyToken[]; i: number }
      if (f.i < f.toks.length) return f.toks[f.i++] as CaddyToken
      this.frames.pop()
    }
    return null
  }

  next(): boolean {
    const t = this.pending ?? this.pull()
    this.pending = null
    if (!t) return false
    this.prevPrev = this.prev
    this.prev = this.cur
    this.cur = t
    return true
  }

  /** Caddy's `cursor--`: the current token comes again from next(). */
  back(): void {
    this.pending = this.cur
    this.cur = this.prev
    this.prev = this.prevPrev
  }

  peek(): CaddyToken | null {
    if (this.pending) return this.pending
    for (let k = this.frames.length - 1; k >= 0; k--) {
      const f = this.frames[k] as { toks: readonly CaddyToken[]; i: number }
      if (f.i < f.toks.length) return f.toks[f.i] as CaddyToken
    }
    return null
  }

  /** Puts tokens before the rest; the next next() returns the first of them. */
  splice(toks: readonly CaddyToken[]): void {
    if (this.pending) {
      this.frames.push({ toks: [this.pending], i: 0 })
      this.pending = null
    }
    if (toks.length) this.frames.push({ toks, i: 0 })
  }

  isNewLine(): boolean {
    return this.cur ? onNewLine(this.prev, this.cur) : true
  }

  isNextOnNewLine(): boolean {
    const n = this.peek()
    return !n || !this.cur || onNewLine(this.cur, n)
  }
}

interface Block {
  keys: CaddyToken[]
  braces: boolean
  segments: CaddyDirective[]
}

class Parser {
  private readonly s: Stream
  private nesting = 0
  private readonly snippets = new Map<string, CaddyToken[]>()
  private readonly budget: WordBudget = { words: 0, maxWords: LIMITS.maxWords }
  private bytes = 0
  private files = 0
  private chains = 0
  private readonly chainDepth = new Map<number, number>([[0, 0]])

  constructor(
    private readonly main: SourceFile,
    private readonly resolve: IncludeResolver,
  ) {
    this.bytes = main.text.length
    checkText(main)
    this.s = new Stream(tokenize(main.text, main.file, this.budget))
  }

  private err(m: string, t: CaddyToken | null = this.s.cur): never {
    throw new ConfigError(m, t?.file ?? this.main.file, t?.line ?? 1)
  }

  parseAll(): Caddyfile {
    const blocks: Block[] = []
    while (this.s.next()) {
      const b = this.parseOne()
      if (b && (b.keys.length > 0 || b.segments.length > 0)) blocks.push(b)
      if (this.nesting > 0) this.err('unexpected EOF')
    }
    let global: CaddyDirective[] | null = null
    const sites: CaddySite[] = []
    blocks.forEach((b, i) => {
      if (b.keys.length === 0) {
        // httpcaddyfile's rule (caddyconfig/httpcaddyfile/httptype.go): only the first block may be keyless.
        if (i > 0)
          this.err(
            'server block without any key is global configuration, and if used, it must be first',
            null,
          )
        global = b.segments
        return
      }
      const k = b.keys[0] as CaddyToken
      sites.push({
        keys: b.keys.map((x) => x.text),
        file: k.file,
        line: k.line,
        directives: b.segments,
        namedRoute: b.keys.length === 1 && /^&\(.*\)$/.test(k.text),
      })
    })
    return { global, sites }
  }

  private parseOne(): Block | null {
    const b: Block = { keys: [], braces: false, segments: [] }
    if (!this.addresses(b)) return b
    const only = b.keys.length === 1 ? (b.keys[0] as CaddyToken).text : ''
    if (only.startsWith('(') && only.endsWith(')')) {
      const name = only.slice(1, -1)
      if (this.snippets.has(name)) this.err(`redeclaration of previously declared snippet ${name}`)
      this.snippets.set(name, this.blockTokens())
      return null
    }
    this.blockContents(b)
    return b
  }

  /** The addresses of a block; false at EOF after them (a file that is only addresses). */
  private addresses(b: Block): boolean {
    let expectingAnother = false
    for (;;) {
      const t = this.s.cur as CaddyToken
      if (t.text.startsWith('@'))
        this.err(
          `request matchers may not be defined globally, they must be in a site block; found ${t.text}`,
        )
      if (t.text === 'import' && this.s.isNewLine()) {
        this.doImport()
        if (!this.s.next()) return false
        continue
      }
      if (isClose(t)) this.err("Unexpected '}' because no matching opening brace")
      if (isOpen(t)) {
        if (expectingAnother) this.err("Expected another address but had '{' - check for extra comma")
        b.braces = true
        return true
      }
      if (t.text.endsWith('{') && t.quote === '')
        this.err(`Site addresses cannot end with a curly brace: '${t.text}'`)
      let v = t.text
      if (v !== '') {
        expectingAnother = v.endsWith(',')
        if (expectingAnother) v = v.slice(0, -1)
        if (v.includes(',')) this.err(`Site addresses cannot contain a comma ',': '${v}'`)
        if (v !== '') b.keys.push({ ...t, text: v })
      }
      const has = this.s.next()
      if (expectingAnother && !has) this.err('unexpected EOF')
      if (!has) return false
      if (!expectingAnother && this.s.isNewLine()) return true
    }
  }

  private blockContents(b: Block): void {
    const braces = isOpen(this.s.cur as CaddyToken)
    if (!braces) this.s.back()
    this.directives(b)
    if (braces && !(this.s.cur && isClose(this.s.cur))) this.err('syntax error: expected }')
  }

  private directives(b: Block): void {
    while (this.s.next()) {
      const t = this.s.cur as CaddyToken
      if (isClose(t)) return
      if (t.text === 'import') {
        this.doImport()
        continue
      }
      b.segments.push(this.directive())
    }
  }

  /** One segment, as a directive tree: new lines inside a block start its sub-directives. */
  private directive(): CaddyDirective {
    const first = this.s.cur as CaddyToken
    const root: CaddyDirective = {
      name: first.text,
      args: [],
      file: first.file,
      line: first.line,
      block: null,
    }
    let current = root
    const open: CaddyDirective[] = []
    while (this.s.next()) {
      const t = this.s.cur as CaddyToken
      // The order of Caddy's checks in directive(): each token meets the first that applies.
      if (isOpen(t)) {
        if (++this.nesting > LIMITS.maxDepth) this.err(`blocks nested deeper than ${LIMITS.maxDepth}`)
        if (!this.s.isNextOnNewLine()) this.err("Unexpected next token after '{' on same line")
        if (this.s.isNewLine())
          this.err("Unexpected '{' on a new line; did you mean to place the '{' on the previous line?")
        current.block = current.block ?? []
        open.push(current)
        continue
      }
      if (t.text === '{}' && t.quote === '') {
        if (this.s.isNextOnNewLine()) this.err("Unexpected '{}' at end of line")
      } else if (this.s.isNewLine() && this.nesting === 0) {
        this.s.back()
        break
      } else if (isClose(t)) {
        if (this.nesting === 0) this.err("Unexpected '}' because no matching opening brace")
        this.nesting--
        current = open.pop() as CaddyDirective
        continue
      } else if (t.text === 'import' && this.s.isNewLine()) {
        this.doImport()
        continue
      }
      if (this.s.isNewLine() && open.length > 0) {
        const owner = open[open.length - 1] as CaddyDirective
        current = { name: t.text, args: [], file: t.file, line: t.line, block: null }
        ;(owner.block as CaddyDirective[]).push(current)
        continue
      }
      current.args.push(t.text)
    }
    if (this.nesting > 0) this.err('unexpected EOF', first)
    return root
  }

  /** A snippet's tokens between its braces (blockTokens in parse.go). */
  private blockTokens(): CaddyToken[] {
    if (!isOpen(this.s.cur as CaddyToken)) this.err('syntax error: expected {')
    let nesting = 1
    const out: CaddyToken[] = []
    while (this.s.next()) {
      const t = this.s.cur as CaddyToken
      if (isClose(t) && --nesting === 0) return out
      if (isOpen(t)) nesting++
      out.push(t)
    }
    return this.err('syntax error: expected }')
  }

  /** `import PATTERN [ARGS…]`: the snippet's or the files' tokens come next, args filled. */
  private doImport(): void {
    const at = this.s.cur as CaddyToken
    const before = this.s.prev
    const words: string[] = []
    while (this.s.peek() && !onNewLine(this.s.cur, this.s.peek() as CaddyToken)) {
      this.s.next()
      words.push((this.s.cur as CaddyToken).text)
    }
    const [pattern, ...args] = words
    if (pattern === undefined) this.err("wrong argument count or unexpected line ending after 'import'", at)
    if (pattern === '') this.err('Import requires a non-empty filepath', at)
    if (isOpen(this.s.cur as CaddyToken)) this.err('cors-lens does not read import blocks ({block})', at)
    const depth = (this.chainDepth.get(at.chain) ?? 0) + 1
    if (depth > MAX_IMPORT_DEPTH)
      this.err(`imports nested deeper than ${MAX_IMPORT_DEPTH} (an import cycle?)`, at)
    const chain = ++this.chains
    this.chainDepth.set(chain, depth)
    const snippet = this.snippets.get(pattern)
    let toks: CaddyToken[]
    if (snippet) toks = snippet
    else {
      if (
        (pattern.match(/\*/g)?.length ?? 0) > 1 ||
        (pattern.match(/\?/g)?.length ?? 0) > 1 ||
        hasBracketPair(pattern)
      )
        this.err(`Glob pattern may only contain one wildcard (*), but has others: ${pattern}`, at)
      const found = this.resolve(pattern, at.file)
      if (typeof found === 'string') this.err(found, at)
      if (found.length === 0 && !/[*?[\]]/.test(pattern)) this.err(`File to import not found: ${pattern}`, at)
      toks = []
      for (const f of found) {
        if (++this.files > LIMITS.maxFiles) this.err('too many imported files', at)
        this.bytes += f.text.length
        if (this.bytes > LIMITS.maxBytes)
          this.err(`more than cors-lens reads (${LIMITS.maxBytes / 1024 / 1024} MB)`, at)
        checkText(f)
        toks.push(...tokenize(f.text, f.file, this.budget))
      }
    }
    const copy: CaddyToken[] = []
    for (const t of toks) {
      if (++this.budget.words > this.budget.maxWords)
        this.err('too many words (more than cors-lens reads)', at)
      const variadic = /^\{args\[(\d*):(\d*)\]\}$/.exec(t.text)
      if (variadic) {
        const from = variadic[1] ? Number(variadic[1]) : 0
        const to = variadic[2] ? Number(variadic[2]) : args.length
        for (const a of args.slice(from, to)) copy.push({ ...t, text: a, chain })
        continue
      }
      copy.push({ ...t, text: fillArgs(t.text, args), chain })
    }
    this.s.splice(copy)
    // The cursor stands before the first imported token, as after Caddy's splice.
    this.s.cur = before
  }
}

/** `{args[N]}` and the older `{args.N}` inside a token (importargs.go); unknown indexes become ''. */
function fillArgs(text: string, args: readonly string[]): string {
  if (!text.includes('{args')) return text
  return text.replace(/\{args(?:\[(\d+)\]|\.(\d+))\}/g, (_m, a, b) => args[Number(a ?? b)] ?? '')
}

/** Bytes no text config holds (NUL, most C0 controls): a binary file. */
function checkText(f: SourceFile): void {
  const n = Math.min(f.text.length, 64 * 1024)
  for (let i = 0; i < n; i++) {
    const c = f.text.charCodeAt(i)
    if (c === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c))
      throw new ConfigError('not a text file (binary bytes)', f.file, 1)
  }
}

/** Parses a Caddyfile and every file its imports reach (through `resolve`). Throws ConfigError. */
export function parseCaddyfile(main: SourceFile, resolve: IncludeResolver): Caddyfile {
  return new Parser(main, resolve).parseAll()
}
