/**
 * The Apache httpd CORS rules: each finding names the CorsError Chromium reports when it bites
 * (services/network/public/cpp/cors/cors.cc) and `when`; the behaviour behind each one is measured on the
 * lab's Apache (test/e2e/lint-apache.test.ts). Fix snippets carry only tokens, origins, variables and
 * numbers from the config (`safe`), never free text.
 */
import { isToken } from '../fetch-rules.ts'
import {
  type ApacheScope,
  chain,
  describe,
  directivesOf,
  type HeaderOp,
  linesNamed,
  type SentLine,
  sentLines,
  type Variant,
  valuesOf,
  variants,
} from './apache-model.ts'
import type { ApacheDirective } from './apache-parse.ts'
import { ConfigError } from './nginx-parse.ts'
import { looseOriginRegex } from './nginx-rules.ts'
import { escapeBareDots } from './origin-regex.ts'
import { envReferences } from './scan.ts'
import type { LintFinding } from './types.ts'

type Finding = Omit<LintFinding, 'server'>

/** Units of work (directives and Header lines looked at) for one config: real ones need thousands. */
const WORK_LIMIT = 5_000_000
const ACAO = 'access-control-allow-origin'
const ACAC = 'access-control-allow-credentials'
const ACAM = 'access-control-allow-methods'
const ACAH = 'access-control-allow-headers'
const isCors = (n: string): boolean => n.toLowerCase().startsWith('access-control-')

