/**
 * Spring recipe: Spring Boot 3 / Spring Framework 6, Java. Spring MVC's CorsRegistry when nothing points to
 * Spring Security; a UrlBasedCorsConfigurationSource wired in with http.cors(withDefaults()) when something
 * does (a 401/403 or /login answer to the preflight, Security's default headers), because Security rejects
 * the credential-less preflight before MVC's CORS handling ever sees it.
 */

import type { ResponseSide } from '../exchange.ts'
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
  const security = springSecuritySeen(ctx)
  const proxy = proxyRemovals(ctx)
  // The app cure leads unless the proxy alone broke it; then the proxy's own recipe should lead.
  const leads = problem === 'duplicate' || ctx.attribution.culprit !== 'proxy'
  const why = primaryWhy(ctx, problem, spec, security)
  const fixes: Fix[] = []

  if (security) fixes.push(securityFix(ctx, spec, null, proxy, why, leads))
  else if (problem === 'error-response') fixes.push(filterFix(ctx, spec, proxy, why, leads))
  else fixes.push(mvcFix(ctx, spec, null, proxy, why, leads))

  if (problem === 'wildcard-credentials' && !spec.anyOrigin) {
    const pattern = originPattern(spec.origin)
    const patternWhy = `Several front-ends? allowedOrigins("*") with allowCredentials(true) throws at startup; allowedOriginPatterns echoes each matching origin instead.`
    fixes.push(
      security
        ? securityFix(ctx, spec, pattern, proxy, patternWhy, false)
        : mvcFix(ctx, spec, pattern, proxy, patternWhy, false),
    )
  }
  if (!security && problem !== 'duplicate') {
    fixes.push(
      securityFix(
        ctx,
        spec,
        null,
        proxy,
        'If the app uses Spring Security: have it run CORS first with http.cors(withDefaults()), or the credential-less preflight can get 401/403.',
        false,
      ),
    )
  }
  if (problem === 'duplicate' && proxy.length > 0) fixes.push(removalFix(security))
  return recommendedFirst(fixes)
}

const STACK = 'spring' as const
const PACKAGE =
  'package com.example.config; // your application package or below it, so component scanning finds it'
const SECURITY_CACHE_CONTROL = 'no-cache, no-store, max-age=0, must-revalidate'

/** Java string literal: origins, methods and header names are plain ASCII tokens, which JSON quotes the same way. */
const js = (s: string): string => JSON.stringify(s)
const jlist = (xs: readonly string[]): string => xs.map(js).join(', ')

function mapping(spec: Spec): string {
  return spec.prefix ? `${spec.prefix}/**` : '/**'
}

/** Signs that Spring Security stands before the controllers (it answers the preflight itself when it does). */
function springSecuritySeen(ctx: FixContext): boolean {
  const preflight = ctx.exchange.preflight?.response
  if (preflight && (preflight.status === 401 || (preflight.status === 403 && !corsProcessorRefused(ctx)))) {
    return true
  }
  if (ctx.analysis.corsError === 'PreflightDisallowedRedirect' && loginRedirect(ctx) !== null) return true
  const seen = [preflight, ctx.exchange.response].filter((r): r is ResponseSide => r !== undefined)
  return seen.some(
    (r) =>
      headerValue(r.headers, 'www-authenticate') !== null ||
      headerValue(r.headers, 'cache-control') === SECURITY_CACHE_CONTROL,
  )
}

/** Spring's DefaultCorsProcessor refuses a preflight it does not allow with 403 "Invalid CORS request". */
function corsProcessorRefused(ctx: FixContext): boolean {
  const preflight = ctx.exchange.preflight?.response
  return preflight?.status === 403 && (preflight.bodySnippet ?? '').includes('Invalid CORS request')
}

