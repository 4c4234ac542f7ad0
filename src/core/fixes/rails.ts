/**
 * Rails recipe: Rails 7 with rack-cors 2, Ruby. One Rack::Cors block inserted at position 0 of the middleware
 * stack, so it answers preflights before Warden/Devise, ActionDispatch::Static or Rack::Cache can, and wraps
 * the exception pages too.
 */
import type { Fix, FixChange } from '../fix.ts'
import { headerValue } from '../headers.ts'
import type { FixContext, Recipe } from './context.ts'
import { proxySentCors, relevantApp, proxyRemoval as sharedProxyRemoval } from './shared.ts'

export const recipe: Recipe = (ctx) => {
  // Another app stack was detected: its own recipe speaks for the app.
  if (!relevantApp(ctx, STACK)) return []
  const problem = problemOf(ctx)
  if (problem === null) return []
  const spec = specOf(ctx, problem)
  const proxy = proxyRemovals(ctx)
  // The app cure leads unless the proxy alone broke it; then the proxy's own recipe should lead.
  const leads = problem === 'duplicate' || ctx.attribution.culprit !== 'proxy'
  // rack-cors' debug header names the miss reason (no-path, deny-method, deny-header…) for preflight trouble.
  const debug = problem === 'preflight' || problem === 'method' || problem === 'headers'
  const fixes: Fix[] = [initializerFix(ctx, spec, null, debug, proxy, primaryWhy(ctx, problem, spec), leads)]
  if (problem === 'wildcard-credentials' && !spec.anyOrigin) {
    const pattern = siblingOrigins(spec.origin)
    if (pattern !== null) {
      fixes.push(
        initializerFix(
          ctx,
          spec,
          pattern,
          debug,
          proxy,
          `Several sub-domains? origins "*" with credentials: true raises at boot; a Regexp allow-list echoes each matching origin.`,
          false,
        ),
      )
    }
  }
  if (problem === 'duplicate' && proxy.length > 0) fixes.push(removalFix())
  return recommendedFirst(fixes)
}

const STACK = 'rails' as const

/** Ruby double-quoted literal: origins and tokens here hold no quotes, backslashes or "#{". */
const rb = (s: string): string => JSON.stringify(s)

/** A Regexp literal for the origin's sibling sub-domains (same scheme and port), or null for a bare host. */
function siblingOrigins(origin: string): string | null {
  const m = /^(https?):\/\/([^/:[\]]+)(:\d+)?$/i.exec(origin)
  const host = m?.[2] ?? ''
  const labels = host.split('.')
  if (!m || labels.length < 3 || /^[\d.]+$/.test(host)) return null
  const escapeDots = (s: string): string => s.replace(/[.]/g, '\\.')
  return `%r{\\A${m[1]}://[a-z0-9-]+\\.${escapeDots(labels.slice(1).join('.'))}${m[3] ?? ''}\\z}`
}

