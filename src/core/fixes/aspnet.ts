/**
 * ASP.NET Core recipe: .NET 8, minimal hosting (Program.cs), C#. One named policy applied by UseCors at the
 * documented place — after UseRouting, before UseAuthentication/UseAuthorization — and, for error answers,
 * after UseExceptionHandler so the re-executed error request passes through CORS again.
 */
import type { Fix, FixChange } from '../fix.ts'
import type { FixContext, Recipe } from './context.ts'
import { csharpString } from './escape.ts'
import { beforeQuery } from './failure.ts'
import { type Case, type Framework, frameworkCase, frameworkFix, frameworkFixes } from './framework.ts'
import { proxySentCors } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  services: 'Program.cs — services, before var app = builder.Build()',
  pipelineWithErrors:
    'Program.cs — pipeline: UseExceptionHandler first, UseCors after app.UseRouting() and before app.UseAuthentication()/app.UseAuthorization()',
  endpoints: 'Program.cs — with your endpoints, before app.Run()',
  app: 'Program.cs and controllers — CORS policy, UseCors, [EnableCors]',
} as const

export const recipe: Recipe = (ctx) => {
  const c = frameworkCase(ctx, FRAMEWORK)
  if (c === null) return []
  const fixes: Fix[] = [programFix(c, null, primaryWhy(c), c.leads)]
  const wildcard =
    c.kind === 'wildcard-credentials' && !c.spec.anyOrigin ? wildcardSubdomains(c.spec.origin) : null
  if (wildcard !== null) fixes.push(programFix(c, wildcard, WILDCARD_WHY, false))
  return frameworkFixes(c, fixes, REMOVAL)
}

const FRAMEWORK: Framework = { stack: 'aspnet', name: 'ASP.NET Core', comment: '//' }
const WILDCARD_WHY =
  'Several sub-domains? AllowAnyOrigin() with AllowCredentials() is invalid; a wildcard sub-domain allow-list echoes each matching origin.'
const POLICY = 'FrontendCors'

const cs = csharpString
const cslist = (xs: readonly string[]): string => xs.map(cs).join(', ')

/** "https://*.example.com" for SetIsOriginAllowedToAllowWildcardSubdomains, or null for a bare host. */
function wildcardSubdomains(origin: string): string | null {
  const m = /^(https?):\/\/([^/:[\]]+)(:\d+)?$/i.exec(origin)
  const host = m?.[2] ?? ''
  const labels = host.split('.')
  if (!m || labels.length < 3 || /^[\d.]+$/.test(host)) return null
  return `${m[1]}://*.${labels.slice(1).join('.')}${m[3] ?? ''}`
}

function primaryWhy({ ctx, kind, spec, seen }: Case): string {
  const { observed, preflightStatus, failed, redirect, warning } = seen
  switch (kind) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in the ASP.NET Core middleware only, one exact origin goes out.`
        : 'The app sent the header twice: keep this one policy and delete Response.Headers.Append/Add calls or custom middleware adding Access-Control-* headers.'
    case 'wildcard-credentials':
      return `With credentials the browser needs the exact origin, never "*": WithOrigins(...) plus AllowCredentials(), not AllowAnyOrigin().`
    case 'credentials-flag':
      return 'The request carries credentials, so the policy needs AllowCredentials() — which ASP.NET Core accepts only with explicit origins.'
    case 'origin-mismatch':
    case 'missing':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; WithOrigins compares exactly (scheme, host, port, no trailing slash).`
        : `No Access-Control-Allow-Origin came back: UseCors must run for this endpoint, with a policy allowing ${spec.origin}.`
    case 'error-response': {
      const status = ctx.exchange.response?.status ?? 'error'
      return `The ${status} answer had no CORS headers: with UseExceptionHandler first, the error request is re-executed through UseCors and keeps them.`
    }
    case 'preflight-missing':
    case 'preflight-status':
    case 'auth-redirect': {
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
    case 'header':
      return `The preflight did not allow the ${failed || 'requested'} header; WithHeaders now lists every header the page sends.`
    case 'warning':
      return `Addresses "${warning}": the CORS middleware sends one exact origin with Vary: Origin, preflights included.`
  }
}

const MAP_HELPERS: ReadonlyMap<string, string> = new Map([
  ['GET', 'MapGet'],
  ['POST', 'MapPost'],
  ['PUT', 'MapPut'],
  ['DELETE', 'MapDelete'],
  ['PATCH', 'MapPatch'],
])

/** The endpoint the page calls, so the Program.cs compiles and shows where the app's own endpoints go. */
function endpoint(ctx: FixContext): string {
  const path = cs(beforeQuery(ctx.path) || '/')
  // A Map, not an object literal: a method named "__proto__" or "constructor" must find nothing.
  const name = MAP_HELPERS.get(ctx.method)
  return name
    ? `app.${name}(${path}, () => Results.Ok()); // your endpoints`
    : `app.MapMethods(${path}, new[] { ${cs(ctx.method)} }, () => Results.Ok()); // your endpoints`
}

function programFix(c: Case, wildcard: string | null, why: string, recommended: boolean): Fix {
  const { ctx, spec } = c
  const errors = c.kind === 'error-response'
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
  return frameworkFix(c, why, recommended, {
    title: wildcard ? `Allow ${wildcard} with credentials` : `Allow ${spec.origin} with one CORS policy`,
    full,
    changes: [
      {
        layer: 'app',
        where: WHERE.services,
        snippet: [`const string ${POLICY} = "Frontend"; // top of Program.cs`, '', ...services].join('\n'),
      },
      {
        layer: 'app',
        where: errors
          ? WHERE.pipelineWithErrors
          : 'Program.cs — pipeline: UseCors after app.UseRouting() and before app.UseAuthentication()/app.UseAuthorization()',
        snippet: pipeline.join('\n'),
      },
      ...(errors
        ? [
            {
              layer: 'app' as const,
              where: WHERE.endpoints,
              snippet: 'app.Map("/error", () => Results.Problem());',
            },
          ]
        : []),
    ],
    requires: '.NET 8 (ASP.NET Core 8)',
  })
}

/** The other single layer: what to delete so the proxy keeps CORS and the app sends none. */
const REMOVAL: readonly FixChange[] = [
  {
    layer: 'app',
    where: WHERE.app,
    snippet: [
      '// Delete builder.Services.AddCors(...), app.UseCors(...), [EnableCors] and RequireCors(...),',
      '// and any code appending Access-Control-* headers. The proxy must then answer OPTIONS preflights itself.',
    ].join('\n'),
  },
]
