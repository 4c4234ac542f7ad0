/**
 * The nginx CORS rules: each finding names the CorsError Chromium reports when it bites
 * (services/network/public/cpp/cors/cors.cc) and `when`. Fix snippets carry only tokens, origins,
 * variables and numbers from the config (`safe`), never free text.
 */
import { isToken } from '../fetch-rules.ts'
import {
  answersPreflight,
  describe,
  type HeaderLine,
  isCorsName,
  type NginxContext,
  named,
} from './nginx-model.ts'
import type { NginxDirective } from './nginx-parse.ts'
import type { LintFinding } from './types.ts'

type Finding = Omit<LintFinding, 'server'>

/** A value safe to write into a snippet: origins, lists of tokens, variables, numbers. */
function safe(v: string): string {
  return /^[A-Za-z0-9_$.:/*,\- ]{1,200}$/.test(v) ? `"${v}"` : '"…"'
}
const headerName = (n: string): string => (isToken(n) ? n : 'Access-Control-…')
const lineOf = (h: HeaderLine, always = h.always): string =>
  `add_header ${headerName(h.name)} ${safe(h.value)}${always ? ' always' : ''};`
const at = (d: NginxDirective): { file: string; line: number } => ({ file: d.file, line: d.line })

function upstreamDuplicate(ctx: NginxContext): Finding[] {
  // An `if` that returns answers by itself (nothing of the app's reaches the browser).
  if (!ctx.proxyPass || (ctx.kind === 'if' && ctx.directives.some((d) => d.name === 'return'))) return []
  const acao = named(ctx, 'access-control-allow-origin')[0]
  if (!acao || ctx.hides.has('access-control-allow-origin')) return []
  const added = [...new Set(ctx.headers.filter((h) => isCorsName(h.name)).map((h) => headerName(h.name)))]
  return [
    {
      code: 'nginx-acao-in-front-of-upstream',
      // A warning: it bites only if the app sends CORS too, which a config cannot show; the article's
      // Option A (CORS only at nginx, in front of a plain app) is this very config and must lint clean.
      severity: 'warning',
      ...at(acao.at),
      title: 'nginx adds Access-Control-Allow-Origin in front of proxy_pass without proxy_hide_header',
      explanation: `${describe(ctx)} proxies to an app and nginx adds its own CORS lines. If the app sends Access-Control-Allow-Origin too, the browser gets two values ("*, https://…") and refuses the response.`,
      corsError: 'MultipleAllowOriginValues',
      when: 'upstream-sends-cors',
      fix: {
        snippet: added.map((n) => `proxy_hide_header ${n};`).join('\n'),
        where: `in ${describe(ctx)}, next to proxy_pass (or remove the app's CORS, or nginx's)`,
      },
    },
  ]
}

function notAlways(ctx: NginxContext, seen: Set<NginxDirective>): Finding[] {
  if (answersPreflight(ctx)) return []
  const out: Finding[] = []
  for (const h of ctx.headers) {
    const n = h.name.toLowerCase()
    if (h.always || seen.has(h.at)) continue
    if (n !== 'access-control-allow-origin' && n !== 'access-control-allow-credentials') continue
    seen.add(h.at)
    const acao = n === 'access-control-allow-origin'
    out.push({
      code: 'nginx-cors-without-always',
      severity: 'error',
      ...at(h.at),
      title: `add_header ${headerName(h.name)} without "always"`,
      explanation: `nginx adds this header only to 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308 responses. On a 4xx/5xx the line is missing, so the page cannot read the error and sees a CORS failure instead${acao ? '' : ' (for requests with credentials: the others do not need this header)'}.`,
      corsError: acao ? 'MissingAllowOriginHeader' : 'InvalidAllowCredentials',
      when: acao ? 'error-responses' : 'credentials',
      fix: { snippet: lineOf(h, true), where: `replacing ${h.at.file}:${h.at.line}` },
    })
  }
  return out
}

function dropped(ctx: NginxContext): Finding[] {
  const parent = ctx.parent
  if (!parent || ctx.own.length === 0 || ctx.inherit === 'merge' || answersPreflight(ctx)) return []
  const ownNames = new Set(ctx.own.map((h) => h.name.toLowerCase()))
  const lost = parent.headers.filter((h) => isCorsName(h.name) && !ownNames.has(h.name.toLowerCase()))
  const acao = lost.find((h) => h.name.toLowerCase() === 'access-control-allow-origin')
  if (!acao) return []
  const first = ctx.own[0] as HeaderLine
  return [
    {
      code: 'nginx-inner-add-header-drops-cors',
      severity: 'error',
      ...at(first.at),
      title: `an add_header in ${describe(ctx)} drops the CORS lines of the outer level`,
      explanation: `nginx inherits add_header lines only into a level that has none of its own. This level has ${ctx.own.length}, so ${lost.length} CORS line(s) from ${acao.at.file}:${acao.at.line} are not sent ${ctx.kind === 'if' ? 'on the requests for which its condition holds' : 'here'}.`,
      corsError: 'MissingAllowOriginHeader',
      // An `if` level drops them only for the requests that enter it.
      when: ctx.kind === 'if' ? 'other' : 'always',
      fix: {
        snippet: [...ctx.own, ...lost].map((h) => lineOf(h)).join('\n'),
        where: `in ${describe(ctx)}, replacing its add_header lines (or an include shared by both levels)`,
      },
    },
  ]
}

function preflightIncomplete(ctx: NginxContext, all: readonly NginxContext[]): Finding[] {
  if (!answersPreflight(ctx) || !ctx.at) return []
  const has = (n: string): boolean => named(ctx, n).length > 0
  const anywhere = (n: string): HeaderLine | undefined =>
    all.flatMap((c) => named(c, n)).find((h) => h.at !== undefined)
  const wanted = [
    'access-control-allow-origin',
    'access-control-allow-methods',
    'access-control-allow-headers',
  ].filter((n) => !has(n))
  if (wanted.length === 0) return []
  const fill = (n: string, fallback: string): string => {
    const h = anywhere(n)
    return `add_header ${h ? headerName(h.name) : n} ${h ? safe(h.value) : fallback} always;`
  }
  const lines = [
    ...ctx.own.map((h) => lineOf(h)),
    ...wanted.map((n) =>
      fill(
        n,
        n.endsWith('origin')
          ? '"https://app.example"'
          : n.endsWith('methods')
            ? '"GET, POST, PUT, DELETE, OPTIONS"'
            : '"Content-Type, Authorization"',
      ),
    ),
    'return 204;',
  ]
  const missingAcao = wanted[0] === 'access-control-allow-origin'
  return [
    {
      code: missingAcao ? 'nginx-preflight-without-acao' : 'nginx-preflight-incomplete',
      severity: missingAcao ? 'error' : 'warning',
      ...at(ctx.at),
      title: `the OPTIONS block answers preflights without ${wanted.join(', ')}`,
      explanation: missingAcao
        ? "This if-block has add_header lines of its own, so none of the location's are inherited: its 204 carries no Access-Control-Allow-Origin and every preflight fails."
        : 'The preflight answer lacks the allowed methods or headers: a PUT/DELETE/PATCH or a request with a custom header (Content-Type: application/json, Authorization) is refused.',
      corsError: missingAcao
        ? 'PreflightMissingAllowOriginHeader'
        : wanted.includes('access-control-allow-methods')
          ? 'MethodDisallowedByPreflightResponse'
          : 'HeaderDisallowedByPreflightResponse',
      when: 'preflight',
      fix: {
        snippet: `if ($request_method = OPTIONS) {\n${lines.map((l) => `    ${l}`).join('\n')}\n}`,
        where: `replacing ${describe(ctx)}`,
      },
    },
  ]
}

const REDIRECT_CODES = new Set(['301', '302', '303', '307', '308'])

function isRedirect(d: NginxDirective): boolean {
  if (d.name === 'return') {
    const [a] = d.args
    return a !== undefined && (REDIRECT_CODES.has(a) || /^(https?:\/\/|\$scheme)/.test(a))
  }
  if (d.name === 'rewrite') {
    const flag = d.args[2]
    return flag === 'redirect' || flag === 'permanent' || /^(https?:\/\/|\$scheme)/.test(d.args[1] ?? '')
  }
  return false
}

/** A redirect in a server or location that a preflight reaches before any OPTIONS answer. */
function redirectCatchesPreflight(ctx: NginxContext, corsInServer: boolean): Finding[] {
  if ((ctx.kind !== 'server' && ctx.kind !== 'location') || !corsInServer) return []
  for (const d of ctx.directives) {
    if (d.name === 'if' && d.block) {
      const cond = d.args.join(' ')
      if (cond.includes('$request_method')) {
        if (d.block.some((x) => x.name === 'return' && !isRedirect(x))) return []
        continue
      }
      const r = d.block.find(isRedirect)
      if (r) return [redirectFinding(ctx, r)]
      continue
    }
    if (isRedirect(d)) return [redirectFinding(ctx, d)]
  }
  return []
}

function redirectFinding(ctx: NginxContext, d: NginxDirective): Finding {
  const acao = named(ctx, 'access-control-allow-origin')[0]
  return {
    code: 'nginx-redirect-catches-preflight',
    severity: 'error',
    ...at(d),
    title: `"${d.name}" redirects the preflight`,
    explanation: `In ${describe(ctx)} this redirect runs for OPTIONS too, before anything answers it. Browsers never follow a redirect of a preflight.`,
    corsError: 'PreflightDisallowedRedirect',
    when: 'preflight',
    fix: {
      snippet: [
        'if ($request_method = OPTIONS) {',
        `    add_header Access-Control-Allow-Origin ${acao ? safe(acao.value) : '"https://app.example"'} always;`,
        '    add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE, OPTIONS" always;',
        '    add_header Access-Control-Allow-Headers "Content-Type, Authorization" always;',
        '    return 204;',
        '}',
      ].join('\n'),
      where: `before ${d.file}:${d.line}`,
    },
  }
}

function valueFindings(ctx: NginxContext, seen: Set<string>, originVars: ReadonlySet<string>): Finding[] {
  const out: Finding[] = []
  const acaos = named(ctx, 'access-control-allow-origin')
  const acac = named(ctx, 'access-control-allow-credentials').some((h) => h.value.toLowerCase() === 'true')
  const pre = answersPreflight(ctx)
  const push = (key: string, f: Finding): void => {
    if (seen.has(`${key}@${f.file}:${f.line}`)) return
    seen.add(`${key}@${f.file}:${f.line}`)
    out.push(f)
  }
  const first = acaos[0]
  if (!first) return out
  if (acaos.length > 1 || /[ ,]/.test(first.value.trim())) {
    const second = acaos[1]
    push('multi', {
      code: 'nginx-multiple-origins',
      severity: 'error',
      ...at((second ?? first).at),
      title: 'more than one origin in Access-Control-Allow-Origin',
      explanation:
        'The header takes exactly one origin (or *). A list, or two add_header lines, is refused: pick the origin per request with a map on $http_origin.',
      corsError: pre ? 'PreflightMultipleAllowOriginValues' : 'MultipleAllowOriginValues',
      when: 'always',
      fix: {
        snippet: mapFix(first.value),
        where: 'map in the http block; the add_header lines in place of the old ones',
      },
    })
  }
  if (first.value === '*' && acac)
    push('wild', {
      code: 'nginx-wildcard-with-credentials',
      severity: 'error',
      ...at(first.at),
      title: 'Access-Control-Allow-Origin * with Access-Control-Allow-Credentials: true',
      explanation:
        "A credentialed request (cookies, credentials: 'include') is refused when the origin is *: it must be the page's exact origin.",
      corsError: pre ? 'PreflightWildcardOriginNotAllowed' : 'WildcardOriginNotAllowed',
      when: 'credentials',
      fix: {
        snippet: mapFix('https://app.example'),
        where: 'map in the http block; the add_header lines in place of the old ones',
      },
    })
  const reflects = first.value.includes('$http_origin')
  // An allow-list guards it: an `if` on $http_origin, or on a variable set inside one (`set $cors`).
  const guarded = ctx.conditions.some(
    (c) => c.includes('$http_origin') || [...originVars].some((v) => mentions(c, v)),
  )
  if (reflects && acac && !guarded)
    push('reflect', {
      code: 'nginx-reflects-any-origin-with-credentials',
      severity: 'error',
      ...at(first.at),
      title: '$http_origin reflected with credentials and no allow-list',
      explanation:
        "Any website can make a logged-in user's browser call this API and read the answer: nginx echoes every Origin and allows credentials. No browser error shows it.",
      corsError: null,
      when: 'other-origins',
      fix: {
        snippet: mapFix('https://app.example'),
        where: 'map in the http block; the add_header lines in place of the old ones',
      },
    })
  if (
    first.value.includes('$') &&
    // A Vary whose value is a variable may well be Origin: unknown, so no warning.
    !ctx.headers.some((h) => h.name.toLowerCase() === 'vary' && /origin|\$/i.test(h.value)) &&
    // A `return 204` is the preflight idiom: "Responses to the OPTIONS method are not cacheable" (https://www.rfc-editor.org/rfc/rfc9110#section-9.3.7).
    !ctx.directives.some((d) => d.name === 'return' && d.args[0] === '204')
  )
    push('vary', {
      code: 'nginx-origin-dependent-without-vary',
      severity: 'warning',
      ...at(first.at),
      title: 'Access-Control-Allow-Origin depends on the Origin but there is no "Vary: Origin"',
      explanation:
        "A cache (the browser's, a CDN, proxy_cache) may keep the answer made for one origin and serve it to another, whose request then fails.",
      corsError: 'AllowOriginMismatch',
      when: 'other-origins',
      fix: { snippet: 'add_header Vary Origin always;', where: `next to ${first.at.file}:${first.at.line}` },
    })
  for (const h of named(ctx, 'access-control-max-age')) {
    const n = Number(h.value)
    if (Number.isFinite(n) && n > 7200)
      push('maxage', {
        code: 'nginx-max-age-above-cap',
        severity: 'info',
        ...at(h.at),
        title: `Access-Control-Max-Age ${n} is above what browsers keep`,
        explanation:
          'Chromium keeps a preflight at most 7200 s (2 h) and Firefox 86400 s (24 h); a longer value is cut to that, so preflights come back sooner than the config suggests.',
        corsError: null,
        when: 'other',
        fix: {
          snippet: `add_header Access-Control-Max-Age 7200 always;`,
          where: `replacing ${h.at.file}:${h.at.line}`,
        },
      })
  }
  return out
}

/** Whether an `if` condition names `$v` (not `$v_more`). */
function mentions(cond: string, v: string): boolean {
  for (let at = cond.indexOf(v); at >= 0; at = cond.indexOf(v, at + 1))
    if (!/[A-Za-z0-9_]/.test(cond[at + v.length] ?? '')) return true
  return false
}

/** Variables `set` inside an `if ($http_origin …)`: the michiel/Stanback gists' `set $cors 'true'` guard. */
function setFromOrigin(root: readonly NginxDirective[]): Set<string> {
  const out = new Set<string>()
  const work = [...root]
  while (work.length) {
    const d = work.pop() as NginxDirective
    if (!d.block) continue
    if (d.name === 'if' && d.args.join(' ').includes('$http_origin'))
      for (const x of d.block) if (x.name === 'set' && x.args[0]?.startsWith('$')) out.add(x.args[0])
    if (d.name !== 'map') work.push(...d.block)
  }
  return out
}

/** The allow-list map (linear, anchored, dots escaped) that replaces a list or a reflection. */
function mapFix(value: string): string {
  const origins = value.split(/[ ,]+/).filter((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(o))
  const list = origins.length ? origins : ['https://app.example']
  return [
    'map $http_origin $cors_origin {',
    '    default "";',
    ...list.map((o) => `    "~^${o.replaceAll('.', '\\.')}$" $http_origin;`),
    '}',
    'add_header Access-Control-Allow-Origin $cors_origin always;',
    'add_header Vary Origin always;',
  ].join('\n')
}

/** Where an origin regex lets other sites in: not anchored at both ends, or a bare `.` before the end. */
export function looseOriginRegex(re: string): string | null {
  let body = re
  if (body.startsWith('~*') || body.startsWith('~')) body = body.replace(/^~\*?/, '')
  let depth = 0
  let topAlt = false
  let inClass = false
  let bareDot = false
  let prefixWild = false
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) topAlt = true
    else if (c === '.' && !'*+?{'.includes(body[i + 1] ?? '')) bareDot = true
    else if (wildBeforeName(body, i)) prefixWild = true
  }
  if (!body.startsWith('^') || !body.endsWith('$') || (body.endsWith('\\$') && !body.endsWith('\\\\$')))
    return 'not anchored with ^…$'
  if (topAlt) return 'a top-level | leaves the ^ or $ to one alternative'
  if (bareDot) return 'an unescaped dot matches any character'
  if (prefixWild) return 'a wildcard right before a name lets any prefix in (evil + name)'
  return null
}

/**
 * `.*` or `.+` (or a class repeated) at `i` directly followed by a letter or digit: `^https://.*example\.com$`
 * matches https://evilexample.com. A subdomain wildcard ends in an escaped dot: `(.*\.)?example\.com`.
 */
function wildBeforeName(body: string, i: number): boolean {
  const c = body[i]
  if (c !== '*' && c !== '+') return false
  const atom = body[i - 1]
  if (!(atom === ']' || (atom === '.' && body[i - 2] !== '\\'))) return false
  const next = body[i + 1] === '?' ? body[i + 2] : body[i + 1]
  return next !== undefined && /[A-Za-z0-9]/.test(next)
}

function originRegexes(ds: readonly NginxDirective[]): Finding[] {
  const out: Finding[] = []
  const check = (re: string, d: NginxDirective): void => {
    const why = looseOriginRegex(re)
    if (!why) return
    out.push({
      code: 'nginx-loose-origin-regex',
      severity: 'error',
      ...at(d),
      title: `origin allow-list regex ${why}`,
      explanation:
        'An allow-list regex must match the whole origin: "example.com" also matches https://evilexample.com and https://example.com.evil.net, which then get this API\'s CORS answer.',
      corsError: null,
      when: 'other-origins',
      fix: { snippet: fixedRegex(re), where: `replacing the regex at ${d.file}:${d.line}` },
    })
  }
  const work = [...ds]
  while (work.length) {
    const d = work.pop() as NginxDirective
    if (d.name === 'if' && d.args[0]?.includes('$http_origin') && (d.args[1] === '~' || d.args[1] === '~*'))
      check((d.args[2] ?? '').replace(/\)$/, ''), d)
    if (d.name === 'map' && d.args[0] === '$http_origin' && d.block)
      for (const e of d.block) if (e.name.startsWith('~')) check(e.name, e)
    if (d.block && d.name !== 'map') work.push(...d.block)
  }
  return out
}