function primaryWhy(ctx: FixContext, problem: Problem, spec: Spec): string {
  const observed = observedAllowOrigin(ctx)
  const preflightStatus = ctx.exchange.preflight?.response?.status
  const failed = ctx.analysis.failedParameter ?? ''
  switch (problem) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in rack-cors only, one exact origin goes out.`
        : 'The app sent the header twice: keep this one Rack::Cors block and delete headers set by hand in controllers or other middleware.'
    case 'wildcard-credentials':
      return `With credentials the browser needs the exact origin, never "*"; rack-cors refuses credentials: true with origins "*".`
    case 'credentials':
      return 'The request carries credentials, so the resource needs credentials: true — which rack-cors accepts only with explicit origins.'
    case 'origin':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; rack-cors compares origins exactly: scheme, host, port and no trailing slash.`
        : `No Access-Control-Allow-Origin came back: rack-cors adds it only for an allowed origin on a matching resource path.`
    case 'error-response': {
      const status = ctx.exchange.response?.status ?? 'error'
      return `The ${status} answer had no CORS headers; at position 0 Rack::Cors wraps the exception pages too, so error answers carry them.`
    }
    case 'preflight': {
      const redirect = loginRedirect(ctx)
      if (redirect !== null) {
        return `The preflight was redirected to ${redirect} (a sign-in redirect); Rack::Cors at position 0 answers it before Warden/Devise.`
      }
      if (preflightStatus === 401 || preflightStatus === 403) {
        return `The preflight got ${preflightStatus}: it carries no credentials, so auth refused it; insert_before 0 puts Rack::Cors in front to answer it.`
      }
      if (preflightStatus === 404) {
        return `The preflight got 404 (no route for OPTIONS): rack-cors answers only preflights matching a resource path and method — this one does.`
      }
      return `The preflight got ${preflightStatus ?? 'no CORS answer'}: Rack::Cors first in the stack answers it with the exact origin.`
    }
    case 'method':
      return `The preflight did not allow ${failed || ctx.method}; the resource's methods: list now holds every method the page sends.`
    case 'headers':
      return `The preflight did not allow the ${failed || 'requested'} header; the resource's headers: list now holds every header the page sends.`
    case 'at-risk':
      return `Addresses "${firstWarning(ctx)}": rack-cors sends one exact origin with Vary: Origin, preflights included.`
  }
}

function initializerFix(
  ctx: FixContext,
  spec: Spec,
  pattern: string | null,
  debug: boolean,
  proxy: readonly FixChange[],
  why: string,
  recommended: boolean,
): Fix {
  // rack-cors matches methods as lower-case symbols; the preflight itself needs :options listed.
  const methods = [...new Set([...spec.methods.map((m) => m.toLowerCase()), 'options', 'head'])]
  const origins = spec.anyOrigin
    ? 'origins "*" # the request had no Origin; never with credentials: true'
    : pattern
      ? `origins ${pattern} # ${spec.origin} and its siblings, each echoed back exactly`
      : `origins ${rb(spec.origin)} # exact: scheme, host and port, no trailing slash`
  const options = [
    `headers: %w[${spec.headers.join(' ')}],`,
    `methods: %i[${methods.join(' ')}],`,
    ...(spec.credentials ? ['credentials: true, # only with explicit origins: rack-cors raises on "*"'] : []),
    'max_age: 600',
  ]
  const resource = spec.prefix ? `${spec.prefix}/*` : '*'
  const initializer = [
    '# config/initializers/cors.rb',
    '# insert_before 0: Rack::Cors must come before Warden/Devise, ActionDispatch::Static and Rack::Cache.',
    ...(debug
      ? ['# To see why a preflight misses, add debug: true after Rack::Cors (adds an x-rack-cors header).']
      : []),
    'Rails.application.config.middleware.insert_before 0, Rack::Cors do',
    '  allow do',
    `    ${origins}`,
    `    resource ${rb(resource)},`,
    ...options.map((l) => `      ${l}`),
    '  end',
    'end',
  ].join('\n')
  const gemfile = 'gem "rack-cors" # then: bundle install'
  const base = pattern
    ? 'Allow the sibling sub-domains with credentials (Regexp origins)'
    : `Allow ${spec.origin} with rack-cors`
  return {
    stack: STACK,
    layer: 'app',
    recommended,
    title: proxyTitle(base, ctx, proxy),
    why,
    snippet: withProxyNote(`# Gemfile\n${gemfile}\n\n${initializer}`, proxy, '#'),
    changes: [
      { layer: 'app', where: 'Gemfile', snippet: gemfile },
      {
        layer: 'app',
        where: 'config/initializers/cors.rb — the whole file (replaces any other Rack::Cors block)',
        snippet: initializer,
      },
      ...proxy,
    ],
    requires: 'Rails 7 with rack-cors 2',
  }
}

