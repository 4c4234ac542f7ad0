/**
 * What a Caddyfile site does to a response: its `header` operations (headers/caddyfile.go in
 * https://github.com/caddyserver/caddy/blob/master/modules/caddyhttp/headers/caddyfile.go: a bare field
 * sets, `+` adds, `-` deletes and defers the whole handler, `?` sets only if absent (a separate handler that
 * waits for the response), `>` sets deferred, `defer` defers), its named matchers, and its scopes (the site,
 * `handle`/`handle_path`/`handle_errors`, `route`). Outside `route`, directives run in Caddy's directive
 * order (https://github.com/caddyserver/caddy/blob/master/caddyconfig/httpcaddyfile/directives.go:
 * header before redir before handle/route before respond/reverse_proxy), so a `header` runs before any
 * terminal handler of its scope whatever the line order; inside `route` they run as written.
 */
import type { CaddyDirective, CaddySite } from './caddy-parse.ts'

export interface Matcher {
  readonly name: string
  readonly at: CaddyDirective
  /** The methods it requires (upper case), or null for no method condition; `not method …` is notMethods. */
  readonly methods: readonly string[] | null
  readonly notMethods: readonly string[]
  /** `header Origin …` / `header_regexp … Origin …` / an expression naming the Origin: an allow-list. */
  readonly checksOrigin: boolean
  readonly hasPath: boolean
}

/** A directive's matcher token: none (every request), `*`, a path, or `@name`. */
export type MatcherRef = { kind: 'all' } | { kind: 'path'; path: string } | { kind: 'named'; name: string }

export interface HeaderOp {
  readonly op: 'set' | 'add' | 'delete' | 'default' | 'replace'
  readonly name: string
  readonly value: string
  readonly at: CaddyDirective
}

export interface HeaderHandler {
  readonly at: CaddyDirective
  readonly matcher: MatcherRef
  readonly ops: readonly HeaderOp[]
  /** Applied when the response is written (defer, `>`, a delete, `?`): not on errors Caddy makes itself. */
  readonly deferred: boolean
}

export type TerminalKind =
  | 'respond'
  | 'redir'
  | 'reverse_proxy'
  | 'file_server'
  | 'error'
  | 'abort'
  | 'php_fastcgi'

export interface Terminal {
  readonly kind: TerminalKind
  readonly at: CaddyDirective
  readonly matcher: MatcherRef
  /** reverse_proxy: the response header fields its header_down deletes (lower case, `*` wildcards kept). */
  readonly downDeletes: readonly string[]
}

export interface Scope {
  readonly kind: 'site' | 'handle' | 'handle_path' | 'handle_errors' | 'route'
  readonly at: CaddyDirective | null
  readonly matcher: MatcherRef
  readonly parent: Scope | null
  /** Its directives in the order they run (route: as written; otherwise header first, terminals last). */
  readonly steps: readonly (
    | { kind: 'header'; h: HeaderHandler }
    | { kind: 'terminal'; t: Terminal }
    | { kind: 'scope'; s: Scope }
  )[]
}

export interface SiteModel {
  readonly site: CaddySite
  readonly matchers: ReadonlyMap<string, Matcher>
  readonly root: Scope
  readonly scopes: readonly Scope[]
}

const TERMINALS = new Set<string>([
  'respond',
  'redir',
  'reverse_proxy',
  'file_server',
  'error',
  'abort',
  'php_fastcgi',
])
const SCOPES = new Set<string>(['handle', 'handle_path', 'handle_errors', 'route'])

/** ExtractMatcherSet: the first argument is a matcher if it is `*`, starts with `/` or with `@`. */
export function matcherOf(d: CaddyDirective): { ref: MatcherRef; rest: string[] } {
  const a = d.args[0]
  if (a === '*') return { ref: { kind: 'all' }, rest: d.args.slice(1) }
  if (a?.startsWith('/')) return { ref: { kind: 'path', path: a }, rest: d.args.slice(1) }
  if (a?.startsWith('@')) return { ref: { kind: 'named', name: a.slice(1) }, rest: d.args.slice(1) }
  return { ref: { kind: 'all' }, rest: d.args }
}

const mentionsOrigin = (s: string): boolean => /origin/i.test(s)

/** One matcher line (`method GET POST`, `header Origin x`, `not …`, `expression …`) into the matcher. */
function readCondition(
  name: string,
  args: readonly string[],
  m: { methods: string[] | null; notMethods: string[]; checksOrigin: boolean; hasPath: boolean },
  negated: boolean,
): void {
  if (name === 'method') {
    const ms = args.map((x) => x.toUpperCase())
    if (negated) m.notMethods.push(...ms)
    else m.methods = [...(m.methods ?? []), ...ms]
  } else if (name === 'header' && args[0]?.toLowerCase() === 'origin') m.checksOrigin = !negated
  else if (name === 'header_regexp' && args.some((a) => a.toLowerCase() === 'origin'))
    m.checksOrigin = !negated
  else if (name === 'expression' && args.some(mentionsOrigin)) m.checksOrigin = true
  else if (name === 'path' || name === 'path_regexp') m.hasPath = !negated
}

