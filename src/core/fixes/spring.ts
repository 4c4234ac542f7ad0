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
import { javaString } from './escape.ts'
import { type Case, type Framework, frameworkCase, frameworkFix, frameworkFixes } from './framework.ts'
import { proxySentCors } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  corsConfig: 'CorsConfig.java — a new @Configuration class',
  security: 'SecurityConfig.java — first call on http in your SecurityFilterChain bean',
  securityBean:
    'SecurityConfig.java — a new @Bean in the same class (imports java.util.List, org.springframework.web.cors.*)',
  corsFilter: 'CorsFilterConfig.java — a new @Configuration class (replaces CorsConfig / @CrossOrigin)',
  app: 'Spring app — CorsConfig, @CrossOrigin, CORS filters',
  securityChain: 'SecurityConfig.java — in your SecurityFilterChain bean',
} as const

export const recipe: Recipe = (ctx) => {
  const c = frameworkCase(ctx, FRAMEWORK)
  if (c === null) return []
  const security = springSecuritySeen(c)
  const why = primaryWhy(c, security)
  const fixes: Fix[] = []

  if (security) fixes.push(securityFix(c, null, why, c.leads))
  else if (c.kind === 'error-response') fixes.push(filterFix(c, why, c.leads))
  else fixes.push(mvcFix(c, null, why, c.leads))

  if (c.kind === 'wildcard-credentials' && !c.spec.anyOrigin) {
    const pattern = originPattern(c.spec.origin)
    const patternWhy = `Several front-ends? allowedOrigins("*") with allowCredentials(true) throws at startup; allowedOriginPatterns echoes each matching origin instead.`
    fixes.push(security ? securityFix(c, pattern, patternWhy, false) : mvcFix(c, pattern, patternWhy, false))
  }
  if (!security && c.kind !== 'duplicate') {
    fixes.push(
      securityFix(
        c,
        null,
        'If the app uses Spring Security: have it run CORS first with http.cors(withDefaults()), or the credential-less preflight can get 401/403.',
        false,
      ),
    )
  }
  return frameworkFixes(c, fixes, removalChanges(security))
}

const FRAMEWORK: Framework = { stack: 'spring', name: 'Spring', comment: '//' }
const PACKAGE =
  'package com.example.config; // your application package or below it, so component scanning finds it'
const SECURITY_CACHE_CONTROL = 'no-cache, no-store, max-age=0, must-revalidate'

const js = javaString
const jlist = (xs: readonly string[]): string => xs.map(js).join(', ')

function mapping(spec: Case['spec']): string {
  return spec.prefix ? `${spec.prefix}/**` : '/**'
}

/** Signs that Spring Security stands before the controllers (it answers the preflight itself when it does). */
function springSecuritySeen({ ctx, kind }: Case): boolean {
  const preflight = ctx.exchange.preflight?.response
  if (preflight && (preflight.status === 401 || (preflight.status === 403 && !corsProcessorRefused(ctx)))) {
    return true
  }
  if (kind === 'auth-redirect') return true
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

function primaryWhy({ ctx, kind, spec, seen }: Case, security: boolean): string {
  const { observed, preflightStatus, failed, redirect, warning } = seen
  switch (kind) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in Spring only, one exact origin goes out.`
        : 'Spring skips CORS when the header is already set, so hand-written code added the second one: delete it and keep this configuration.'
    case 'wildcard-credentials':
      return `With credentials the browser needs the exact origin, never "*"; Spring sends "*" only while allowCredentials is off.`
    case 'credentials-flag':
      return 'The request carries credentials, so the answer must say Access-Control-Allow-Credentials: true — allowCredentials(true), with an explicit origin.'
    case 'origin-mismatch':
    case 'missing':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; Spring compares origins exactly (scheme, host, port, no trailing slash).`
        : `No Access-Control-Allow-Origin came back: Spring adds it only when its mapping allows the origin ${spec.origin}.`
    case 'error-response': {
      const status = ctx.exchange.response?.status ?? 'error'
      return security
        ? `The ${status} answer had no CORS headers; http.cors(...) puts Spring's CorsFilter ahead of the security filters, so error answers carry them too.`
        : `The ${status} answer had no CORS headers; a CorsFilter at the highest precedence sets them before any other filter or controller can fail.`
    }
    case 'preflight-missing':
    case 'preflight-status':
    case 'auth-redirect': {
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
    case 'header':
      return `The preflight did not allow the ${failed || 'requested'} header; allowedHeaders now lists every header the page sends.`
    case 'warning':
      return `Addresses "${warning}": Spring's CORS support sends one exact origin with Vary: Origin, preflights included.`
  }
}

/** Spring MVC's registry: the whole app's CORS in one WebMvcConfigurer. */
function mvcFix(c: Case, pattern: string | null, why: string, recommended: boolean): Fix {
  const spec = c.spec
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
  return frameworkFix(c, why, recommended, {
    title: base,
    full,
    changes: [{ layer: 'app', where: WHERE.corsConfig, snippet: full }],
    requires: pattern
      ? 'Spring Framework ≥ 5.3 (Spring Boot 3 recommended)'
      : 'Spring Boot 3 / Spring Framework 6',
  })
}

function corsSourceLines(spec: Case['spec'], pattern: string | null): string[] {
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
function securityFix(c: Case, pattern: string | null, why: string, recommended: boolean): Fix {
  const spec = c.spec
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
  return frameworkFix(c, why, recommended, {
    title: base,
    full,
    changes: [
      {
        layer: 'app',
        where: WHERE.security,
        snippet: [
          'import static org.springframework.security.config.Customizer.withDefaults;',
          '',
          'http.cors(withDefaults()); // uses the corsConfigurationSource bean below',
        ].join('\n'),
      },
      {
        layer: 'app',
        where: WHERE.securityBean,
        snippet: bean.join('\n'),
      },
    ],
    requires: 'Spring Boot 3 / Spring Security 6',
  })
}

/** A servlet CorsFilter at the head of the chain: errors from later filters or controllers keep the headers. */
function filterFix(c: Case, why: string, recommended: boolean): Fix {
  const spec = c.spec
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
  return frameworkFix(c, why, recommended, {
    title: `Allow ${spec.origin} with a CorsFilter ahead of every other filter`,
    full,
    changes: [
      {
        layer: 'app',
        where: WHERE.corsFilter,
        snippet: full,
      },
    ],
    requires: 'Spring Boot 3 / Spring Framework 6',
  })
}

/** The other single layer: what to delete so the proxy keeps CORS and Spring sends none. */
function removalChanges(security: boolean): FixChange[] {
  const changes: FixChange[] = [
    {
      layer: 'app',
      where: WHERE.app,
      snippet: [
        '// Delete addCorsMappings (CorsConfig), every @CrossOrigin and any filter adding Access-Control-* headers.',
        '// The proxy is then the only CORS layer: it must answer OPTIONS preflights itself, on every status.',
      ].join('\n'),
    },
  ]
  if (security) {
    changes.push({
      layer: 'app',
      where: WHERE.securityChain,
      snippet:
        'http.cors(cors -> cors.disable()); // preflights are answered by the proxy and never reach Spring',
    })
  }
  return changes
}