/** The other single layer: the proxy keeps CORS and Rails sends none. */
function removalFix(): Fix {
  const snippet = [
    '# Delete config/initializers/cors.rb (the Rack::Cors block), gem "rack-cors" and any header set by hand.',
    '# The proxy must then answer OPTIONS preflights itself, on every status.',
  ].join('\n')
  return {
    stack: STACK,
    layer: 'app',
    recommended: false,
    title: 'Let the proxy own CORS: remove it from Rails',
    why: 'Only if the proxy is the one CORS layer you keep: it must then answer preflights and add the headers on every status.',
    snippet,
    changes: [{ layer: 'app', where: 'config/initializers/cors.rb and Gemfile', snippet }],
  }
}

// ---- Shared shape of the four framework recipes (spring, aspnet, rails, fastify). Kept in each file on
// purpose: every recipe module must stand alone for the registry, and no shared fixes module exists yet.

/** What this recipe has to cure, reduced from Chromium's CorsError and the exchange around it. */
type Problem =
  | 'duplicate'
  | 'wildcard-credentials'
  | 'credentials'
  | 'origin'
  | 'error-response'
  | 'preflight'
  | 'method'
  | 'headers'
  | 'at-risk'

/** The allow-list the snippet must carry, filled from what the page really sent. */
interface Spec {
  readonly origin: string
  /** The request had no Origin, so the context handed "*": no credentials can go with it. */
  readonly anyOrigin: boolean
  readonly methods: readonly string[]
  readonly headers: readonly string[]
  readonly credentials: boolean
  /** First path segment ("/api") when the URL has one below it, else null (allow the whole app). */
  readonly prefix: string | null
}

function problemOf(ctx: FixContext): Problem | null {
  const analysis = ctx.analysis
  switch (analysis.corsError) {
    case 'MultipleAllowOriginValues':
    case 'PreflightMultipleAllowOriginValues':
      return 'duplicate'
    case 'WildcardOriginNotAllowed':
    case 'PreflightWildcardOriginNotAllowed':
      return 'wildcard-credentials'
    case 'InvalidAllowCredentials':
    case 'PreflightInvalidAllowCredentials':
      return 'credentials'
    case 'AllowOriginMismatch':
    case 'InvalidAllowOriginValue':
    case 'PreflightAllowOriginMismatch':
    case 'PreflightInvalidAllowOriginValue':
      return 'origin'
    case 'MissingAllowOriginHeader':
      // A 4xx/5xx without the header is the error path skipping CORS, not a missing configuration.
      return (ctx.exchange.response?.status ?? 0) >= 400 ? 'error-response' : 'origin'
    case 'PreflightMissingAllowOriginHeader':
    case 'PreflightInvalidStatus':
      return 'preflight'
    case 'MethodDisallowedByPreflightResponse':
    case 'InvalidAllowMethodsPreflightResponse':
      return 'method'
    case 'HeaderDisallowedByPreflightResponse':
    case 'InvalidAllowHeadersPreflightResponse':
      return 'headers'
    case 'PreflightDisallowedRedirect':
      // A redirect to another page (a login form) is auth catching the preflight: the app can cure that.
      // An http→https or trailing-slash redirect is cured by calling the final URL: a client fix.
      return loginRedirect(ctx) === null ? null : 'preflight'
    case null:
      // At-risk findings: codes are still being catalogued, so any warning counts, whatever its code.
      return analysis.verdict === 'at-risk' && analysis.findings.some((f) => f.severity === 'warning')
        ? 'at-risk'
        : null
    default:
      // Request mode, URL scheme, credentials in a redirect URL, Local Network Access: not server-side.
      return null
  }
}

/** The preflight's redirect target when it leads to another page of the same site (not just the slash). */
function loginRedirect(ctx: FixContext): string | null {
  const response = ctx.exchange.preflight?.response
  const location = response ? headerValue(response.headers, 'location') : null
  if (!location) return null
  const path = pathOf(location)
  if (path === null) return null
  const bare = (p: string): string => p.replace(/[?#].*$/, '').replace(/\/+$/, '')
  return bare(path) === bare(ctx.path) ? null : location
}

function pathOf(location: string): string | null {
  if (location.startsWith('/')) return location
  const m = /^https?:\/\/[^/?#]+(\/.*)?$/is.exec(location)
  return m ? (m[1] ?? '/') : null
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ''))]
}

