/**
 * The Caddy CORS rules, the Caddyfile's equivalents of the nginx ones: each finding names the CorsError
 * Chromium reports when it bites (services/network/public/cpp/cors/cors.cc) and `when`. What Caddy does was
 * measured on the real server (test/e2e/lint-caddy.test.ts): a `header` set runs before the proxy and the
 * upstream's copy is added beside it (two values); a deferred one (defer, `>`, `?`, or a delete in it)
 * replaces the upstream's but is skipped on the errors Caddy makes itself (upstream down, `error`); a
 * `header -Field` deletes at write time, after every immediate set, so it removes Caddy's own copy too.
 * Snippets carry only tokens, origins and placeholders from the config (`safe`), never free text.
 */
import { isToken } from '../fetch-rules.ts'
import {
  admits,
  deletes,
  describeScope,
  type HeaderHandler,
  type HeaderOp,
  headersBefore,
  isCorsName,
  onlyPreflight,
  type Scope,
  type SiteModel,
  type Terminal,
  terminals,
} from './caddy-model.ts'
import type { CaddyDirective } from './caddy-parse.ts'
import { ConfigError } from './nginx-parse.ts'
import { looseOriginRegex } from './nginx-rules.ts'
import { escapeBareDots } from './origin-regex.ts'
import type { LintFinding } from './types.ts'

type Finding = Omit<LintFinding, 'server'>

const ACAO = 'access-control-allow-origin'
const MAX_WORK = 4_000_000
const ACAC = 'access-control-allow-credentials'

