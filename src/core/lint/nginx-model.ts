/**
 * The response contexts of an nginx config (http → server → location → nested location / `if` in
 * location) and what nginx applies in each: the add_header lines after inheritance (an inner level with
 * any add_header drops every inherited one; add_header_inherit off|merge from 1.29.3,
 * https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header_inherit), proxy_hide_header
 * (inherited the same way, ngx_http_proxy_merge_loc_conf), proxy_pass (an `if` keeps its location's).
 */
import type { NginxDirective } from './nginx-parse.ts'

export interface HeaderLine {
  readonly name: string
  readonly value: string
  readonly always: boolean
  readonly at: NginxDirective
}

export interface NginxContext {
  readonly kind: 'http' | 'server' | 'location' | 'if'
  readonly at: NginxDirective | null
  readonly parent: NginxContext | null
  readonly own: readonly HeaderLine[]
  readonly headers: readonly HeaderLine[]
  readonly hides: ReadonlySet<string>
  readonly proxyPass: boolean
  readonly inherit: 'on' | 'off' | 'merge'
  readonly directives: readonly NginxDirective[]
  /** Its `if` conditions and the enclosing ones (the words between the parentheses). */
  readonly conditions: readonly string[]
}

function headerLines(ds: readonly NginxDirective[]): HeaderLine[] {
  const out: HeaderLine[] = []
  for (const d of ds) {
    if (d.name !== 'add_header' || d.args.length < 2) continue
    out.push({
      name: d.args[0] as string,
      value: d.args[1] as string,
      always: d.args[2] === 'always',
      at: d,
    })
  }
  return out
}

function makeContext(
  kind: NginxContext['kind'],
  at: NginxDirective | null,
  ds: readonly NginxDirective[],
  parent: NginxContext | null,
): NginxContext {
  const own = headerLines(ds)
  const inheritDirective = ds.find((d) => d.name === 'add_header_inherit')?.args[0]
  const inherit =
    inheritDirective === 'off' || inheritDirective === 'merge' || inheritDirective === 'on'
      ? inheritDirective
      : (parent?.inherit ?? 'on')
  const inherited = parent?.headers ?? []
  const headers =
    inherit === 'merge' ? [...inherited, ...own] : own.length > 0 || inherit === 'off' ? own : inherited
  const ownHides = ds
    .filter((d) => d.name === 'proxy_hide_header')
    .map((d) => (d.args[0] ?? '').toLowerCase())
  const hides = ownHides.length > 0 ? new Set(ownHides) : (parent?.hides ?? new Set<string>())
  const ownPass = ds.some((d) => d.name === 'proxy_pass')
  const proxyPass = ownPass || (kind === 'if' && (parent?.proxyPass ?? false))
  const conditions = [...(parent?.conditions ?? []), ...(kind === 'if' && at ? [at.args.join(' ')] : [])]
  return { kind, at, parent, own, headers, hides, proxyPass, inherit, directives: ds, conditions }
}

/** Every context in the config, outer ones first. */
export function nginxContexts(root: readonly NginxDirective[]): NginxContext[] {
  const out: NginxContext[] = []
  const work: { ds: readonly NginxDirective[]; parent: NginxContext | null }[] = []
  for (const d of root) if (d.name === 'http' && d.block) work.push({ ds: d.block, parent: null })
  // http first; then walk iteratively (depth is bounded by the parser, but no recursion anyway).
  const httpAt = root.find((d) => d.name === 'http') ?? null
  const queue: {
    kind: NginxContext['kind']
    at: NginxDirective | null
    ds: readonly NginxDirective[]
    parent: NginxContext | null
  }[] = work.map((w) => ({ kind: 'http' as const, at: httpAt, ds: w.ds, parent: null }))
  while (queue.length > 0) {
    const item = queue.shift() as (typeof queue)[number]
    const ctx = makeContext(item.kind, item.at, item.ds, item.parent)
    out.push(ctx)
    for (const d of item.ds) {
      if (!d.block) continue
      if (d.name === 'server' && item.kind === 'http')
        queue.push({ kind: 'server', at: d, ds: d.block, parent: ctx })
      else if (d.name === 'location' && item.kind !== 'http' && item.kind !== 'if')
        queue.push({ kind: 'location', at: d, ds: d.block, parent: ctx })
      else if (d.name === 'if' && (item.kind === 'location' || item.kind === 'if'))
        queue.push({ kind: 'if', at: d, ds: d.block, parent: ctx })
    }
  }
  return out
}

export const isCorsName = (n: string): boolean => n.toLowerCase().startsWith('access-control-')

export function named(ctx: NginxContext, name: string): HeaderLine[] {
  const n = name.toLowerCase()
  return ctx.headers.filter((h) => h.name.toLowerCase() === n)
}

/** An `if` that a preflight enters and that answers it itself (`return 2xx`). */
export function answersPreflight(ctx: NginxContext): boolean {
  if (ctx.kind !== 'if' || !ctx.at) return false
  const cond = ctx.at.args.join(' ')
  if (!cond.includes('$request_method') || !cond.toUpperCase().includes('OPTIONS')) return false
  return ctx.directives.some((d) => d.name === 'return' && /^2\d\d$/.test(d.args[0] ?? ''))
}

/** The context a location-level description names. */
export function describe(ctx: NginxContext): string {
  const at = ctx.at
  if (!at) return 'the http block'
  const where = `${at.file}:${at.line}`
  if (ctx.kind === 'location') return `location ${at.args.join(' ')} (${where})`
  if (ctx.kind === 'if') return `if ${at.args.join(' ')} (${where})`
  return `${ctx.kind} block (${where})`
}

/**
 * The statuses nginx adds a non-`always` add_header to (ngx_http_headers_filter in
 * https://github.com/nginx/nginx/blob/master/src/http/modules/ngx_http_headers_filter_module.c).
 */
export const ADD_HEADER_STATUSES: ReadonlySet<number> = new Set([
  200, 201, 204, 206, 301, 302, 303, 304, 307, 308,
])

/** The add_header lines nginx sends from this context on a response of this status (in config order). */
export function sentOn(ctx: NginxContext, status: number): HeaderLine[] {
  return ctx.headers.filter((h) => h.always || ADD_HEADER_STATUSES.has(status))
}
