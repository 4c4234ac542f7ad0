/**
 * What Apache httpd sends in each response context of a config: the sections a request is answered in
 * (server, <VirtualHost>, <Location>, <Directory>, <Files>, .htaccess; <If> merged last, as
 * https://httpd.apache.org/docs/2.4/sections.html#merging says), and mod_headers' two tables
 * (https://github.com/apache/httpd/blob/trunk/modules/metadata/mod_headers.c): `Header` (onsuccess) edits
 * r->headers_out, which holds the proxied app's headers and which httpd drops when it makes an error
 * response itself (ap_send_error_response); `Header always` edits r->err_headers_out, sent on every
 * response next to headers_out. Measured on the lab's Apache 2.4 (test/e2e/lint-apache.test.ts).
 */
import type { ApacheDirective } from './apache-parse.ts'
import { cutAtColon } from './scan.ts'

export type HeaderTable = 'onsuccess' | 'always'

export interface HeaderOp {
  readonly table: HeaderTable
  /** set, append, merge, add, setifempty, unset, edit, edit*, echo, note (lower case). */
  readonly action: string
  readonly name: string
  readonly value: string
  /** The trailing `env=…`, `expr=…` or `early`, or null. */
  readonly cond: string | null
  readonly at: ApacheDirective
  /** The enclosing <If>/<ElseIf> expressions (`else` for an <Else>). */
  readonly conditions: readonly string[]
}

export type ScopeKind = 'server' | 'virtualhost' | 'location' | 'directory' | 'files' | 'proxy' | 'if'

export interface ApacheScope {
  readonly kind: ScopeKind
  readonly at: ApacheDirective | null
  readonly parent: ApacheScope | null
  /** Its directives, through <IfModule>/<IfDefine>/<IfVersion>/<IfFile> (read as if they hold). */
  readonly own: readonly ApacheDirective[]
  readonly ifs: ApacheScope[]
  readonly conditions: readonly string[]
}

const KIND: Readonly<Record<string, ScopeKind>> = {
  virtualhost: 'virtualhost',
  location: 'location',
  locationmatch: 'location',
  directory: 'directory',
  directorymatch: 'directory',
  files: 'files',
  filesmatch: 'files',
  proxy: 'proxy',
  proxymatch: 'proxy',
  if: 'if',
  elseif: 'if',
  else: 'if',
}
const TRANSPARENT = new Set(['ifmodule', 'ifdefine', 'ifversion', 'iffile', 'ifdirective', 'ifsection'])

/** Every scope, outer ones first; `htaccess`: the file's top level is a <Directory>. */
export function apacheScopes(root: readonly ApacheDirective[], htaccess: boolean): ApacheScope[] {
  const out: ApacheScope[] = []
  const top = makeScope(htaccess ? 'directory' : 'server', null, root, null)
  const queue: ApacheScope[] = [top]
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q] as ApacheScope
    out.push(s)
    for (const d of s.own) {
      const kind = d.block ? KIND[d.key] : undefined
      if (!kind || !d.block) continue
      const child = makeScope(kind, d, d.block, s)
      if (kind === 'if') s.ifs.push(child)
      queue.push(child)
    }
  }
  return out
}

function makeScope(
  kind: ScopeKind,
  at: ApacheDirective | null,
  ds: readonly ApacheDirective[],
  parent: ApacheScope | null,
): ApacheScope {
  const own: ApacheDirective[] = []
  const work = [...ds].reverse()
  while (work.length > 0) {
    const d = work.pop() as ApacheDirective
    // <IfModule !mod_x.c>: read as not holding (lint takes every module as loaded).
    if (d.block && d.key === 'ifmodule' && d.args[0]?.startsWith('!')) continue
    if (d.block && TRANSPARENT.has(d.key)) work.push(...[...d.block].reverse())
    else own.push(d)
  }
  const cond = kind === 'if' && at ? [at.key === 'else' ? 'else' : (at.args[0] ?? '')] : []
  return { kind, at, parent, own, ifs: [], conditions: [...(parent?.conditions ?? []), ...cond] }
}

/** mod_headers' argument order: Header [always|onsuccess] action name [value] [replacement] [cond]. */
export function headerOp(d: ApacheDirective, conditions: readonly string[]): HeaderOp | null {
  if (d.key !== 'header' || d.block) return null
  const a = [...d.args]
  let table: HeaderTable = 'onsuccess'
  const first = a[0]?.toLowerCase()
  if (first === 'always' || first === 'onsuccess') {
    table = first
    a.shift()
  }
  const action = (a.shift() ?? '').toLowerCase()
  // mod_headers ignores a trailing colon ("Header set Access-Control-Allow-Origin: *").
  const name = cutAtColon(a.shift() ?? '')
  if (!action || !name) return null
  const takesValue = action !== 'unset' && action !== 'echo'
  const value = takesValue ? (a.shift() ?? '') : ''
  if (action === 'edit' || action === 'edit*') a.shift()
  const last = a[0] ?? null
  const cond = last && /^(env=|expr=|early$)/i.test(last) ? last : null
  return { table, action, name, value, cond, at: d, conditions }
}