function fixedRegex(re: string): string {
  const prefix = re.startsWith('~*') ? '~*' : re.startsWith('~') ? '~' : ''
  let body = re.slice(prefix.length).replace(/^\^/, '').replace(/\$$/, '')
  let esc = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c === '\\') {
      esc += c + (body[i + 1] ?? '')
      i++
      continue
    }
    if (c === '.' && wildBeforeName(body, i + 1)) {
      // `.*name` → `(.*\.)?name`: the name or any subdomain of it, nothing glued in front.
      esc += '(.*\\.)?'
      i += body[i + 2] === '?' ? 2 : 1
      continue
    }
    esc += c === '.' && !'*+?{'.includes(body[i + 1] ?? '') ? '\\.' : c
  }
  body = /[^A-Za-z0-9\\.:/^$()?|*+_-]/.test(esc) ? 'https://app\\.example' : esc
  return `"${prefix}^(?:${body})$"`
}

export function nginxRules(contexts: readonly NginxContext[], root: readonly NginxDirective[]): Finding[] {
  const out: Finding[] = []
  const seenAlways = new Set<NginxDirective>()
  const seenValues = new Set<string>()
  const seenDup = new Set<string>()
  const originVars = setFromOrigin(root)
  const corsServers = new Set<NginxContext>()
  for (const c of contexts) {
    if (!c.headers.some((h) => isCorsName(h.name))) continue
    let s: NginxContext | null = c
    while (s && s.kind !== 'server') s = s.parent
    if (s) corsServers.add(s)
  }
  const serverOf = (c: NginxContext): NginxContext | null => {
    let s: NginxContext | null = c
    while (s && s.kind !== 'server') s = s.parent
    return s
  }
  for (const c of contexts) {
    if (c.kind === 'http') continue
    const s = serverOf(c)
    for (const f of upstreamDuplicate(c)) {
      const k = `${f.file}:${f.line}`
      if (!seenDup.has(k)) out.push(f)
      seenDup.add(k)
    }
    if (c.kind !== 'server') out.push(...notAlways(c, seenAlways))
    out.push(...dropped(c))
    out.push(...preflightIncomplete(c, contexts))
    out.push(...redirectCatchesPreflight(c, s !== null && corsServers.has(s)))
    if (c.kind !== 'server') out.push(...valueFindings(c, seenValues, originVars))
  }
  out.push(...originRegexes(root))
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1))
}