function readMatcher(d: CaddyDirective): Matcher {
  const m = {
    methods: null as string[] | null,
    notMethods: [] as string[],
    checksOrigin: false,
    hasPath: false,
  }
  const lines: { name: string; args: string[]; block: CaddyDirective[] | null }[] = []
  if (d.args.length > 0) {
    const [first, ...rest] = d.args
    // `@name "expr"`: one quoted argument is a CEL expression (Caddy ≥ 2.5).
    if (d.args.length === 1 && !d.block) lines.push({ name: 'expression', args: d.args, block: null })
    else lines.push({ name: first as string, args: rest, block: d.block })
  } else for (const x of d.block ?? []) lines.push({ name: x.name, args: x.args, block: x.block })
  for (const l of lines) {
    if (l.name === 'not') {
      if (l.args.length > 0) readCondition(l.args[0] as string, l.args.slice(1), m, true)
      for (const x of l.block ?? []) readCondition(x.name, x.args, m, true)
    } else readCondition(l.name, l.args, m, false)
  }
  return { name: d.name.slice(1), at: d, ...m }
}

/** A `header` directive as Caddy's adapter makes it: one handler, and one more for its `?` fields. */
export function headerHandlers(d: CaddyDirective): HeaderHandler[] {
  const { ref, rest } = matcherOf(d)
  const ops: HeaderOp[] = []
  const requireOps: HeaderOp[] = []
  let deferred = false
  const add = (field: string, value: string, replacement: string | undefined, at: CaddyDirective): void => {
    // Caddy drops a trailing colon ("Field: value", curl style) in the block form only.
    const f = at === d ? field : field.replace(/:$/, '')
    const c = f[0]
    if (replacement !== undefined && c !== '-')
      ops.push({ op: 'replace', name: f.replace(/^[+?>]/, ''), value, at })
    else if (c === '+') ops.push({ op: 'add', name: f.slice(1), value, at })
    else if (c === '-') {
      ops.push({ op: 'delete', name: f.slice(1), value: '', at })
      deferred = true
    } else if (c === '?') requireOps.push({ op: 'default', name: f.slice(1), value, at })
    else if (c === '>') {
      ops.push({ op: 'set', name: f.slice(1), value, at })
      deferred = true
    } else ops.push({ op: 'set', name: f, value, at })
  }
  if (rest.length > 0) add(rest[0] as string, rest[1] ?? '', rest[2], d)
  for (const x of d.block ?? []) {
    if (x.name === 'defer') deferred = true
    else if (x.name === 'match') deferred = true
    else add(x.name, x.args[0] ?? '', x.args[1], x)
  }
  const out: HeaderHandler[] = []
  if (ops.length > 0 || deferred) out.push({ at: d, matcher: ref, ops, deferred })
  if (requireOps.length > 0) out.push({ at: d, matcher: ref, ops: requireOps, deferred: true })
  return out
}

function terminal(d: CaddyDirective): Terminal {
  const { ref } = matcherOf(d)
  const downDeletes: string[] = []
  if (d.name === 'reverse_proxy')
    for (const x of d.block ?? [])
      if (x.name === 'header_down' && x.args[0]?.startsWith('-'))
        downDeletes.push(x.args[0].slice(1).toLowerCase())
  return { kind: d.name as TerminalKind, at: d, matcher: ref, downDeletes }
}

type Step = Scope['steps'][number]

/** A scope's steps in the order Caddy runs them. */
function buildScope(
  kind: Scope['kind'],
  at: CaddyDirective | null,
  ds: readonly CaddyDirective[],
  parent: Scope | null,
  matchers: Map<string, Matcher>,
  all: Scope[],
): Scope {
  const steps: Step[] = []
  const scope: Scope = { kind, at, matcher: at ? matcherOf(at).ref : { kind: 'all' }, parent, steps }
  all.push(scope)
  const work: { d: CaddyDirective; rank: number }[] = []
  for (const d of ds) {
    if (d.name.startsWith('@')) {
      matchers.set(d.name.slice(1), readMatcher(d))
      continue
    }
    const rank =
      d.name === 'header'
        ? 0
        : d.name === 'redir'
          ? 1
          : SCOPES.has(d.name)
            ? 2
            : TERMINALS.has(d.name)
              ? 3
              : -1
    if (rank >= 0) work.push({ d, rank })
  }
  // Array.prototype.sort is stable: same-rank directives keep their line order.
  if (kind !== 'route') work.sort((a, b) => a.rank - b.rank)
  for (const { d } of work) {
    if (d.name === 'header') for (const h of headerHandlers(d)) steps.push({ kind: 'header', h })
    else if (SCOPES.has(d.name))
      steps.push({
        kind: 'scope',
        s: buildScope(d.name as Scope['kind'], d, d.block ?? [], scope, matchers, all),
      })
    else steps.push({ kind: 'terminal', t: terminal(d) })
  }
  return scope
}