/** The scopes a request answered in `s` goes through, outer first (its <If>s not included). */
export function chain(s: ApacheScope): ApacheScope[] {
  const out: ApacheScope[] = []
  for (let c: ApacheScope | null = s; c; c = c.parent) if (c.kind !== 'if') out.unshift(c)
  return out
}

/** Directives that hold for a request in `s`: its chain's, then (with `withIf`) the <If> branch's. */
export function directivesOf(s: ApacheScope, withIf: ApacheScope | null = null): ApacheDirective[] {
  const out = chain(s).flatMap((c) => [...c.own])
  const branch: ApacheScope[] = []
  for (let c: ApacheScope | null = withIf; c && c.kind === 'if'; c = c.parent) branch.unshift(c)
  for (const b of branch) out.push(...b.own)
  return out
}

/** One way a request in `s` goes: no <If> branch taken, or one branch (with its enclosing ones). */
export interface Variant {
  readonly ops: readonly HeaderOp[]
  readonly branch: ApacheScope | null
}

/** Lazily, so the caller's work budget stops a file with very many <If>s before they are all built. */
export function* variants(s: ApacheScope): Generator<Variant> {
  const base = chain(s)
  const baseOps = base.flatMap((c) => c.own.map((d) => headerOp(d, [])).filter((o) => o !== null))
  yield { ops: baseOps, branch: null }
  const work = base.flatMap((c) => c.ifs)
  for (let w = 0; w < work.length; w++) {
    const i = work[w] as ApacheScope
    const extra: HeaderOp[] = []
    for (let c: ApacheScope | null = i; c && c.kind === 'if'; c = c.parent)
      extra.unshift(...c.own.map((d) => headerOp(d, c.conditions)).filter((o) => o !== null))
    yield { ops: [...baseOps, ...extra], branch: i }
    work.push(...i.ifs)
  }
}

export interface SentLine {
  readonly name: string
  readonly value: string
  readonly op: HeaderOp | null
}

/** Whether an op applies to a request: `env=!X` is read as not holding, any other condition as holding. */
const applies = (o: HeaderOp): boolean => !(o.cond ?? '').startsWith('env=!')

/**
 * The header lines sent: `upstream` are the proxied app's (they land in headers_out); `apacheError`:
 * httpd made the response itself (headers_out dropped, only the `always` table is sent).
 */
export function sentLines(
  ops: readonly HeaderOp[],
  upstream: readonly SentLine[],
  apacheError: boolean,
  spend: (work: number) => void = () => {},
): SentLine[] {
  // name (lower case) → its lines, per table; a Map keeps first-insertion order, as apr tables do.
  const tables: Record<HeaderTable, Map<string, SentLine[]>> = { onsuccess: new Map(), always: new Map() }
  if (!apacheError) for (const l of upstream) push(tables.onsuccess, l)
  for (const o of ops) {
    if (!applies(o) || (apacheError && o.table === 'onsuccess')) continue
    const t = tables[o.table]
    const n = o.name.toLowerCase()
    const lines = t.get(n) ?? []
    const old = lines[0]
    const line: SentLine = { name: o.name, value: o.value, op: o }
    spend(1)
    if (o.action === 'set') t.set(n, [line])
    else if (o.action === 'unset') t.delete(n)
    else if (o.action === 'add' || (o.action === 'setifempty' && !old)) push(t, line)
    else if ((o.action === 'append' || o.action === 'merge') && !old) push(t, line)
    else if ((o.action === 'append' || o.action === 'merge') && old) {
      // apr_table_mergen: the value joins the first line's ("merge": unless it is there already).
      spend(old.value.length)
      const has = o.action === 'merge' && old.value.split(',').some((v) => v.trim() === o.value.trim())
      if (!has) lines[0] = { ...old, value: `${old.value}, ${o.value}`, op: o }
    }
  }
  return [...tables.onsuccess.values(), ...tables.always.values()].flat()
}

function push(t: Map<string, SentLine[]>, l: SentLine): void {
  const n = l.name.toLowerCase()
  const lines = t.get(n)
  if (lines) lines.push(l)
  else t.set(n, [l])
}

export const linesNamed = (ls: readonly SentLine[], name: string): SentLine[] =>
  ls.filter((l) => l.name.toLowerCase() === name)

/**
 * The values a browser sees for one header: every line, split on commas (how Chromium joins lines) and
 * spaces (Chromium refuses an Access-Control-Allow-Origin holding either).
 */
export const valuesOf = (ls: readonly SentLine[], name: string): string[] =>
  linesNamed(ls, name).flatMap((l) => l.value.split(/[\s,]+/).filter((v) => v !== ''))

/** The context a description names. */
export function describe(s: ApacheScope): string {
  const at = s.at
  if (!at) return s.kind === 'directory' ? 'the .htaccess file' : 'the server config'
  return `<${at.name}${at.args.length ? ` ${at.args.join(' ')}` : ''}> (${at.file}:${at.line})`
}