/** A value safe to write into a snippet: origins, token lists, placeholders, numbers. */
function safe(v: string): string {
  return /^[A-Za-z0-9_$.:/*,{}\- ]{1,200}$/.test(v) ? `"${v}"` : '"…"'
}
const headerName = (n: string): string => (isToken(n) ? n : 'Access-Control-…')
const at = (d: CaddyDirective): { file: string; line: number } => ({ file: d.file, line: d.line })
const where = (d: CaddyDirective): string => `${d.file}:${d.line}`

/** The effective operations on one field after these handlers (sets that survive, deletes). */
function opsOn(hs: readonly HeaderHandler[], field: string): { h: HeaderHandler; o: HeaderOp }[] {
  const f = field.toLowerCase()
  const out: { h: HeaderHandler; o: HeaderOp }[] = []
  for (const h of hs)
    for (const o of h.ops)
      if (o.op === 'delete' ? deletes(o.name, f) : o.name.toLowerCase() === f) out.push({ h, o })
  return out
}
const sets = (hs: readonly HeaderHandler[], field: string) =>
  opsOn(hs, field).filter((x) => x.o.op === 'set' || x.o.op === 'add' || x.o.op === 'default')
const deleted = (hs: readonly HeaderHandler[], field: string) =>
  opsOn(hs, field).filter((x) => x.o.op === 'delete')

function proxyFix(t: Terminal, names: readonly string[]): string {
  const upstream = t.at.args.filter((a) => !a.startsWith('@') && a !== '*' && !a.startsWith('/'))
  return [
    `reverse_proxy ${upstream.map((u) => safe(u).slice(1, -1)).join(' ')} {`,
    ...names.map((n) => `    header_down -${n}`),
    '}',
  ].join('\n')
}

/** ACAO set immediately in front of reverse_proxy, nothing removing the upstream's copy. */
function upstreamDuplicate(scope: Scope, t: Terminal, hs: HeaderHandler[]): Finding[] {
  if (t.kind !== 'reverse_proxy') return []
  const mine = sets(hs, ACAO).filter((x) => !x.h.deferred && x.o.op !== 'default')
  const first = mine[0]
  if (!first || deleted(hs, ACAO).length > 0 || t.downDeletes.some((p) => deletes(p, ACAO))) return []
  const names = [
    ...new Set(
      hs
        .flatMap((h) => h.ops)
        .filter((o) => o.op !== 'delete' && isCorsName(o.name))
        .map((o) => headerName(o.name)),
    ),
  ]
  return [
    {
      code: 'caddy-acao-in-front-of-upstream',
      // A warning: it bites only if the app sends CORS too, which a config cannot show.
      severity: 'warning',
      ...at(first.o.at),
      title: 'Caddy sets Access-Control-Allow-Origin in front of reverse_proxy without header_down',
      explanation: `In ${describeScope(scope)} the header directive runs before reverse_proxy (${where(t.at)}), and Caddy adds the app's response headers beside its own. If the app sends Access-Control-Allow-Origin too, the browser gets two values and refuses the response.`,
      corsError: 'MultipleAllowOriginValues',
      when: 'upstream-sends-cors',
      fix: {
        snippet: proxyFix(t, names),
        where: `replacing reverse_proxy at ${where(t.at)} (its other lines stay), or remove the app's CORS, or Caddy's`,
      },
    },
  ]
}

/** `header -Access-Control-Allow-Origin` (deferred) in a scope that sets it too: the delete wins. */
function deleteRemovesOwn(t: Terminal, hs: HeaderHandler[]): Finding[] {
  const del = deleted(hs, ACAO)[0]
  const own = sets(hs, ACAO).find((x) => !x.h.deferred || x.h === del?.h)
  if (!del || !own) return []
  return [
    {
      code: 'caddy-header-delete-removes-own-acao',
      severity: 'error',
      ...at(del.o.at),
      title: `"header -${headerName(del.o.name)}" also deletes Caddy's own Access-Control-Allow-Origin`,
      explanation: `A header delete is deferred to when the response is written, after the set at ${where(own.o.at)}: it removes every Access-Control-Allow-Origin, Caddy's included, so no response carries one. To drop only the app's copy, delete it in reverse_proxy with header_down.`,
      corsError: 'MissingAllowOriginHeader',
      when: 'always',
      fix: {
        snippet:
          t.kind === 'reverse_proxy' ? proxyFix(t, [headerName(own.o.name)]) : `# remove ${where(del.o.at)}`,
        where: `removing ${where(del.o.at)}${t.kind === 'reverse_proxy' ? `; replacing reverse_proxy at ${where(t.at)}` : ''}`,
      },
    },
  ]
}

/** ACAO only from a deferred handler: absent on the errors Caddy makes (upstream down, `error`, 404s). */
function deferredSkipsErrors(model: SiteModel, t: Terminal, hs: HeaderHandler[]): Finding[] {
  if (t.kind === 'respond' || t.kind === 'redir' || t.kind === 'abort') return []
  const own = sets(hs, ACAO)
  if (own.length === 0 || own.some((x) => !x.h.deferred) || deleted(hs, ACAO).length > 0) return []
  const inErrors = model.scopes.some(
    (s) =>
      s.kind === 'handle_errors' && s.steps.some((x) => x.kind === 'header' && sets([x.h], ACAO).length > 0),
  )
  if (inErrors) return []
  const first = own[0] as { h: HeaderHandler; o: HeaderOp }
  const proxied = t.kind === 'reverse_proxy' || t.kind === 'php_fastcgi'
  return [
    {
      code: 'caddy-deferred-cors-skips-errors',
      severity: 'error',
      ...at(first.o.at),
      title: `Access-Control-Allow-Origin only from a deferred header (${deferredBy(first)})`,
      explanation: `A deferred header is applied when the handler writes its response; on an error Caddy makes itself (${proxied ? 'a 502/504 when the app is down or times out' : `an error of ${t.kind}`}, the \`error\` directive) it never runs, so the page cannot read the error and sees a CORS failure instead.`,
      corsError: 'MissingAllowOriginHeader',
      when: 'error-responses',
      fix: {
        snippet: [...immediate(first.h), ...(proxied ? [proxyFix(t, corsNames(first.h))] : [])].join('\n'),
        where: `replacing ${where(first.h.at)}${proxied ? ` and reverse_proxy at ${where(t.at)}` : ''}`,
      },
    },
  ]
}

/** Why Caddy defers this handler (headers/caddyfile.go): `?`, a delete in it, `>` or `defer`. */
function deferredBy(x: { h: HeaderHandler; o: HeaderOp }): string {
  if (x.o.op === 'default') return '"?" waits for the response'
  const del = x.h.ops.find((o) => o.op === 'delete')
  if (del) return `its "-${headerName(del.name)}" defers the whole block`
  return x.h.at.block?.some((b) => b.name === 'defer') ? 'defer' : '">" defers it'
}

const corsNames = (h: HeaderHandler): string[] => [
  ...new Set(h.ops.filter((o) => o.op !== 'delete' && isCorsName(o.name)).map((o) => headerName(o.name))),
]

/** The same header lines applied at once: its sets as a plain `header`, each delete its own directive. */
function immediate(h: HeaderHandler): string[] {
  const m =
    h.matcher.kind === 'named'
      ? `@${h.matcher.name} `
      : h.matcher.kind === 'path'
        ? `${safe(h.matcher.path).slice(1, -1)} `
        : ''
  const setLines = h.ops
    .filter((o) => o.op === 'set' || o.op === 'add' || o.op === 'default')
    .map((o) => `${o.op === 'add' ? '+' : ''}${headerName(o.name)} ${safe(o.value)}`)
  const deletes = h.ops.filter((o) => o.op === 'delete').map((o) => `header ${m}-${headerName(o.name)}`)
  const sets =
    setLines.length === 1
      ? [`header ${m}${setLines[0]}`]
      : [`header ${m}{`, ...setLines.map((l) => `    ${l}`), '}']
  return [...sets, ...deletes]
}

function filled(hs: readonly HeaderHandler[], field: string, fallback: string): string {
  const v = sets(hs, field)[0]?.o.value
  return `${field.replace(/(^|-)([a-z])/g, (_m, d, c) => d + c.toUpperCase())} ${v ? safe(v) : fallback}`
}

const scopeChain = (s: Scope): Scope[] => {
  const out: Scope[] = []
  for (let p: Scope | null = s; p; p = p.parent) out.push(p)
  return out
}

/** The terminal answers only OPTIONS: by its own matcher or an enclosing handle's. */
const preflightOnly = (model: SiteModel, scope: Scope, t: Terminal): boolean =>
  onlyPreflight(model, t.matcher) || scopeChain(scope).some((x) => onlyPreflight(model, x.matcher))

/** `respond` for OPTIONS without the preflight's headers. */
function preflightIncomplete(
  model: SiteModel,
  scope: Scope,
  step: Scope['steps'][number] & { kind: 'terminal' },
  all: HeaderHandler[],
): Finding[] {
  const t = step.t
  if (t.kind !== 'respond' || !preflightOnly(model, scope, t)) return []
  const hs = headersBefore(model, scope, step, 'preflight')
  const missing = [ACAO, 'access-control-allow-methods', 'access-control-allow-headers'].filter(
    (n) => sets(hs, n).length === 0 || deleted(hs, n).length > 0,
  )
  if (missing.length === 0) return []
  const noAcao = missing[0] === ACAO
  const named = [t.matcher, ...scopeChain(scope).map((x) => x.matcher)].find((r) => onlyPreflight(model, r))
  const m = named?.kind === 'named' ? `@${named.name}` : ''
  const lines = [
    `header ${m} {`,
    `    ${filled(all, ACAO, '"https://app.example"')}`,
    `    ${filled(all, 'access-control-allow-methods', '"GET, POST, PUT, DELETE, OPTIONS"')}`,
    `    ${filled(all, 'access-control-allow-headers', '"Content-Type, Authorization"')}`,
    '}',
    `respond ${m} 204`,
  ]
  return [
    {
      code: noAcao ? 'caddy-preflight-without-acao' : 'caddy-preflight-incomplete',
      severity: noAcao ? 'error' : 'warning',
      ...at(t.at),
      title: `respond answers preflights without ${missing.map((n) => headerName(n.replace(/(^|-)([a-z])/g, (_m, d, c) => d + c.toUpperCase()))).join(', ')}`,
      explanation: noAcao
        ? 'No header directive that runs before this respond gives OPTIONS requests an Access-Control-Allow-Origin: every preflight fails.'
        : 'The preflight answer lacks the allowed methods or headers: a PUT/DELETE/PATCH or a request with Content-Type: application/json or Authorization is refused.',
      corsError: noAcao
        ? 'PreflightMissingAllowOriginHeader'
        : missing.includes('access-control-allow-methods')
          ? 'MethodDisallowedByPreflightResponse'
          : 'HeaderDisallowedByPreflightResponse',
      when: 'preflight',
      fix: { snippet: lines.join('\n'), where: `replacing ${where(t.at)} (in ${describeScope(scope)})` },
    },
  ]
}

/** A `redir` that OPTIONS reaches: redir runs before handle, route and respond in Caddy's order. */
function redirectCatchesPreflight(model: SiteModel, scope: Scope, t: Terminal, corsSite: boolean): Finding[] {
  if (t.kind !== 'redir' || !corsSite) return []
  const ref = t.matcher
  // A redirect of some paths only (its own matcher or its handle's) may never see a preflight: not flagged.
  const pathScoped = scopeChain(scope).some(
    (x) =>
      x.matcher.kind === 'path' ||
      (x.matcher.kind === 'named' && model.matchers.get(x.matcher.name)?.hasPath),
  )
  if (ref.kind === 'path' || pathScoped) return []
  if (ref.kind === 'named') {
    const m = model.matchers.get(ref.name)
    if (!m || m.hasPath || !admits(model, ref, 'preflight')) return []
  }
  const target = t.at.args.filter((a) => !a.startsWith('@') && a !== '*')
  const name = ref.kind === 'named' ? ref.name : 'not_preflight'
  const m = ref.kind === 'named' ? model.matchers.get(ref.name) : undefined
  const conditions = m ? matcherLines(m.at) : []
  return [
    {
      code: 'caddy-redirect-catches-preflight',
      severity: 'error',
      ...at(t.at),
      title: 'redir redirects the preflight',
      explanation: `In ${describeScope(scope)} this redir matches OPTIONS too, and Caddy runs redir before handle, route and respond: the preflight gets a redirect, which browsers never follow.`,
      corsError: 'PreflightDisallowedRedirect',
      when: 'preflight',
      fix: {
        snippet: [
          `@${tokenOr(name, 'not_preflight')} {`,
          ...conditions.map((c) => `    ${c}`),
          '    not method OPTIONS',
          '}',
          `redir @${tokenOr(name, 'not_preflight')} ${target.map((x) => safe(x).slice(1, -1)).join(' ')}`,
        ].join('\n'),
        where: `replacing ${where(t.at)}${m ? ` and the matcher at ${where(m.at)}` : ''}`,
      },
    },
  ]
}

const tokenOr = (v: string, fallback: string): string => (/^[A-Za-z0-9_-]{1,64}$/.test(v) ? v : fallback)

/** A named matcher's condition lines, each word a token or an origin (else the line is left out). */
function matcherLines(d: CaddyDirective): string[] {
  const lines = d.args.length > 0 ? [d.args] : (d.block ?? []).map((x) => [x.name, ...x.args])
  return lines
    .filter((ws) => ws.every((w) => /^[A-Za-z0-9_.:/*=?&{}-]{1,200}$/.test(w)))
    .map((ws) => ws.join(' '))
}

/** Inside `route`, a header after a terminal that takes every request never runs. */
function headerAfterTerminal(scope: Scope): Finding[] {
  if (scope.kind !== 'route') return []
  const stop = scope.steps.findIndex((s) => s.kind === 'terminal' && s.t.matcher.kind === 'all')
  if (stop < 0) return []
  const stopAt = (scope.steps[stop] as { t: Terminal }).t
  const out: Finding[] = []
  for (const s of scope.steps.slice(stop + 1)) {
    if (s.kind !== 'header') continue
    const o = sets([s.h], ACAO)[0]
    if (!o) continue
    out.push({
      code: 'caddy-header-after-terminal-in-route',
      severity: 'error',
      ...at(o.o.at),
      title: `header after ${stopAt.kind} inside route never runs`,
      explanation: `route runs its directives in the order written; ${stopAt.kind} at ${where(stopAt.at)} answers every request first, so this Access-Control-Allow-Origin is never added.`,
      corsError: 'MissingAllowOriginHeader',
      when: 'always',
      fix: {
        snippet: `header ${headerName(o.o.name)} ${safe(o.o.value)}`,
        where: `moved above ${where(stopAt.at)} in ${describeScope(scope)}`,
      },
    })
  }
  return out
}

const REFLECT = /\{(?:http\.request\.)?header\.origin\}/i

function allowListFix(value: string, credentials = false): string {
  const origins = value.split(/[ ,]+/).filter((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(o))
  const list = origins.length ? origins : ['https://app.example']
  return [
    // One value per header matcher line; lines for the same field are OR'd (MatchHeader in
    // https://github.com/caddyserver/caddy/blob/master/modules/caddyhttp/matchers.go).
    ...(list.length === 1
      ? [`@cors_allowed header Origin ${list[0]}`]
      : ['@cors_allowed {', ...list.map((o) => `    header Origin ${o}`), '}']),
    'header @cors_allowed {',
    '    Access-Control-Allow-Origin "{header.Origin}"',
    ...(credentials ? ['    Access-Control-Allow-Credentials true'] : []),
    '}',
    // On every response, the refused origins' too: else a cache may answer them with an allowed one's.
    'header +Vary Origin',
  ].join('\n')
}

/** Values: several origins, * with credentials, reflection without an allow-list, Vary, Max-Age. */
function valueFindings(
  model: SiteModel,
  hs: readonly HeaderHandler[],
  preflight: boolean,
  seen: Set<string>,
): Finding[] {
  const out: Finding[] = []
  const push = (key: string, f: Finding): void => {
    const k = `${key}@${f.file}:${f.line}`
    if (seen.has(k)) return
    seen.add(k)
    out.push(f)
  }
  const acaos = sets(hs, ACAO)
  for (const first of acaos) out.push(...originValue(model, hs, first, acaos, preflight, push))
  return out
}

function originValue(
  model: SiteModel,
  hs: readonly HeaderHandler[],
  first: { h: HeaderHandler; o: HeaderOp },
  acaos: readonly { h: HeaderHandler; o: HeaderOp }[],
  preflight: boolean,
  push: (key: string, f: Finding) => void,
): Finding[] {
  const out: Finding[] = []
  const acac = sets(hs, ACAC).some((x) => x.o.value.toLowerCase() === 'true')
  const v = first.o.value.trim()
  const adds = acaos.filter((x) => x.o.op === 'add')
  if (adds.length > 0 || (!REFLECT.test(v) && /[ ,]/.test(v)))
    push('multi', {
      code: 'caddy-multiple-origins',
      severity: 'error',
      ...at((adds[0] ?? first).o.at),
      title: 'more than one origin in Access-Control-Allow-Origin',
      explanation:
        "The header takes exactly one origin (or *). A list, or a `+` that adds a second value, is refused: answer the request's own origin when it is on an allow-list.",
      corsError: preflight ? 'PreflightMultipleAllowOriginValues' : 'MultipleAllowOriginValues',
      when: 'always',
      fix: { snippet: allowListFix(v, acac), where: `replacing ${where(first.h.at)}` },
    })
  if (v === '*' && acac)
    push('wild', {
      code: 'caddy-wildcard-with-credentials',
      severity: 'error',
      ...at(first.o.at),
      title: 'Access-Control-Allow-Origin * with Access-Control-Allow-Credentials: true',
      explanation:
        "A credentialed request (cookies, credentials: 'include') is refused when the origin is *: it must be the page's exact origin.",
      corsError: preflight ? 'PreflightWildcardOriginNotAllowed' : 'WildcardOriginNotAllowed',
      when: 'credentials',
      fix: { snippet: allowListFix('https://app.example', true), where: `replacing ${where(first.h.at)}` },
    })
  const guarded = (h: HeaderHandler): boolean =>
    h.matcher.kind === 'named' && (model.matchers.get(h.matcher.name)?.checksOrigin ?? false)
  if (REFLECT.test(v) && acac && !guarded(first.h))
    push('reflect', {
      code: 'caddy-reflects-any-origin-with-credentials',
      severity: 'error',
      ...at(first.o.at),
      title: '{header.Origin} reflected with credentials and no allow-list matcher',
      explanation:
        "Any website can make a logged-in user's browser call this site and read the answer: Caddy echoes every Origin and allows credentials. No browser error shows it.",
      corsError: null,
      when: 'other-origins',
      fix: { snippet: allowListFix('https://app.example', true), where: `replacing ${where(first.h.at)}` },
    })
  if (v.includes('{') && !sets(hs, 'vary').some((x) => /origin/i.test(x.o.value)))
    push('vary', {
      code: 'caddy-origin-dependent-without-vary',
      severity: 'warning',
      ...at(first.o.at),
      title: 'Access-Control-Allow-Origin depends on the Origin but there is no "Vary: Origin"',
      explanation:
        "A cache (the browser's, a CDN, Caddy's cache plugins) may keep the answer made for one origin and serve it to another, whose request then fails.",
      corsError: 'AllowOriginMismatch',
      when: 'other-origins',
      fix: { snippet: 'header +Vary Origin', where: `next to ${where(first.o.at)}` },
    })
  for (const x of sets(hs, 'access-control-max-age')) {
    const n = Number(x.o.value)
    if (Number.isFinite(n) && n > 7200)
      push('maxage', {
        code: 'caddy-max-age-above-cap',
        severity: 'info',
        ...at(x.o.at),
        title: `Access-Control-Max-Age ${n} is above what browsers keep`,
        explanation:
          'Chromium keeps a preflight at most 7200 s (2 h) and Firefox 86400 s (24 h); a longer value is cut to that, so preflights come back sooner than the config suggests.',
        corsError: null,
        when: 'other',
        fix: { snippet: 'Access-Control-Max-Age 7200', where: `replacing ${where(x.o.at)}` },
      })
  }
  return out
}

/** Origin allow-lists in matchers: a loose header_regexp, or a `header Origin *…` wildcard. */
function originMatchers(model: SiteModel): Finding[] {
  const out: Finding[] = []
  const lines: CaddyDirective[] = []
  for (const m of model.matchers.values()) {
    const d = m.at
    if (d.args.length > 0) lines.push({ ...d, name: d.args[0] as string, args: d.args.slice(1) })
    for (const x of d.block ?? []) lines.push(x)
  }
  for (const l of lines) {
    if (l.name === 'header_regexp') {
      // header_regexp [<name>] <field> <regexp>
      const fieldIdx = l.args.length >= 3 ? 1 : 0
      if (l.args[fieldIdx]?.toLowerCase() !== 'origin') continue
      const re = l.args[fieldIdx + 1] ?? ''
      const why = looseOriginRegex(re)
      if (why)
        out.push({
          code: 'caddy-loose-origin-regex',
          severity: 'error',
          ...at(l),
          title: `origin allow-list regex ${why}`,
          explanation:
            'header_regexp matches anywhere in the value unless anchored: "example.com" also matches https://evilexample.com and https://example.com.evil.net, which then get this site\'s CORS answer.',
          corsError: null,
          when: 'other-origins',
          fix: {
            snippet: `header_regexp ${l.args.slice(0, fieldIdx + 1).join(' ')} ${anchored(re)}`,
            where: `replacing ${where(l)}`,
          },
        })
    }
    if (l.name === 'header' && l.args[0]?.toLowerCase() === 'origin')
      for (const v of l.args.slice(1))
        if (v.startsWith('*') && v.length > 1 && !v.startsWith('*.') && !v.startsWith('*://'))
          out.push({
            code: 'caddy-loose-origin-wildcard',
            severity: 'error',
            ...at(l),
            title: `origin matcher "${safe(v).slice(1, -1)}" matches other sites`,
            explanation: `A leading * in a header matcher matches any prefix: "${safe(v).slice(1, -1)}" also matches an origin like https://evil${v.slice(1).replace(/^https?:\/\//, '')}.`,
            corsError: null,
            when: 'other-origins',
            fix: {
              snippet: `header Origin https://${v
                .slice(1)
                .replace(/^[^A-Za-z0-9]+/, '')
                .replace(/[^A-Za-z0-9.:-]/g, '')}`,
              where: `replacing ${where(l)}`,
            },
          })
  }
  return out
}

function anchored(re: string): string {
  const esc = escapeBareDots(re)
  // Only regex syntax and host characters go into the snippet; anything else becomes a placeholder.
  const body = /[^A-Za-z0-9\\.:/^$()?|*+_[\]-]/.test(esc) ? 'app\\.example' : esc
  // The Origin header is scheme://host[:port]: a bare host pattern gets its scheme.
  return `^${/^\(?\??:?https?/.test(body) ? `(?:${body})` : `https://(?:${body})`}$`
}

export function caddyRules(models: readonly SiteModel[]): Finding[] {
  const out: Finding[] = []
  const seen = new Set<string>()
  const once = (fs: Finding[]): void => {
    for (const f of fs) {
      const k = `${f.code}@${f.file}:${f.line}`
      if (!seen.has(k)) out.push(f)
      seen.add(k)
    }
  }
  for (const model of models) {
    const all = model.scopes.flatMap((s) => s.steps.flatMap((x) => (x.kind === 'header' ? [x.h] : [])))
    // Each terminal looks at the headers before it: bounded, so a generated site cannot make it quadratic.
    const work = terminals(model).length * (all.length + 1)
    if (work > MAX_WORK)
      throw new ConfigError(
        `a site with ${all.length} header and ${terminals(model).length} handler directives is more than cors-lens checks`,
        model.site.file,
        model.site.line,
      )
    const corsSite = all.some((h) => h.ops.some((o) => isCorsName(o.name)))
    const reached = new Set<HeaderHandler>()
    for (const { scope, step } of terminals(model)) {
      const t = step.t
      const preflight = preflightOnly(model, scope, t)
      const kind = preflight ? 'preflight' : 'actual'
      const hs = headersBefore(model, scope, step, kind)
      for (const h of hs) reached.add(h)
      once(upstreamDuplicate(scope, t, hs))
      once(deleteRemovesOwn(t, hs))
      once(deferredSkipsErrors(model, t, hs))
      once(preflightIncomplete(model, scope, step, all))
      once(redirectCatchesPreflight(model, scope, t, corsSite))
      once(valueFindings(model, hs, preflight, seen))
    }
    const dead = new Set<CaddyDirective>()
    for (const s of model.scopes)
      for (const f of headerAfterTerminal(s)) {
        once([f])
        for (const x of s.steps) if (x.kind === 'header' && x.h.at.line === f.line) dead.add(x.h.at)
      }
    // Headers no terminal follows (the app behind a directive we do not model): their values still count.
    once(
      valueFindings(
        model,
        all.filter((h) => !reached.has(h) && !dead.has(h.at)),
        false,
        seen,
      ),
    )
    once(originMatchers(model))
  }
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1))
}