function specOf(ctx: FixContext, problem: Problem): Spec {
  const failed = ctx.analysis.failedParameter ?? ''
  // Methods compare case-sensitively, so the page's method is kept as sent; GET and POST stay allowed
  // because the allow-list also gates the page's simple requests.
  const methods = unique(['GET', 'POST', ctx.method, ...(problem === 'method' ? [failed] : [])])
  const asked = unique([
    ...ctx.requestHeaders.map((h) => h.toLowerCase()),
    ...(problem === 'headers' ? [failed.toLowerCase()] : []),
  ])
  const anyOrigin = ctx.origin === '*'
  const credentials =
    !anyOrigin && (ctx.credentials || problem === 'wildcard-credentials' || problem === 'credentials')
  const segments =
    ctx.path
      .split(/[?#]/)[0]
      ?.split('/')
      .filter((s) => s !== '') ?? []
  return {
    origin: ctx.origin,
    anyOrigin,
    methods,
    headers: asked.length > 0 ? asked : ['content-type'],
    credentials,
    prefix: segments.length >= 2 ? `/${segments[0]}` : null,
  }
}

/**
 * The proxy half of "CORS at exactly one layer", when the proxy sent CORS lines of its own: the shared
 * phrasing for the proxies the other recipes know (so every recipe says it alike), else the lines to delete.
 */
function proxyRemovals(ctx: FixContext): FixChange[] {
  if (!proxySentCors(ctx)) return []
  const known = sharedProxyRemoval(ctx.attribution.proxy).map(({ layer, where, snippet }) => ({
    layer,
    where,
    snippet,
  }))
  if (known.length > 0) return known
  const lines = unique(
    ctx.attribution.lines
      .filter((l) => l.layer === 'proxy' && /^access-control-/i.test(l.header.name))
      .map((l) => `#   ${l.header.name}: ${l.header.value}`),
  )
  return [
    {
      layer: 'proxy',
      where: `${ctx.attribution.proxy ?? 'proxy'} config — the directives that add CORS headers`,
      snippet: [
        '# CORS at exactly one layer: the app sends these now, so delete the lines that add:',
        ...(lines.length > 0 ? lines : ['#   every Access-Control-* header']),
      ].join('\n'),
    },
  ]
}

/** The whole cure in one copy-ready text: the app file, then each proxy part in the file's comment style. */
function withProxyNote(full: string, proxies: readonly FixChange[], comment: string): string {
  const notes = proxies.map((p) => {
    const body = p.snippet
      .split('\n')
      .map((l) => l.replace(/^#/, comment))
      .join('\n')
    return `${comment} And in ${p.where}:\n${body}`
  })
  return [full, ...notes].join('\n\n')
}

function proxyTitle(base: string, ctx: FixContext, proxies: readonly FixChange[]): string {
  return proxies.length > 0 ? `${base}, and remove CORS from ${ctx.attribution.proxy ?? 'the proxy'}` : base
}

function observedAllowOrigin(ctx: FixContext): string | null {
  const preflight = ctx.exchange.preflight?.response
  const fromPreflight = preflight ? headerValue(preflight.headers, 'access-control-allow-origin') : null
  const response = ctx.exchange.response
  return fromPreflight ?? (response ? headerValue(response.headers, 'access-control-allow-origin') : null)
}

function firstWarning(ctx: FixContext): string {
  return ctx.analysis.findings.find((f) => f.severity === 'warning')?.title ?? 'the warning'
}

/** Recommended fixes first, keeping each group's order. */
function recommendedFirst(fixes: readonly Fix[]): Fix[] {
  return [...fixes.filter((f) => f.recommended), ...fixes.filter((f) => !f.recommended)]
}
// ---- end of the shared shape
