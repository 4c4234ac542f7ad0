/**
 * Fastify recipe: Fastify 5 with @fastify/cors (10 or later), JavaScript ES module. The plugin registered at
 * the root before any auth hook or route: it answers preflights from its onRequest hook, so it must run
 * before hooks that would reject a credential-less OPTIONS.
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
  const strict = strictPreflightRefused(ctx)
  const fixes: Fix[] = [
    pluginFix(ctx, spec, { problem, strictPreflight: null }, proxy, primaryWhy(ctx, problem, spec), leads),
  ]
  if (strict) {
    fixes.push(
      pluginFix(
        ctx,
        spec,
        { problem, strictPreflight: false },
        proxy,
        'Only if a layer you cannot change strips Origin or Access-Control-Request-Method from OPTIONS: strictPreflight: false stops the 400.',
        false,
      ),
    )
  }
  if (problem === 'duplicate' && proxy.length > 0) fixes.push(removalFix())
  return recommendedFirst(fixes)
}

const STACK = 'fastify' as const

/** JS single-quoted literal: origins and tokens here hold no quotes or backslashes, but escape them anyway. */
const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
const qlist = (xs: readonly string[]): string => `[${xs.map(q).join(', ')}]`

/** @fastify/cors' strictPreflight answers 400 "Invalid Preflight Request" to an OPTIONS missing its CORS headers. */
function strictPreflightRefused(ctx: FixContext): boolean {
  const preflight = ctx.exchange.preflight?.response
  return preflight?.status === 400 && (preflight.bodySnippet ?? '').includes('Invalid Preflight Request')
}

function primaryWhy(ctx: FixContext, problem: Problem, spec: Spec): string {
  const observed = observedAllowOrigin(ctx)
  const preflightStatus = ctx.exchange.preflight?.response?.status
  const failed = ctx.analysis.failedParameter ?? ''
  switch (problem) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in @fastify/cors only, one exact origin goes out.`
        : 'The app sent the header twice: keep this one plugin registration and delete reply.header calls or hooks adding Access-Control-* headers.'
    case 'wildcard-credentials':
      return `With credentials the browser needs the exact origin, never "*": credentials: true with an explicit origin, not the default '*'.`
    case 'credentials':
      return 'The request carries credentials, so the plugin needs credentials: true — with an explicit origin, never the default "*".'
    case 'origin':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; browsers compare origins exactly: scheme, host, port, no trailing slash.`
        : `No Access-Control-Allow-Origin came back: @fastify/cors adds it only where it is registered, and only for an allowed origin.`
    case 'error-response': {
      const status = ctx.exchange.response?.status ?? 'error'
      return `The ${status} answer had no CORS headers; registered at the root, the plugin sets them in onRequest, before any handler can fail.`
    }
    case 'preflight': {
      const redirect = loginRedirect(ctx)
      if (redirect !== null) {
        return `The preflight was redirected to ${redirect} (an auth redirect); registered first, @fastify/cors replies to it in onRequest, before auth hooks.`
      }
      if (strictPreflightRefused(ctx)) {
        return `The preflight got 400 "Invalid Preflight Request": it reached Fastify without Origin or Access-Control-Request-Method — find the layer stripping them.`
      }
      if (preflightStatus === 401 || preflightStatus === 403) {
        return `The preflight got ${preflightStatus}: an auth hook ran before @fastify/cors; registered first, its onRequest hook replies to the preflight before auth.`
      }
      if (preflightStatus === 404) {
        return `The preflight got 404 (no OPTIONS route): @fastify/cors adds one where it is registered — at the root, before the routes.`
      }
      return `The preflight got ${preflightStatus ?? 'no CORS answer'}: the plugin at the root answers OPTIONS with the exact origin.`
    }
    case 'method':
      return `The preflight did not allow ${failed || ctx.method}; @fastify/cors allows only GET, HEAD and POST unless methods lists more.`
    case 'headers':
      return `The preflight did not allow the ${failed || 'requested'} header; allowedHeaders now lists every header the page sends.`
    case 'at-risk':
      return `Addresses "${firstWarning(ctx)}": @fastify/cors sends one exact origin with Vary: Origin, preflights included.`
  }
}

