/**
 * ASP.NET Core recipe: .NET 8, minimal hosting (Program.cs), C#. One named policy applied by UseCors at the
 * documented place — after UseRouting, before UseAuthentication/UseAuthorization — and, for error answers,
 * after UseExceptionHandler so the re-executed error request passes through CORS again.
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
  const errors = problem === 'error-response'
  const fixes: Fix[] = [programFix(ctx, spec, null, errors, proxy, primaryWhy(ctx, problem, spec), leads)]
  if (problem === 'wildcard-credentials' && !spec.anyOrigin) {
    const wildcard = wildcardSubdomains(spec.origin)
    if (wildcard !== null) {
      fixes.push(
        programFix(
          ctx,
          spec,
          wildcard,
          errors,
          proxy,
          'Several sub-domains? AllowAnyOrigin() with AllowCredentials() is invalid; a wildcard sub-domain allow-list echoes each matching origin.',
          false,
        ),
      )
    }
  }
  if (problem === 'duplicate' && proxy.length > 0) fixes.push(removalFix())
  return recommendedFirst(fixes)
}

const STACK = 'aspnet' as const
const POLICY = 'FrontendCors'

/** C# string literal: origins, methods and header names are plain ASCII tokens, which JSON quotes the same way. */
const cs = (s: string): string => JSON.stringify(s)
const cslist = (xs: readonly string[]): string => xs.map(cs).join(', ')

/** "https://*.example.com" for SetIsOriginAllowedToAllowWildcardSubdomains, or null for a bare host. */
function wildcardSubdomains(origin: string): string | null {
  const m = /^(https?):\/\/([^/:[\]]+)(:\d+)?$/i.exec(origin)
  const host = m?.[2] ?? ''
  const labels = host.split('.')
  if (!m || labels.length < 3 || /^[\d.]+$/.test(host)) return null
  return `${m[1]}://*.${labels.slice(1).join('.')}${m[3] ?? ''}`
}

function primaryWhy(ctx: FixContext, problem: Problem, spec: Spec): string {
  const observed = observedAllowOrigin(ctx)
  const preflightStatus = ctx.exchange.preflight?.response?.status
  const failed = ctx.analysis.failedParameter ?? ''
  switch (problem) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in the ASP.NET Core middleware only, one exact origin goes out.`
        : 'The app sent the header twice: keep this one policy and delete Response.Headers.Append/Add calls or custom middleware adding Access-Control-* headers.'
    case 'wildcard-credentials':
      return `With credentials the browser needs the exact origin, never "*": WithOrigins(...) plus AllowCredentials(), not AllowAnyOrigin().`
    case 'credentials':
      return 'The request carries credentials, so the policy needs AllowCredentials() — which ASP.NET Core accepts only with explicit origins.'
    case 'origin':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; WithOrigins compares exactly (scheme, host, port, no trailing slash).`
        : `No Access-Control-Allow-Origin came back: UseCors must run for this endpoint, with a policy allowing ${spec.origin}.`
    case 'error-response': {
      const status = ctx.exchange.response?.status ?? 'error'
      return `The ${status} answer had no CORS headers: with UseExceptionHandler first, the error request is re-executed through UseCors and keeps them.`
    }
    case 'preflight': {
      const redirect = loginRedirect(ctx)
      if (redirect !== null) {
        return `The preflight was redirected to ${redirect} (an auth challenge); UseCors before UseAuthentication answers it first.`
      }
      if (preflightStatus === 401 || preflightStatus === 403) {
        return `The preflight got ${preflightStatus}: it carries no credentials, so auth refused it; UseCors before UseAuthentication/UseAuthorization answers it first.`
      }
      if (preflightStatus === 404 || preflightStatus === 405) {
        return `The preflight got ${preflightStatus}: no endpoint answers OPTIONS; UseCors with a policy, after UseRouting, answers the preflight itself.`
      }
      return `The preflight got ${preflightStatus ?? 'no CORS answer'}: UseCors with this policy, after UseRouting and before auth, answers it with the exact origin.`
    }
    case 'method':
      return `The preflight did not allow ${failed || ctx.method}; WithMethods now lists every method the page sends.`
    case 'headers':
      return `The preflight did not allow the ${failed || 'requested'} header; WithHeaders now lists every header the page sends.`
    case 'at-risk':
      return `Addresses "${firstWarning(ctx)}": the CORS middleware sends one exact origin with Vary: Origin, preflights included.`
  }
}