/** A value safe to write into a snippet: origins, lists of tokens, %{VAR}e and expr= variables, numbers. */
function safe(v: string): string {
  return /^[A-Za-z0-9_$.:/*,\- %{}=]{1,200}$/.test(v) ? `"${v}"` : '"…"'
}
const headerName = (n: string): string => (isToken(n) ? n : 'Access-Control-…')
const at = (d: ApacheDirective): { file: string; line: number } => ({ file: d.file, line: d.line })
const where = (d: ApacheDirective): string => `${d.file}:${d.line}`
const alwaysLine = (o: HeaderOp | SentLine, name = o.name): string =>
  `Header always set ${headerName(name)} ${safe(o.value)}${'cond' in o && o.cond?.startsWith('env=') && /^env=!?\w+$/.test(o.cond) ? ` ${o.cond}` : ''}`

/** The app's copy of each CORS header removed (onsuccess `unset` acts on headers_out, where the app's lines are). */
function unsetLines(names: readonly string[]): string[] {
  return [...new Set(names.map(headerName))].map((n) => `Header unset ${n}`)
}

interface OriginVar {
  readonly regex: string | null
  /** The variable holds (part of) the Origin itself ($0, $1, %1), not just a flag. */
  readonly captures: boolean
  readonly at: ApacheDirective
}

/** What is true of the whole config: who sets which environment variable, from which Origin regex. */
export interface EnvFacts {
  /** Variables set from the Origin header (its value, or only gated by it) and the regex that must match (null: anything). */
  readonly fromOrigin: ReadonlyMap<string, OriginVar>
  /** Every variable some directive sets. */
  readonly set: ReadonlySet<string>
}

export function envFacts(all: readonly ApacheDirective[]): EnvFacts {
  const fromOrigin = new Map<string, OriginVar>()
  const set = new Set<string>()
  let conds: ApacheDirective[] = []
  for (const d of all) {
    if (d.key === 'setenvif' || d.key === 'setenvifnocase' || d.key === 'browsermatch') {
      const [attr, regex, ...assigns] = d.key === 'browsermatch' ? ['User-Agent', ...d.args] : d.args
      for (const a of assigns) {
        const [name, value = ''] = a.replace(/^!/, '').split('=', 2) as [string, string?]
        set.add(name)
        if (attr?.toLowerCase() === 'origin' && !a.startsWith('!'))
          fromOrigin.set(name, { regex: regex ?? null, captures: value.includes('$'), at: d })
      }
    } else if (d.key === 'setenv' && d.args[0]) set.add(d.args[0])
    else if (d.key === 'setenvifexpr') {
      for (const a of d.args.slice(1)) set.add(a.replace(/^!/, '').split('=')[0] as string)
    } else if (d.key === 'rewritecond') conds.push(d)
    else if (d.key === 'rewriterule') {
      const originCond = conds.find((c) => /^%\{HTTP:Origin\}$/i.test(c.args[0] ?? ''))
      for (const f of ruleFlags(d)) {
        const m = /^E=!?([^:]+)(?::(.*))?$/i.exec(f)
        if (!m) continue
        set.add(m[1] as string)
        const value = m[2] ?? ''
        if (/%\{HTTP:Origin\}/i.test(value))
          fromOrigin.set(m[1] as string, { regex: null, captures: true, at: d })
        else if (/%\d/.test(value) && originCond)
          fromOrigin.set(m[1] as string, {
            regex: originCond.args[1] ?? null,
            captures: true,
            at: originCond,
          })
      }
      conds = []
    }
  }
  return { fromOrigin, set }
}

/** A regex that lets every origin in: `.*`, `(.+)`, `^https?://(.*)$`… (no host written in it). */
export function matchesAnyOrigin(re: string): boolean {
  const body = re
    .replace(/^!/, '')
    .replace(/\(\?:/g, '')
    .replace(/[()^$]/g, '')
    .replace(/^(https?|http\[s\]\?|https\?|http\(s\)\?):(\\\/|\/){2}/, '')
  return ['', '.*', '.+', '.', '[^/]+', '[^/]*', '\\S+', '\\S*', '.*.*'].includes(body)
}

/** The regexes an <If>/<ElseIf> expression tests the Origin with (`=~ /re/`, `=~ m#re#`). */
export function exprOriginRegexes(expr: string): string[] {
  const out: string[] = []
  if (!/%\{(HTTP|req|req_novary|http):Origin\}/i.test(expr)) return out
  let i = expr.indexOf('=~')
  while (i >= 0) {
    let j = i + 2
    while (expr[j] === ' ') j++
    let delim = expr[j]
    if (delim === 'm') delim = expr[++j]
    if (delim && !/[A-Za-z0-9\s]/.test(delim)) {
      const end = expr.indexOf(delim, j + 1)
      if (end > j) out.push(expr.slice(j + 1, end))
    }
    i = expr.indexOf('=~', j + 1)
  }
  return out
}

/** How an Access-Control-Allow-Origin value depends on the request's Origin. */
type OriginUse =
  | { readonly kind: 'reflect'; readonly guarded: boolean }
  | { readonly kind: 'never-set'; readonly variable: string }
  | null

function originUse(o: HeaderOp, env: EnvFacts): OriginUse {
  const guardedByIf = o.conditions.some((c) => {
    const res = exprOriginRegexes(c)
    return res.length > 0 ? res.some((r) => !matchesAnyOrigin(r)) : /Origin\}\s*(==|-in|in\s)/i.test(c)
  })
  const condVar = /^env=(\w+)$/.exec(o.cond ?? '')?.[1]
  const condSource = condVar ? env.fromOrigin.get(condVar) : undefined
  const guardedByCond =
    (condSource?.regex != null && !matchesAnyOrigin(condSource.regex)) ||
    (/^expr=/i.test(o.cond ?? '') && /Origin/i.test(o.cond ?? ''))
  const guarded = guardedByIf || guardedByCond
  if (/^expr=/i.test(o.value) && /%\{(req|http|req_novary):Origin\}/i.test(o.value))
    return { kind: 'reflect', guarded }
  for (const v of envReferences(o.value)) {
    const source = env.fromOrigin.get(v)
    if (source?.captures)
      return {
        kind: 'reflect',
        guarded: guarded || (source.regex != null && !matchesAnyOrigin(source.regex)),
      }
    if (!env.set.has(v) && /^HTTP(_|:)ORIGIN$/i.test(v)) return { kind: 'never-set', variable: v }
  }
  return guarded || condVar ? { kind: 'reflect', guarded: true } : null
}

/** The allow-list that replaces a list, a wildcard or a reflection: one origin per request, Vary set. */
function allowListFix(origins: readonly string[], proxied: boolean, credentials: boolean): string {
  const list = origins.filter((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(o))
  const re = (list.length ? list : ['https://app.example']).map((o) => o.replaceAll('.', '\\.')).join('|')
  return [
    `SetEnvIf Origin "^(${re})$" CORS_ORIGIN=$1`,
    ...(proxied
      ? unsetLines([
          'Access-Control-Allow-Origin',
          ...(credentials ? ['Access-Control-Allow-Credentials'] : []),
        ])
      : []),
    'Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN',
    ...(credentials ? ['Header always set Access-Control-Allow-Credentials "true" env=CORS_ORIGIN'] : []),
    'Header always merge Vary "Origin"',
  ].join('\n')
}

const APP_CORS: readonly SentLine[] = [{ name: 'Access-Control-Allow-Origin', value: '*', op: null }]

interface Ctx {
  readonly scope: ApacheScope
  readonly variant: Variant
  readonly proxied: boolean
  readonly env: EnvFacts
  /** Sent on a response the app (or a file) made, without and with the app's own ACAO. */
  readonly ok: readonly SentLine[]
  readonly okWithApp: readonly SentLine[]
  /** Sent on a response httpd made itself (an error, a RewriteRule [R=…] answer). */
  readonly apacheMade: readonly SentLine[]
}

function duplicates(c: Ctx): Finding[] {
  const values = valuesOf(c.ok, ACAO)
  const line = linesNamed(c.ok, ACAO).at(-1)
  if (values.length > 1 && line?.op) {
    return [
      {
        code: 'apache-multiple-origins',
        severity: 'error',
        ...at(line.op.at),
        title: 'more than one origin in Access-Control-Allow-Origin',
        explanation: `In ${describe(c.scope)} the Header lines give this response ${values.length} values ("${values.join(', ')}"): two lines (Header add, or one Header set and one Header always set: two tables, both sent), a list, or an append. The header takes exactly one origin (or *).`,
        corsError: 'MultipleAllowOriginValues',
        when: 'always',
        fix: {
          snippet: allowListFix(values, c.proxied, valuesOf(c.ok, ACAC).includes('true')),
          where: `in ${describe(c.scope)}, replacing its Access-Control-Allow-Origin lines`,
        },
      },
    ]
  }
  const withApp = linesNamed(c.okWithApp, ACAO)
  if (!c.proxied || values.length !== 1 || valuesOf(c.okWithApp, ACAO).length < 2) return []
  const mine = withApp.map((l) => l.op).find((o) => o !== null) as HeaderOp
  const names = c.variant.ops.filter((o) => isCors(o.name) && o.action !== 'unset').map((o) => o.name)
  return [
    {
      code: 'apache-acao-in-front-of-upstream',
      // A warning: it bites only if the app sends CORS too, which a config cannot show.
      severity: 'warning',
      ...at(mine.at),
      title: `Header ${mine.table === 'always' ? 'always ' : ''}${mine.action} Access-Control-Allow-Origin in front of ProxyPass keeps the app's copy`,
      explanation:
        mine.table === 'always'
          ? `"Header always" writes to the table httpd sends next to the app's headers: if the app behind ${describe(c.scope)} sends Access-Control-Allow-Origin too, the browser gets both ("*, *") and refuses the response. A plain "Header unset" removes the app's copy.`
          : `"Header ${mine.action}" adds to the app's own Access-Control-Allow-Origin instead of replacing it: if the app sends one, the browser gets two values and refuses the response.`,
      corsError: 'MultipleAllowOriginValues',
      when: 'upstream-sends-cors',
      fix: {
        snippet: [...unsetLines(names), ...corsAlways(c.variant.ops)].join('\n'),
        where: `in ${describe(c.scope)}, replacing its Access-Control-… Header lines (or remove the app's CORS)`,
      },
    },
  ]
}

/** The config's CORS lines as `Header always set` (the last value of each name). */
function corsAlways(ops: readonly HeaderOp[]): string[] {
  const last = new Map<string, HeaderOp>()
  for (const o of ops) if (isCors(o.name) && o.action !== 'unset') last.set(o.name.toLowerCase(), o)
  return [...last.values()].map((o) => alwaysLine(o))
}

function notAlways(c: Ctx): Finding[] {
  const out: Finding[] = []
  for (const name of [ACAO, ACAC]) {
    const sent = linesNamed(c.ok, name)[0]
    if (sent?.op?.table !== 'onsuccess' || linesNamed(c.apacheMade, name).length > 0) continue
    if (name === ACAC && (linesNamed(c.apacheMade, ACAO).length === 0 || sent.value !== 'true')) continue
    out.push({
      code: 'apache-cors-without-always',
      severity: 'error',
      ...at(sent.op.at),
      title: `Header ${sent.op.action} ${headerName(sent.name)} without "always"`,
      explanation: `Without "always" the line goes into the table httpd drops when it makes a response itself: its own errors (403 from Require, 401 from auth, 404 for a missing file, 503/502/504 when the app behind ProxyPass is down or slow, 413, ProxyErrorOverride) and the answers of RewriteRule [R=…]. Those come without the header and the page sees a CORS failure instead of the status. (Errors the app sends through ProxyPass keep it: they are not httpd's.)`,
      corsError: name === ACAO ? 'MissingAllowOriginHeader' : 'InvalidAllowCredentials',
      when: name === ACAO ? 'error-responses' : 'credentials',
      fix: {
        snippet: [...(c.proxied ? unsetLines([sent.name]) : []), alwaysLine(sent.op)].join('\n'),
        where: `replacing ${where(sent.op.at)}${c.proxied ? ' (the unset removes the app\'s copy, which "always" would keep)' : ''}`,
      },
    })
  }
  return out
}

function credentialed(c: Ctx): Finding[] {
  const origin = linesNamed(c.ok, ACAO).at(-1)
  if (!origin?.op || !valuesOf(c.ok, ACAC).includes('true')) return []
  if (valuesOf(c.ok, ACAO).join() === '*')
    return [
      {
        code: 'apache-wildcard-with-credentials',
        severity: 'error',
        ...at(origin.op.at),
        title: 'Access-Control-Allow-Origin * with Access-Control-Allow-Credentials: true',
        explanation:
          "A credentialed request (cookies, credentials: 'include') is refused when the origin is *: it must be the page's exact origin.",
        corsError: 'WildcardOriginNotAllowed',
        when: 'credentials',
        fix: {
          snippet: allowListFix([], c.proxied, true),
          where: `in ${describe(c.scope)}, replacing its Access-Control-Allow-Origin line`,
        },
      },
    ]
  const use = originUse(origin.op, c.env)
  if (use?.kind !== 'reflect' || use.guarded) return []
  return [
    {
      code: 'apache-reflects-any-origin-with-credentials',
      severity: 'error',
      ...at(origin.op.at),
      title: "the request's Origin reflected with credentials and no allow-list",
      explanation:
        "Any website can make a logged-in user's browser call this API and read the answer: httpd echoes every Origin and allows credentials. No browser error shows it.",
      corsError: null,
      when: 'other-origins',
      fix: {
        snippet: allowListFix([], c.proxied, true),
        where: `in ${describe(c.scope)}, replacing ${where(origin.op.at)}`,
      },
    },
  ]
}

function originValue(c: Ctx): Finding[] {
  const origin = linesNamed(c.ok, ACAO).at(-1)
  if (!origin?.op) return []
  const use = originUse(origin.op, c.env)
  if (use?.kind === 'never-set') {
    if (!c.proxied) return []
    return [
      {
        code: 'apache-origin-variable-never-set',
        severity: 'error',
        ...at(origin.op.at),
        title: `%{${use.variable}}e is not set here: httpd sends "(null)"`,
        explanation: `mod_headers' %{…}e reads an environment variable, and nothing in this config sets ${use.variable} (only CGI-style handlers do, not ProxyPass): the response says "Access-Control-Allow-Origin: (null)", which is not an origin at all.`,
        corsError: 'InvalidAllowOriginValue',
        when: 'always',
        fix: {
          snippet: allowListFix([], c.proxied, valuesOf(c.ok, ACAC).includes('true')),
          where: `in ${describe(c.scope)}, replacing ${where(origin.op.at)}`,
        },
      },
    ]
  }
  if (!use) return []
  const vary = c.variant.ops.some(
    (o) =>
      o.name.toLowerCase() === 'vary' && o.action !== 'unset' && /(^|[\s,])origin([\s,]|$)/i.test(o.value),
  )
  if (vary) return []
  return [
    {
      code: 'apache-origin-dependent-without-vary',
      severity: 'warning',
      ...at(origin.op.at),
      title: 'Access-Control-Allow-Origin depends on the Origin but there is no "Vary: Origin"',
      explanation:
        "A cache (the browser's, a CDN, mod_cache) may keep the answer made for one origin and serve it to another, whose request then fails.",
      corsError: 'AllowOriginMismatch',
      when: 'other-origins',
      fix: { snippet: 'Header always merge Vary "Origin"', where: `next to ${where(origin.op.at)}` },
    },
  ]
}

function maxAge(c: Ctx): Finding[] {
  return linesNamed(c.ok, 'access-control-max-age').flatMap((l) => {
    const n = Number(l.value)
    if (!l.op || !Number.isFinite(n) || n <= 7200) return []
    return [
      {
        code: 'apache-max-age-above-cap',
        severity: 'info' as const,
        ...at(l.op.at),
        title: `Access-Control-Max-Age ${n} is above what browsers keep`,
        explanation:
          'Chromium keeps a preflight at most 7200 s (2 h) and Firefox 86400 s (24 h); a longer value is cut to that, so preflights come back sooner than the config suggests.',
        corsError: null,
        when: 'other' as const,
        fix: {
          snippet: `Header ${l.op.table === 'always' ? 'always ' : ''}set Access-Control-Max-Age "7200"`,
          where: `replacing ${where(l.op.at)}`,
        },
      },
    ]
  })
}

/** A RewriteRule's [flags], split. */
export function ruleFlags(d: ApacheDirective): string[] {
  const last = d.args[d.args.length - 1] ?? ''
  if (d.args.length < 3 || !last.startsWith('[') || !last.endsWith(']')) return []
  return last
    .slice(1, -1)
    .split(',')
    .map((f) => f.trim())
}

/** The status a RewriteRule answers with itself: [R] is 302; [R=204] a 2xx answer; null: no R flag. */
function ruleStatus(d: ApacheDirective): number | null {
  for (const f of ruleFlags(d)) {
    const m = /^R(?:edirect)?(?:=(\w+))?$/i.exec(f)
    if (!m) continue
    const v = (m[1] ?? '302').toLowerCase()
    return v === 'permanent' ? 301 : v === 'temp' ? 302 : v === 'seeother' ? 303 : Number(v)
  }
  return null
}

interface Rule {
  readonly rule: ApacheDirective
  readonly conds: readonly ApacheDirective[]
}

/** Whether the rule's RewriteConds test the method, and whether OPTIONS passes them. */
function methodTest(conds: readonly ApacheDirective[]): 'none' | 'options' | 'not-options' {
  const m = conds.find((c) => /^%\{REQUEST_METHOD\}$/i.test(c.args[0] ?? ''))
  if (!m) return 'none'
  const p = m.args[1] ?? ''
  if (p.startsWith('!')) return 'not-options'
  return /OPTIONS/i.test(p) ? 'options' : 'not-options'
}

function rewriteRules(ds: readonly ApacheDirective[]): Rule[] {
  if (!ds.some((d) => d.key === 'rewriteengine' && d.args[0]?.toLowerCase() === 'on')) return []
  const out: Rule[] = []
  let conds: ApacheDirective[] = []
  for (const d of ds) {
    if (d.key === 'rewritecond') conds.push(d)
    else if (d.key === 'rewriterule') {
      out.push({ rule: d, conds })
      conds = []
    }
  }
  return out
}

const isRedirect = (r: Rule): boolean => {
  const s = ruleStatus(r.rule)
  const flags = ruleFlags(r.rule).map((f) => f.toUpperCase())
  if (flags.includes('P')) return false
  return (s !== null && s >= 300 && s < 400) || /^https?:\/\//i.test(r.rule.args[1] ?? '')
}
const answersOptions = (r: Rule): boolean => {
  const s = ruleStatus(r.rule)
  return s !== null && s >= 200 && s < 300 && methodTest(r.conds) === 'options'
}

function preflightAnswer(c: Ctx, ds: readonly ApacheDirective[]): Finding[] {
  const answer = rewriteRules(ds).find(answersOptions)
  // Only where this config answers CORS at all: an OPTIONS outside the API's sections is no CORS request.
  if (!answer || !c.variant.ops.some((o) => isCors(o.name))) return []
  const has = (n: string): boolean => linesNamed(c.apacheMade, n).length > 0
  const missing = [ACAO, ACAM, ACAH].filter((n) => !has(n))
  if (missing.length === 0) return []
  const noAcao = missing[0] === ACAO
  const fill = (n: string, fallback: string): string => {
    const o = c.variant.ops.find((x) => x.name.toLowerCase() === n && x.action !== 'unset')
    return o ? alwaysLine(o) : `Header always set ${fallback}`
  }
  const lines = [
    fill(ACAO, 'Access-Control-Allow-Origin "https://app.example"'),
    fill(ACAM, 'Access-Control-Allow-Methods "GET, POST, PUT, DELETE, OPTIONS"'),
    fill(ACAH, 'Access-Control-Allow-Headers "Content-Type, Authorization"'),
  ]
  return [
    {
      code: noAcao ? 'apache-rewrite-preflight-without-acao' : 'apache-rewrite-preflight-incomplete',
      severity: noAcao ? 'error' : 'warning',
      ...at(answer.rule),
      title: `the RewriteRule answering OPTIONS sends no ${missing.map((n) => n.replace('access-control-', 'Access-Control-')).join(', ')}`,
      explanation: noAcao
        ? 'A RewriteRule [R=2xx] answer is a response httpd makes itself: only "Header always" lines reach it, and none sets Access-Control-Allow-Origin, so every preflight fails.'
        : 'The preflight answer lacks the allowed methods or headers: a PUT/DELETE/PATCH or a request with a custom header (Content-Type: application/json, Authorization) is refused.',
      corsError: noAcao
        ? 'PreflightMissingAllowOriginHeader'
        : missing.includes(ACAM)
          ? 'MethodDisallowedByPreflightResponse'
          : 'HeaderDisallowedByPreflightResponse',
      when: 'preflight',
      fix: {
        snippet: lines.join('\n'),
        where: `in ${describe(c.scope)}, replacing its Access-Control-… Header lines (the answer to ${where(answer.rule)} gets only "always" lines)`,
      },
    },
  ]
}

function redirectCatchesPreflight(c: Ctx, ds: readonly ApacheDirective[]): Finding[] {
  // Only where this config answers CORS: a redirect elsewhere catches no preflight of this API.
  if (!c.variant.ops.some((o) => isCors(o.name))) return []
  const alias = ds.find((d) => /^redirect(match|permanent|temp)?$/.test(d.key))
  for (const r of rewriteRules(ds)) {
    if (answersOptions(r)) break
    if (isRedirect(r) && methodTest(r.conds) === 'none') return [redirectFinding(c, r.rule, 'RewriteRule')]
  }
  return alias ? [redirectFinding(c, alias, alias.name)] : []
}

function redirectFinding(c: Ctx, d: ApacheDirective, kind: string): Finding {
  const origin = c.variant.ops.find((o) => o.name.toLowerCase() === ACAO && o.action !== 'unset')
  // The 204 is httpd's own answer: it needs "always" lines, and only the ones the config lacks.
  const missing = (n: string): boolean => linesNamed(c.apacheMade, n).length === 0
  const headerLines = [
    missing(ACAO) &&
      (origin ? alwaysLine(origin) : 'Header always set Access-Control-Allow-Origin "https://app.example"'),
    missing(ACAM) && 'Header always set Access-Control-Allow-Methods "GET, POST, PUT, DELETE, OPTIONS"',
    missing(ACAH) && 'Header always set Access-Control-Allow-Headers "Content-Type, Authorization"',
  ].filter((l): l is string => typeof l === 'string')
  return {
    code: 'apache-redirect-catches-preflight',
    severity: 'error',
    ...at(d),
    title: `"${kind}" redirects the preflight`,
    explanation: `In ${describe(c.scope)} this redirect runs for OPTIONS too, before anything answers it. Browsers never follow a redirect of a preflight.`,
    corsError: 'PreflightDisallowedRedirect',
    when: 'preflight',
    fix: {
      snippet: [
        'RewriteEngine On',
        'RewriteCond %{REQUEST_METHOD} =OPTIONS',
        'RewriteRule ^ - [R=204,L]',
        ...headerLines,
      ].join('\n'),
      where: `before ${where(d)}`,
    },
  }
}

/** Origin allow-list regexes that let other sites in (SetEnvIf Origin, RewriteCond %{HTTP:Origin}, <If>). */
function originRegexes(all: readonly ApacheDirective[], sections: readonly ApacheDirective[]): Finding[] {
  const out: Finding[] = []
  const check = (re: string, d: ApacheDirective, expr = false): void => {
    if (matchesAnyOrigin(re)) return
    // No ^ before "http(s)?://" is harmless: an origin holds "://" once, so nothing can come before it.
    const schemeFirst = /^(https?|http\(s\)\?|https\?)(:\/\/|:\\\/\\\/)/.test(re)
    const why = looseOriginRegex(schemeFirst ? `^${re}` : re)
    if (!why) return
    out.push({
      code: 'apache-loose-origin-regex',
      severity: 'error',
      ...at(d),
      title: `origin allow-list regex ${why}`,
      explanation:
        'An allow-list regex must match the whole origin: "example.com" also matches https://evilexample.com and https://example.com.evil.net, which then get this API\'s CORS answer.',
      corsError: null,
      when: 'other-origins',
      fix: {
        snippet: expr ? `%{HTTP:Origin} =~ m#${anchored(re).slice(1, -1)}#` : anchored(re),
        where: `replacing the regex at ${where(d)}`,
      },
    })
  }
  for (const d of all) {
    if ((d.key === 'setenvif' || d.key === 'setenvifnocase') && d.args[0]?.toLowerCase() === 'origin')
      check(d.args[1] ?? '', d)
    if (d.key === 'rewritecond' && /^%\{HTTP:Origin\}$/i.test(d.args[0] ?? '') && !d.args[1]?.startsWith('!'))
      check(d.args[1] ?? '', d)
  }
  for (const s of sections) for (const re of exprOriginRegexes(s.args[0] ?? '')) check(re, s, true)
  return out
}

/** The regex anchored at both ends with its bare dots escaped (or a placeholder when it is not plain). */
function anchored(re: string): string {
  const esc = escapeBareDots(re)
  return `"^(?:${/[^A-Za-z0-9\\.:/^$()?|*+_-]/.test(esc) ? 'https://app\\.example' : esc})$"`
}

/** Every directive and every section, depth first (no recursion). */
function flatten(root: readonly ApacheDirective[]): { all: ApacheDirective[]; sections: ApacheDirective[] } {
  const all: ApacheDirective[] = []
  const sections: ApacheDirective[] = []
  const work = [...root].reverse()
  while (work.length) {
    const d = work.pop() as ApacheDirective
    all.push(d)
    if (d.block) {
      if (d.key === 'if' || d.key === 'elseif') sections.push(d)
      work.push(...[...d.block].reverse())
    }
  }
  return { all, sections }
}

export function apacheRules(scopes: readonly ApacheScope[], root: readonly ApacheDirective[]): Finding[] {
  const { all, sections } = flatten(root)
  const env = envFacts(all)
  const out: Finding[] = []
  const seen = new Set<string>()
  // Every section repeats its outer levels' lines: bounded work, so a hostile file gets an error, not a hang.
  let budget = WORK_LIMIT
  const spend = (n: number): void => {
    budget -= n
    if (budget < 0)
      throw new ConfigError('too many sections and Header lines to analyse', root[0]?.file ?? '-', 1)
  }
  // Inner scopes first: a line seen from a <Location> gets that context's fix (ProxyPass, its values).
  for (const scope of [...scopes].reverse()) {
    if (scope.kind === 'if') continue
    const ds = directivesOf(scope)
    spend(ds.length)
    // A <VirtualHost> does not inherit the main server's rewrite rules (without RewriteOptions Inherit):
    // https://httpd.apache.org/docs/2.4/mod/mod_rewrite.html#rewriteoptions
    const levels = chain(scope)
    const rewriting = levels.some((l) => l.kind === 'virtualhost')
      ? levels.filter((l) => l.kind !== 'server').flatMap((l) => [...l.own])
      : ds
    const proxied = ds.some(
      (d) =>
        d.key === 'proxypass' ||
        d.key === 'proxypassmatch' ||
        (d.key === 'rewriterule' && ruleFlags(d).some((f) => f.toUpperCase() === 'P')),
    )
    for (const variant of variants(scope)) {
      spend(variant.ops.length * 4 + ds.length * 2)
      const c: Ctx = {
        scope: variant.branch ?? scope,
        variant,
        proxied,
        env,
        ok: sentLines(variant.ops, [], false, spend),
        okWithApp: sentLines(variant.ops, APP_CORS, false, spend),
        apacheMade: sentLines(variant.ops, [], true, spend),
      }
      const found = [
        ...duplicates(c),
        ...notAlways(c),
        ...credentialed(c),
        ...originValue(c),
        ...maxAge(c),
        ...preflightAnswer(c, rewriting),
        ...redirectCatchesPreflight(c, rewriting),
      ]
      for (const f of found) {
        const k = `${f.code}@${f.file}:${f.line}`
        if (!seen.has(k)) out.push(f)
        seen.add(k)
      }
    }
  }
  out.push(...originRegexes(all, sections))
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1))
}