/** The page's route, so the module runs as is and shows where the app's own routes go. */
function route(ctx: FixContext): string {
  const url = q(ctx.path.split(/[?#]/)[0] || '/')
  return `app.route({ method: ${q(ctx.method)}, url: ${url}, handler: async () => ({ ok: true }) })`
}

interface Variant {
  readonly problem: Problem
  /** null: leave strictPreflight at its default (true). */
  readonly strictPreflight: boolean | null
}

function pluginFix(
  ctx: FixContext,
  spec: Spec,
  variant: Variant,
  proxy: readonly FixChange[],
  why: string,
  recommended: boolean,
): Fix {
  const options = [
    spec.anyOrigin
      ? `origin: '*', // the request had no Origin; never with credentials: true`
      : `origin: ${q(spec.origin)}, // exact: scheme, host and port, no trailing slash`,
    `methods: ${qlist(spec.methods)},`,
    `allowedHeaders: ${qlist(spec.headers)},`,
    ...(spec.credentials ? [`credentials: true, // only with an explicit origin, never '*'`] : []),
    ...(variant.problem === 'preflight'
      ? [`hook: 'onRequest', // the default; a later hook lets auth hooks reject the preflight first`]
      : []),
    ...(variant.strictPreflight === false
      ? ['strictPreflight: false, // answers OPTIONS even without Origin / Access-Control-Request-Method']
      : []),
    'maxAge: 600,',
  ]
  const register = [
    '// Registered first, at the root: its onRequest hook answers preflights before any auth hook runs.',
    'await app.register(cors, {',
    ...options.map((l) => `  ${l}`),
    '})',
  ]
  const full = [
    '// server.mjs — Fastify 5 with @fastify/cors (npm install @fastify/cors)',
    "import cors from '@fastify/cors'",
    "import Fastify from 'fastify'",
    '',
    'const app = Fastify({ logger: true })',
    '',
    ...register,
    '',
    '// Your auth hooks and routes come after the plugin.',
    route(ctx),
    '',
    'await app.listen({ port: 3000 })',
  ].join('\n')
  const base =
    variant.strictPreflight === false
      ? 'Accept preflights without CORS request headers (strictPreflight: false)'
      : `Allow ${spec.origin} with @fastify/cors`
  return {
    stack: STACK,
    layer: 'app',
    recommended,
    title: proxyTitle(base, ctx, proxy),
    why,
    snippet: withProxyNote(full, proxy, '//'),
    changes: [
      { layer: 'app', where: 'shell, in the API project', snippet: 'npm install @fastify/cors' },
      {
        layer: 'app',
        where:
          'server entry (e.g. server.mjs) — right after const app = Fastify(), before any auth hook, plugin or route',
        snippet: ["import cors from '@fastify/cors'", '', ...register].join('\n'),
      },
      ...proxy,
    ],
    requires: 'Fastify 5 with @fastify/cors ≥ 10',
  }
}

/** The other single layer: the proxy keeps CORS and Fastify sends none. */
function removalFix(): Fix {
  const snippet = [
    "// Delete the @fastify/cors import and its app.register(cors, …), and any reply.header('Access-Control-…').",
    '// The proxy must then answer OPTIONS preflights itself, on every status.',
  ].join('\n')
  return {
    stack: STACK,
    layer: 'app',
    recommended: false,
    title: 'Let the proxy own CORS: remove it from Fastify',
    why: 'Only if the proxy is the one CORS layer you keep: it must then answer preflights and add the headers on every status.',
    snippet,
    changes: [{ layer: 'app', where: 'server entry — the @fastify/cors registration', snippet }],
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