/** The endpoint the page calls, so the Program.cs compiles and shows where the app's own endpoints go. */
function endpoint(ctx: FixContext): string {
  const path = cs(ctx.path.split(/[?#]/)[0] || '/')
  const helper: Record<string, string> = {
    GET: 'MapGet',
    POST: 'MapPost',
    PUT: 'MapPut',
    DELETE: 'MapDelete',
    PATCH: 'MapPatch',
  }
  const name = helper[ctx.method]
  return name
    ? `app.${name}(${path}, () => Results.Ok()); // your endpoints`
    : `app.MapMethods(${path}, new[] { ${cs(ctx.method)} }, () => Results.Ok()); // your endpoints`
}

function programFix(
  ctx: FixContext,
  spec: Spec,
  wildcard: string | null,
  errors: boolean,
  proxy: readonly FixChange[],
  why: string,
  recommended: boolean,
): Fix {
  const origins = spec.anyOrigin
    ? ['.AllowAnyOrigin() // the request had no Origin; never together with AllowCredentials()']
    : wildcard
      ? [
          `.WithOrigins(${cs(wildcard)}) // ${spec.origin} and its siblings, each echoed back exactly`,
          '.SetIsOriginAllowedToAllowWildcardSubdomains()',
        ]
      : [`.WithOrigins(${cs(spec.origin)}) // exact: scheme, host and port, no trailing slash`]
  const policy = [
    ...origins,
    `.WithMethods(${cslist(spec.methods)})`,
    `.WithHeaders(${cslist(spec.headers)})`,
    ...(spec.credentials
      ? ['.AllowCredentials() // only with explicit origins, never AllowAnyOrigin()']
      : []),
    '.SetPreflightMaxAge(TimeSpan.FromMinutes(10))',
  ]
  // The closing ");" goes after the last call, before its comment, so the statement stays valid C#.
  const last = policy.length - 1
  const policyLines = policy.map((l, i) => {
    if (i !== last) return l
    const at = l.indexOf(' //')
    return at < 0 ? `${l});` : `${l.slice(0, at)});${l.slice(at)}`
  })
  const services = [
    'builder.Services.AddCors(options =>',
    '{',
    `    options.AddPolicy(${POLICY}, policy => policy`,
    ...policyLines.map((l) => `        ${l}`),
    '});',
  ]
  const pipeline = [
    ...(errors
      ? [
          'app.UseExceptionHandler("/error"); // first: the error request is re-executed through UseCors below',
        ]
      : []),
    'app.UseRouting();',
    `app.UseCors(${POLICY}); // after UseRouting, before UseAuthentication and UseAuthorization`,
    'app.UseAuthentication();',
    'app.UseAuthorization();',
  ]
  const full = [
    '// Program.cs — ASP.NET Core 8, minimal hosting',
    `const string ${POLICY} = "Frontend";`,
    '',
    'var builder = WebApplication.CreateBuilder(args);',
    '',
    ...services,
    'builder.Services.AddAuthentication(); // your existing authentication and authorization setup',
    'builder.Services.AddAuthorization();',
    '',
    'var app = builder.Build();',
    '',
    ...pipeline,
    '',
    ...(errors
      ? ['app.Map("/error", () => Results.Problem()); // the error answer, now with CORS headers']
      : []),
    endpoint(ctx),
    '',
    'app.Run();',
  ].join('\n')
  const base = wildcard ? `Allow ${wildcard} with credentials` : `Allow ${spec.origin} with one CORS policy`
  return {
    stack: STACK,
    layer: 'app',
    recommended,
    title: proxyTitle(base, ctx, proxy),
    why,
    snippet: withProxyNote(full, proxy, '//'),
    changes: [
      {
        layer: 'app',
        where: 'Program.cs — services, before var app = builder.Build()',
        snippet: [`const string ${POLICY} = "Frontend"; // top of Program.cs`, '', ...services].join('\n'),
      },
      {
        layer: 'app',
        where: errors
          ? 'Program.cs — pipeline: UseExceptionHandler first, UseCors after app.UseRouting() and before app.UseAuthentication()/app.UseAuthorization()'
          : 'Program.cs — pipeline: UseCors after app.UseRouting() and before app.UseAuthentication()/app.UseAuthorization()',
        snippet: pipeline.join('\n'),
      },
      ...(errors
        ? [
            {
              layer: 'app' as const,
              where: 'Program.cs — with your endpoints, before app.Run()',
              snippet: 'app.Map("/error", () => Results.Problem());',
            },
          ]
        : []),
      ...proxy,
    ],
    requires: '.NET 8 (ASP.NET Core 8)',
  }
}

/** The other single layer: the proxy keeps CORS and the app sends none. */
function removalFix(): Fix {
  const snippet = [
    '// Delete builder.Services.AddCors(...), app.UseCors(...), [EnableCors] and RequireCors(...),',
    '// and any code appending Access-Control-* headers. The proxy must then answer OPTIONS preflights itself.',
  ].join('\n')
  return {
    stack: STACK,
    layer: 'app',
    recommended: false,
    title: 'Let the proxy own CORS: remove it from ASP.NET Core',
    why: 'Only if the proxy is the one CORS layer you keep: it must then answer preflights and add the headers on every status.',
    snippet,
    changes: [
      { layer: 'app', where: 'Program.cs and controllers — CORS policy, UseCors, [EnableCors]', snippet },
    ],
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