/** An allowedOriginPatterns value for the origin's sibling sub-domains, or any port on a local host. */
function originPattern(origin: string): string {
  const m = /^(https?):\/\/([^/:[\]]+)(?::\d+)?$/i.exec(origin)
  if (!m) return origin
  const scheme = m[1] ?? 'https'
  const host = m[2] ?? ''
  if (host === 'localhost' || /^[\d.]+$/.test(host)) return `${scheme}://${host}:[*]`
  const labels = host.split('.')
  return `${scheme}://*.${labels.length > 2 ? labels.slice(1).join('.') : host}`
}

function primaryWhy(ctx: FixContext, problem: Problem, spec: Spec, security: boolean): string {
  const observed = observedAllowOrigin(ctx)
  const preflightStatus = ctx.exchange.preflight?.response?.status
  const failed = ctx.analysis.failedParameter ?? ''
  switch (problem) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in Spring only, one exact origin goes out.`
        : 'Spring skips CORS when the header is already set, so hand-written code added the second one: delete it and keep this configuration.'
    case 'wildcard-credentials':
      return `With credentials the browser needs the exact origin, never "*"; Spring sends "*" only while allowCredentials is off.`
    case 'credentials':
      return 'The request carries credentials, so the answer must say Access-Control-Allow-Credentials: true — allowCredentials(true), with an explicit origin.'
    case 'origin':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; Spring compares origins exactly (scheme, host, port, no trailing slash).`
        : `No Access-Control-Allow-Origin came back: Spring adds it only when its mapping allows the origin ${spec.origin}.`
    case 'error-response': {
      const status = ctx.exchange.response?.status ?? 'error'
      return security
        ? `The ${status} answer had no CORS headers; http.cors(...) puts Spring's CorsFilter ahead of the security filters, so error answers carry them too.`
        : `The ${status} answer had no CORS headers; a CorsFilter at the highest precedence sets them before any other filter or controller can fail.`
    }
    case 'preflight': {
      const redirect = loginRedirect(ctx)
      if (redirect !== null) {
        return `The preflight was redirected to ${redirect} (Spring Security's login); http.cors(withDefaults()) answers it before authentication.`
      }
      if (corsProcessorRefused(ctx)) {
        return `Spring's CORS processor refused the preflight (403 "Invalid CORS request"); this mapping allows the origin, method and headers the page sends.`
      }
      if (security) {
        return `The preflight got ${preflightStatus}: it carries no cookie or Authorization, so Spring Security refused it; http.cors(withDefaults()) answers it first.`
      }
      return `The preflight got ${preflightStatus ?? 'no CORS answer'}: this mapping makes Spring answer OPTIONS on ${mapping(spec)} with the exact origin.`
    }
    case 'method':
      return `The preflight did not allow ${failed || ctx.method}; Spring allows only GET, HEAD and POST unless allowedMethods lists more.`
    case 'headers':
      return `The preflight did not allow the ${failed || 'requested'} header; allowedHeaders now lists every header the page sends.`
    case 'at-risk':
      return `Addresses "${firstWarning(ctx)}": Spring's CORS support sends one exact origin with Vary: Origin, preflights included.`
  }
}

function make(
  title: string,
  why: string,
  recommended: boolean,
  full: string,
  changes: readonly FixChange[],
  proxy: readonly FixChange[],
  requires: string,
): Fix {
  return {
    stack: STACK,
    layer: 'app',
    recommended,
    title,
    why,
    snippet: withProxyNote(full, proxy, '//'),
    changes: [...changes, ...proxy],
    requires,
  }
}