export function siteModel(site: CaddySite): SiteModel {
  const matchers = new Map<string, Matcher>()
  const scopes: Scope[] = []
  const root = buildScope('site', null, site.directives, null, matchers, scopes)
  return { site, matchers, root, scopes }
}

/** The request a rule reasons about: a preflight (OPTIONS) or the actual request (GET, PUT, …). */
export type RequestKind = 'preflight' | 'actual'

/** Whether a matcher can let this kind of request in (unknown conditions: yes). */
export function admits(model: SiteModel, ref: MatcherRef, kind: RequestKind): boolean {
  if (ref.kind !== 'named') return true
  const m = model.matchers.get(ref.name)
  if (!m) return true
  const isOptions = (ms: readonly string[]): boolean => ms.includes('OPTIONS')
  if (kind === 'preflight') return (m.methods === null || isOptions(m.methods)) && !isOptions(m.notMethods)
  return m.methods === null || m.methods.some((x) => x !== 'OPTIONS')
}

/** Only preflights: a named matcher whose methods are just OPTIONS. */
export function onlyPreflight(model: SiteModel, ref: MatcherRef): boolean {
  if (ref.kind !== 'named') return false
  const m = model.matchers.get(ref.name)
  return !!m?.methods && m.methods.length > 0 && m.methods.every((x) => x === 'OPTIONS')
}

const ancestors = (s: Scope): Scope[] => {
  const out: Scope[] = []
  for (let p: Scope | null = s; p; p = p.parent) out.unshift(p)
  return out
}

/**
 * The header handlers that run before `target` (a terminal in `scope`) for this kind of request: those of
 * the enclosing scopes before the step that leads to it, and those of its own scope before it.
 */
export function headersBefore(
  model: SiteModel,
  scope: Scope,
  target: Step,
  kind: RequestKind,
): HeaderHandler[] {
  const chain = ancestors(scope)
  const out: HeaderHandler[] = []
  chain.forEach((s, i) => {
    const until: Step | undefined =
      i === chain.length - 1 ? target : s.steps.find((x) => x.kind === 'scope' && x.s === chain[i + 1])
    for (const st of s.steps) {
      if (st === until) break
      if (st.kind === 'header' && admits(model, st.h.matcher, kind)) out.push(st.h)
      // A handle/route with no terminal of its own passes the request on, its headers set.
      if (
        st.kind === 'scope' &&
        st.s.kind !== 'handle_errors' &&
        passesOn(st.s) &&
        admits(model, st.s.matcher, kind)
      )
        for (const x of st.s.steps) if (x.kind === 'header' && admits(model, x.h.matcher, kind)) out.push(x.h)
    }
  })
  return out
}

const passesOn = (s: Scope): boolean => !s.steps.some((x) => x.kind === 'terminal' || x.kind === 'scope')

export const isCorsName = (n: string): boolean => n.toLowerCase().startsWith('access-control-')

/** A delete pattern of Caddy's (`*` as prefix or suffix wildcard) covering this field. */
export function deletes(pattern: string, field: string): boolean {
  const p = pattern.toLowerCase()
  const f = field.toLowerCase()
  if (p === '*') return true
  if (p.startsWith('*') && p.endsWith('*') && p.length > 1) return f.includes(p.slice(1, -1))
  if (p.endsWith('*')) return f.startsWith(p.slice(0, -1))
  if (p.startsWith('*')) return f.endsWith(p.slice(1))
  return p === f
}

/** Every terminal of the site with its scope, outer scopes first. */
export function terminals(model: SiteModel): { scope: Scope; step: Step & { kind: 'terminal' } }[] {
  const out: { scope: Scope; step: Step & { kind: 'terminal' } }[] = []
  for (const s of model.scopes)
    for (const st of s.steps) if (st.kind === 'terminal') out.push({ scope: s, step: st })
  return out
}

export function describeScope(s: Scope): string {
  if (!s.at) return 'the site'
  return `${s.at.name}${s.at.args.length ? ` ${s.at.args.join(' ')}` : ''} (${s.at.file}:${s.at.line})`
}