/** Spring MVC's registry: the whole app's CORS in one WebMvcConfigurer. */
function mvcFix(
  ctx: FixContext,
  spec: Spec,
  pattern: string | null,
  proxy: readonly FixChange[],
  why: string,
  recommended: boolean,
): Fix {
  const origin = pattern
    ? `.allowedOriginPatterns(${js(pattern)}) // ${spec.origin} and its siblings, each echoed back exactly`
    : `.allowedOrigins(${js(spec.origin)}) // exact: scheme, host and port, no trailing slash`
  const chain = [
    origin,
    `.allowedMethods(${jlist(spec.methods)})`,
    `.allowedHeaders(${jlist(spec.headers)})`,
    ...(spec.credentials
      ? ['.allowCredentials(true) // needs explicit origins or patterns, never a bare wildcard']
      : []),
    '.maxAge(3600);',
  ]
  const full = [
    PACKAGE,
    '',
    'import org.springframework.context.annotation.Configuration;',
    'import org.springframework.web.servlet.config.annotation.CorsRegistry;',
    'import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;',
    '',
    '@Configuration',
    'public class CorsConfig implements WebMvcConfigurer {',
    '',
    '    @Override',
    '    public void addCorsMappings(CorsRegistry registry) {',
    `        registry.addMapping(${js(mapping(spec))})`,
    ...chain.map((l) => `            ${l}`),
    '    }',
    '}',
  ].join('\n')
  const base = pattern
    ? `Allow ${pattern} with credentials (allowedOriginPatterns)`
    : `Allow ${spec.origin} in Spring MVC`
  return make(
    proxyTitle(base, ctx, proxy),
    why,
    recommended,
    full,
    [{ layer: 'app', where: 'CorsConfig.java — a new @Configuration class', snippet: full }],
    proxy,
    pattern ? 'Spring Framework ≥ 5.3 (Spring Boot 3 recommended)' : 'Spring Boot 3 / Spring Framework 6',
  )
}

function corsSourceLines(spec: Spec, pattern: string | null): string[] {
  return [
    'CorsConfiguration config = new CorsConfiguration();',
    pattern
      ? `config.setAllowedOriginPatterns(List.of(${js(pattern)})); // ${spec.origin} and its siblings, echoed back exactly`
      : `config.setAllowedOrigins(List.of(${js(spec.origin)})); // exact: scheme, host and port, no trailing slash`,
    `config.setAllowedMethods(List.of(${jlist(spec.methods)}));`,
    `config.setAllowedHeaders(List.of(${jlist(spec.headers)}));`,
    ...(spec.credentials ? ['config.setAllowCredentials(true); // needs explicit origins or patterns'] : []),
    'config.setMaxAge(3600L);',
    '',
    'UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();',
    `source.registerCorsConfiguration(${js(mapping(spec))}, config);`,
  ]
}

const indent = (lines: readonly string[], by: string): string[] => lines.map((l) => (l === '' ? '' : by + l))

/** Spring Security: its CorsFilter answers the preflight before any authentication filter. */
function securityFix(
  ctx: FixContext,
  spec: Spec,
  pattern: string | null,
  proxy: readonly FixChange[],
  why: string,
  recommended: boolean,
): Fix {
  const bean = [
    '@Bean',
    'UrlBasedCorsConfigurationSource corsConfigurationSource() {',
    ...indent(corsSourceLines(spec, pattern), '    '),
    '    return source;',
    '}',
  ]
  const full = [
    PACKAGE,
    '',
    'import static org.springframework.security.config.Customizer.withDefaults;',
    '',
    'import java.util.List;',
    'import org.springframework.context.annotation.Bean;',
    'import org.springframework.context.annotation.Configuration;',
    'import org.springframework.security.config.annotation.web.builders.HttpSecurity;',
    'import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;',
    'import org.springframework.security.web.SecurityFilterChain;',
    'import org.springframework.web.cors.CorsConfiguration;',
    'import org.springframework.web.cors.UrlBasedCorsConfigurationSource;',
    '',
    '@Configuration',
    '@EnableWebSecurity',
    'public class SecurityConfig {',
    '',
    '    @Bean',
    '    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {',
    '        http',
    '            // First: a preflight carries no cookie or Authorization, so CORS must answer it before authentication.',
    '            .cors(withDefaults())',
    '            // Keep your own rules below (authorizeHttpRequests, httpBasic, oauth2ResourceServer, csrf, ...).',
    '            .authorizeHttpRequests(auth -> auth.anyRequest().authenticated());',
    '        return http.build();',
    '    }',
    '',
    ...indent(bean, '    '),
    '}',
  ].join('\n')
  const base = pattern
    ? `Allow ${pattern} with credentials in Spring Security (allowedOriginPatterns)`
    : `Allow ${spec.origin} in Spring Security (http.cors)`
  return make(
    proxyTitle(base, ctx, proxy),
    why,
    recommended,
    full,
    [
      {
        layer: 'app',
        where: 'SecurityConfig.java — first call on http in your SecurityFilterChain bean',
        snippet: [
          'import static org.springframework.security.config.Customizer.withDefaults;',
          '',
          'http.cors(withDefaults()); // uses the corsConfigurationSource bean below',
        ].join('\n'),
      },
      {
        layer: 'app',
        where:
          'SecurityConfig.java — a new @Bean in the same class (imports java.util.List, org.springframework.web.cors.*)',
        snippet: bean.join('\n'),
      },
    ],
    proxy,
    'Spring Boot 3 / Spring Security 6',
  )
}

/** A servlet CorsFilter at the head of the chain: errors from later filters or controllers keep the headers. */
function filterFix(
  ctx: FixContext,
  spec: Spec,
  proxy: readonly FixChange[],
  why: string,
  recommended: boolean,
): Fix {
  const full = [
    PACKAGE,
    '',
    'import java.util.List;',
    'import org.springframework.boot.web.servlet.FilterRegistrationBean;',
    'import org.springframework.context.annotation.Bean;',
    'import org.springframework.context.annotation.Configuration;',
    'import org.springframework.core.Ordered;',
    'import org.springframework.web.cors.CorsConfiguration;',
    'import org.springframework.web.cors.UrlBasedCorsConfigurationSource;',
    'import org.springframework.web.filter.CorsFilter;',
    '',
    '@Configuration',
    'public class CorsFilterConfig {',
    '',
    '    @Bean',
    '    FilterRegistrationBean<CorsFilter> corsFilter() {',
    ...indent(corsSourceLines(spec, null), '        '),
    '',
    '        // Highest precedence: the headers are set before any other filter or controller can fail.',
    '        FilterRegistrationBean<CorsFilter> registration = new FilterRegistrationBean<>(new CorsFilter(source));',
    '        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);',
    '        return registration;',
    '    }',
    '}',
  ].join('\n')
  return make(
    proxyTitle(`Allow ${spec.origin} with a CorsFilter ahead of every other filter`, ctx, proxy),
    why,
    recommended,
    full,
    [
      {
        layer: 'app',
        where: 'CorsFilterConfig.java — a new @Configuration class (replaces CorsConfig / @CrossOrigin)',
        snippet: full,
      },
    ],
    proxy,
    'Spring Boot 3 / Spring Framework 6',
  )
}

/** The other single layer: the proxy keeps CORS and Spring sends none. */
function removalFix(security: boolean): Fix {
  const changes: FixChange[] = [
    {
      layer: 'app',
      where: 'Spring app — CorsConfig, @CrossOrigin, CORS filters',
      snippet: [
        '// Delete addCorsMappings (CorsConfig), every @CrossOrigin and any filter adding Access-Control-* headers.',
        '// The proxy is then the only CORS layer: it must answer OPTIONS preflights itself, on every status.',
      ].join('\n'),
    },
  ]
  if (security) {
    changes.push({
      layer: 'app',
      where: 'SecurityConfig.java — in your SecurityFilterChain bean',
      snippet:
        'http.cors(cors -> cors.disable()); // preflights are answered by the proxy and never reach Spring',
    })
  }
  return {
    stack: STACK,
    layer: 'app',
    recommended: false,
    title: 'Let the proxy own CORS: remove it from Spring',
    why: 'Only if the proxy is the one CORS layer you keep: it must then answer preflights and add the headers on every status.',
    snippet: changes.map((c) => c.snippet).join('\n\n'),
    changes,
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
