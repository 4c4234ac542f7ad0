/**
 * Golden and property tests for the app recipes: Spring, ASP.NET Core, Rails (rack-cors; also lab-run),
 * Fastify (@fastify/cors), Laravel (config/cors.php) and Go (rs/cors; also lab-run). Each case is a hand-built FixContext shaped like what the capture,
 * analyze and attribution produce for a real failure. Run with UPDATE_GOLDEN=1 to rewrite the golden files.
 */

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Analysis, Verdict } from '../../../src/core/analysis.ts'
import type { Attribution, LineAttribution } from '../../../src/core/attribution-types.ts'
import { type CorsErrorName, chromiumConsoleMessage } from '../../../src/core/cors-errors.ts'
import type { Exchange, Preflight, ResponseSide } from '../../../src/core/exchange.ts'
import type { Fix, Stack } from '../../../src/core/fix.ts'
import { recipe as aspnet } from '../../../src/core/fixes/aspnet.ts'
import type { FixContext, Recipe } from '../../../src/core/fixes/context.ts'
import { recipe as fastify } from '../../../src/core/fixes/fastify.ts'
import { recipe as go } from '../../../src/core/fixes/go.ts'
import { recipe as laravel } from '../../../src/core/fixes/laravel.ts'
import { recipe as rails } from '../../../src/core/fixes/rails.ts'
import { recipe as spring } from '../../../src/core/fixes/spring.ts'
import type { HeaderLine } from '../../../src/core/headers.ts'
import type { Finding } from '../../../src/core/model/finding.ts'
import { STACKS } from '../../../src/core/stacks/index.ts'
import { GOLDEN_DIR, golden } from './golden.ts'

const ORIGIN = 'https://app.example.com'
const API = 'https://api.example.com'

const RECIPES: ReadonlyArray<readonly [Stack, Recipe]> = [
  ['spring', spring],
  ['aspnet', aspnet],
  ['rails', rails],
  ['fastify', fastify],
  ['laravel', laravel],
  ['go', go],
]

interface Case {
  readonly name: string
  readonly corsError: CorsErrorName | null
  readonly verdict?: Verdict
  readonly failedParameter?: string
  readonly stage?: Analysis['stage']
  readonly method: string
  readonly path: string
  readonly scheme?: 'https' | 'http'
  /** Non-safelisted request header names, lower-cased, as the page sends them. */
  readonly requestHeaders?: readonly string[]
  readonly credentials?: boolean
  readonly preflight?: { readonly status: number; readonly headers: HeaderLine[]; readonly body?: string }
  readonly response?: ResponseSide
  readonly findings?: readonly Finding[]
  readonly attribution?: Partial<Attribution>
  /** No recipe of these four stacks can cure it (client-side, or not a failure at all). */
  readonly none?: boolean
}

const h = (name: string, value: string): HeaderLine => ({ name, value })

function line(
  name: string,
  value: string,
  index: number,
  layer: LineAttribution['layer'],
  stack: Stack | null,
): LineAttribution {
  return {
    header: { place: 'response', name, value, index },
    layer,
    stack,
    confidence: 'high',
    evidence: layer === 'proxy' ? 'a static value, the same on every path' : 'echoes the request Origin',
  }
}

const CASES: readonly Case[] = [
  {
    name: 'duplicate-acao-proxy',
    corsError: 'MultipleAllowOriginValues',
    failedParameter: `*, ${ORIGIN}`,
    stage: 'response',
    method: 'GET',
    path: '/api/items',
    response: {
      status: 200,
      headers: [
        h('Server', 'nginx/1.27.3'),
        h('Access-Control-Allow-Origin', '*'),
        h('Access-Control-Allow-Origin', ORIGIN),
        h('Vary', 'Origin'),
      ],
    },
    attribution: {
      culprit: 'proxy',
      proxy: 'nginx',
      evidence: ['nginx adds a static "*" on top of the app’s echoed origin'],
      lines: [
        line('Access-Control-Allow-Origin', '*', 1, 'proxy', 'nginx'),
        line('Access-Control-Allow-Origin', ORIGIN, 2, 'app', null),
      ],
    },
  },
  {
    // A CDN or gateway the attribution cannot name: the cure lists the very lines it must stop adding.
    name: 'duplicate-acao-unknown-proxy',
    corsError: 'MultipleAllowOriginValues',
    failedParameter: `${ORIGIN}, ${ORIGIN}`,
    stage: 'response',
    method: 'POST',
    path: '/api/orders',
    requestHeaders: ['content-type'],
    credentials: true,
    response: {
      status: 201,
      headers: [
        h('Access-Control-Allow-Origin', ORIGIN),
        h('Access-Control-Allow-Credentials', 'true'),
        h('Access-Control-Allow-Origin', ORIGIN),
      ],
    },
    attribution: {
      culprit: 'proxy',
      proxy: null,
      lines: [
        line('Access-Control-Allow-Origin', ORIGIN, 0, 'app', null),
        line('Access-Control-Allow-Credentials', 'true', 1, 'app', null),
        line('Access-Control-Allow-Origin', ORIGIN, 2, 'proxy', null),
      ],
    },
  },
  {
    name: 'wildcard-credentials',
    corsError: 'WildcardOriginNotAllowed',
    failedParameter: '*',
    stage: 'response',
    method: 'GET',
    path: '/api/me',
    credentials: true,
    response: {
      status: 200,
      headers: [h('Access-Control-Allow-Origin', '*'), h('Content-Type', 'application/json')],
    },
  },
  {
    name: 'preflight-401-auth-first',
    corsError: 'PreflightMissingAllowOriginHeader',
    failedParameter: '',
    stage: 'preflight',
    method: 'PUT',
    path: '/api/items/42',
    requestHeaders: ['authorization', 'content-type'],
    preflight: {
      status: 401,
      headers: [
        h('WWW-Authenticate', 'Bearer'),
        h('Cache-Control', 'no-cache, no-store, max-age=0, must-revalidate'),
      ],
    },
  },
  {
    name: 'preflight-405-no-options',
    corsError: 'PreflightInvalidStatus',
    failedParameter: '',
    stage: 'preflight',
    method: 'POST',
    path: '/api/orders',
    requestHeaders: ['content-type'],
    preflight: { status: 405, headers: [h('Access-Control-Allow-Origin', ORIGIN), h('Allow', 'GET, POST')] },
  },
  {
    name: 'preflight-403-spring-cors-refused',
    corsError: 'PreflightMissingAllowOriginHeader',
    failedParameter: '',
    stage: 'preflight',
    method: 'DELETE',
    path: '/api/items/42',
    requestHeaders: ['x-csrf-token'],
    preflight: {
      status: 403,
      headers: [h('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')],
      body: 'Invalid CORS request',
    },
  },
  {
    name: 'preflight-400-strict',
    corsError: 'PreflightInvalidStatus',
    failedParameter: '',
    stage: 'preflight',
    method: 'PUT',
    path: '/api/items/42',
    requestHeaders: ['content-type'],
    preflight: { status: 400, headers: [h('Content-Type', 'text/plain')], body: 'Invalid Preflight Request' },
  },
  {
    name: 'preflight-login-redirect',
    corsError: 'PreflightDisallowedRedirect',
    failedParameter: '',
    stage: 'preflight',
    method: 'DELETE',
    path: '/api/items/42',
    credentials: true,
    preflight: { status: 302, headers: [h('Location', `${API}/login`)] },
  },
  {
    name: 'preflight-https-redirect',
    corsError: 'PreflightDisallowedRedirect',
    failedParameter: '',
    stage: 'preflight',
    method: 'PUT',
    path: '/api/items/42',
    scheme: 'http',
    requestHeaders: ['content-type'],
    preflight: { status: 307, headers: [h('Location', `${API}/api/items/42`)] },
    none: true,
  },
  {
    name: 'method-disallowed',
    corsError: 'MethodDisallowedByPreflightResponse',
    failedParameter: 'PATCH',
    stage: 'preflight',
    method: 'PATCH',
    path: '/api/items/42',
    requestHeaders: ['content-type'],
    preflight: {
      status: 204,
      headers: [
        h('Access-Control-Allow-Origin', ORIGIN),
        h('Access-Control-Allow-Methods', 'GET,HEAD,POST'),
        h('Access-Control-Allow-Headers', 'content-type'),
      ],
    },
  },
  {
    name: 'header-disallowed',
    corsError: 'HeaderDisallowedByPreflightResponse',
    failedParameter: 'x-api-key',
    stage: 'preflight',
    method: 'POST',
    path: '/api/search',
    requestHeaders: ['content-type', 'x-api-key'],
    preflight: {
      status: 200,
      headers: [h('Access-Control-Allow-Origin', ORIGIN), h('Access-Control-Allow-Headers', 'content-type')],
    },
  },
  {
    name: 'error-500-no-headers',
    corsError: 'MissingAllowOriginHeader',
    failedParameter: '',
    stage: 'response',
    method: 'POST',
    path: '/api/orders',
    requestHeaders: ['content-type'],
    credentials: true,
    preflight: {
      status: 204,
      headers: [
        h('Access-Control-Allow-Origin', ORIGIN),
        h('Access-Control-Allow-Credentials', 'true'),
        h('Access-Control-Allow-Methods', 'GET, POST'),
        h('Access-Control-Allow-Headers', 'content-type'),
      ],
    },
    response: { status: 500, headers: [h('Content-Type', 'application/problem+json')] },
  },
  {
    name: 'origin-trailing-slash',
    corsError: 'AllowOriginMismatch',
    failedParameter: `${ORIGIN}/`,
    stage: 'response',
    method: 'GET',
    path: '/api/items',
    response: { status: 200, headers: [h('Access-Control-Allow-Origin', `${ORIGIN}/`)] },
  },
  {
    name: 'credentials-missing',
    corsError: 'InvalidAllowCredentials',
    failedParameter: '',
    stage: 'response',
    method: 'GET',
    path: '/api/me',
    credentials: true,
    response: { status: 200, headers: [h('Access-Control-Allow-Origin', ORIGIN), h('Vary', 'Origin')] },
  },
  {
    name: 'at-risk-warning',
    corsError: null,
    verdict: 'at-risk',
    method: 'GET',
    path: '/items',
    response: { status: 200, headers: [h('Access-Control-Allow-Origin', ORIGIN)] },
    findings: [
      {
        code: 'vary-origin-missing',
        severity: 'warning',
        title: 'Vary: Origin is missing',
        explanation: `The answer names ${ORIGIN} but has no Vary: Origin, so a cache may serve it to another origin.`,
        headers: [],
        links: [],
      },
    ],
  },
  {
    // The headers point to another app stack: its recipe speaks for the app, these four stay silent.
    name: 'other-app-detected',
    corsError: 'WildcardOriginNotAllowed',
    failedParameter: '*',
    stage: 'response',
    method: 'GET',
    path: '/api/me',
    credentials: true,
    response: { status: 200, headers: [h('Access-Control-Allow-Origin', '*')] },
    attribution: { app: 'express' },
    none: true,
  },
  {
    name: 'client-mode-same-origin',
    corsError: 'DisallowedByMode',
    failedParameter: '',
    method: 'GET',
    path: '/api/items',
    none: true,
  },
  {
    name: 'client-local-network-denied',
    corsError: 'LocalNetworkAccessPermissionDenied',
    failedParameter: 'local',
    method: 'GET',
    path: '/api/items',
    none: true,
  },
  {
    name: 'ok-info-only',
    corsError: null,
    verdict: 'ok',
    method: 'GET',
    path: '/api/items',
    response: { status: 200, headers: [h('Access-Control-Allow-Origin', ORIGIN), h('Vary', 'Origin')] },
    findings: [
      {
        code: 'max-age-short',
        severity: 'info',
        title: 'Preflight cache is short',
        explanation: '',
        headers: [],
        links: [],
      },
    ],
    none: true,
  },
]

function contextOf(c: Case): FixContext {
  const url = `${c.scheme === 'http' ? API.replace('https:', 'http:') : API}${c.path}`
  const credentials = c.credentials ?? false
  const requestHeaders = c.requestHeaders ?? []
  const preflight: Preflight | undefined = c.preflight && {
    request: {
      method: 'OPTIONS',
      url,
      headers: [
        h('Origin', ORIGIN),
        h('Access-Control-Request-Method', c.method),
        ...(requestHeaders.length > 0 ? [h('Access-Control-Request-Headers', requestHeaders.join(','))] : []),
      ],
    },
    response: {
      status: c.preflight.status,
      headers: c.preflight.headers,
      ...(c.preflight.body === undefined ? {} : { bodySnippet: c.preflight.body }),
    },
  }
  const blocked = c.corsError !== null
  const sentHeaders = [h('Origin', ORIGIN), ...(credentials ? [h('Cookie', 'session=abc')] : [])]
  const exchange: Exchange = {
    initiator: ORIGIN,
    // A request stopped by its preflight was never sent, so it shows no headers.
    request: { method: c.method, url, headers: c.stage === 'preflight' ? [] : sentHeaders },
    ...(preflight ? { preflight } : {}),
    ...(c.response ? { response: c.response } : {}),
    outcome: blocked ? { kind: 'error', error: 'net::ERR_FAILED' } : { kind: 'ok' },
    credentials: credentials ? 'include' : 'same-origin',
    browser: 'chromium',
  }
  const analysis: Analysis = {
    verdict: c.verdict ?? (blocked ? 'blocked' : 'ok'),
    blocked,
    corsError: c.corsError,
    failedParameter: blocked ? (c.failedParameter ?? '') : null,
    stage: blocked ? (c.stage ?? 'response') : null,
    summary: `Case ${c.name}.`,
    unsafeRequestHeaders: c.requestHeaders ?? [],
    consoleMessage: c.corsError
      ? chromiumConsoleMessage({
          error: c.corsError,
          failedParameter: c.failedParameter ?? '',
          url,
          origin: ORIGIN,
        })
      : null,
    credentials: { mode: credentials ? 'include' : 'omit', inferred: false, basis: 'set by the test' },
    origin: ORIGIN,
    crossOrigin: true,
    preflight: { required: preflight !== undefined, seen: preflight !== undefined, probablyCached: false },
    findings: c.findings ?? [],
  }
  const attribution: Attribution = {
    culprit: 'app',
    confidence: 'medium',
    proxy: null,
    app: null,
    evidence: [],
    lines: [],
    ...c.attribution,
  }
  return {
    exchange,
    analysis,
    attribution,
    origin: ORIGIN,
    method: c.method,
    requestHeaders,
    credentials,
    path: c.path,
    stack: (id) => STACKS[id],
  }
}

function render(fixes: readonly Fix[]): string {
  const blocks = fixes.map((f, i) =>
    [
      `=== fix ${i + 1}: ${f.title}`,
      `stack: ${f.stack} | layer: ${f.layer} | recommended: ${f.recommended}${f.requires ? ` | requires: ${f.requires}` : ''}`,
      `why: ${f.why}`,
      ...f.changes.flatMap((c, j) => [`--- change ${j + 1} [${c.layer}] ${c.where}`, c.snippet]),
      '--- whole snippet',
      f.snippet,
    ].join('\n'),
  )
  return `${blocks.join('\n\n')}\n`
}

/** The code without its line comments, so "never AllowAnyOrigin()" in a comment does not count as code. */
function code(snippet: string): string {
  return snippet
    .split('\n')
    .map((l) => l.replace(/(^|\s)(\/\/|#)( .*)?$/, ''))
    .join('\n')
}

const CREDENTIALS_ON =
  /allowCredentials\(true\)|setAllowCredentials\(true\)|\.AllowCredentials\(\)|credentials: true|'supports_credentials' => true|AllowCredentials: true/
const WILDCARD_ORIGIN =
  /allowedOrigins\("\*"\)|List\.of\("\*"\)|AllowAnyOrigin\(\)|SetIsOriginAllowed\(_ => true\)|origins "\*"|origin: '\*'|origin: true|'allowed_origins' => \['\*'\]|AllowedOrigins: +\[\]string\{"\*"\}/
const isRemoval = (f: Fix): boolean => f.title.startsWith('Let the proxy own CORS')
const token = (t: string): RegExp =>
  new RegExp(`["'\\[ ]${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["'\\] ]`, 'i')

const results = new Map<
  string,
  { readonly c: Case; readonly ctx: FixContext; readonly fixes: readonly Fix[] }
>()
for (const c of CASES) {
  const ctx = contextOf(c)
  for (const [stack, recipe] of RECIPES) results.set(`${stack}-${c.name}`, { c, ctx, fixes: recipe(ctx) })
}

describe.each(RECIPES.map(([stack]) => stack))('%s recipe', (stack) => {
  it.each(CASES.map((c) => c.name))('%s', (name) => {
    const result = results.get(`${stack}-${name}`)
    expect(result).toBeDefined()
    if (!result) return
    const { c, ctx, fixes } = result
    if (c.none) {
      expect(fixes).toEqual([])
      return
    }
    expect(fixes.length).toBeGreaterThan(0)
    golden(`${stack}-${name}`, render(fixes))

    // Recommended first, and the first fix is recommended unless the proxy alone is to blame.
    const firstOther = fixes.findIndex((f) => !f.recommended)
    if (firstOther >= 0) expect(fixes.slice(firstOther).every((f) => !f.recommended)).toBe(true)
    const proxyOnly =
      ctx.attribution.culprit === 'proxy' && ctx.analysis.corsError !== 'MultipleAllowOriginValues'
    expect(fixes[0]?.recommended).toBe(!proxyOnly)

    for (const fix of fixes) {
      expect(fix.stack).toBe(stack)
      expect(fix.layer).toBe('app')
      expect(fix.why).not.toMatch(/\n/)
      expect(fix.why.length).toBeGreaterThan(20)
      expect(fix.changes.length).toBeGreaterThan(0)
      for (const change of fix.changes) {
        expect(change.snippet.trim()).not.toBe('')
        expect(['app', 'proxy']).toContain(change.layer)
      }
      if (isRemoval(fix)) continue

      // The real origin verbatim, and never a wildcard origin next to credentials.
      expect(fix.snippet).toContain(ctx.origin)
      if (CREDENTIALS_ON.test(code(fix.snippet))) expect(code(fix.snippet)).not.toMatch(WILDCARD_ORIGIN)
      if (ctx.credentials) expect(code(fix.snippet)).toMatch(CREDENTIALS_ON)
      // The page's method and every header it sends are allowed.
      expect(fix.snippet).toMatch(token(ctx.method))
      for (const header of ctx.requestHeaders) expect(fix.snippet).toMatch(token(header))
      if (ctx.analysis.corsError === 'HeaderDisallowedByPreflightResponse') {
        expect(fix.snippet).toMatch(token(ctx.analysis.failedParameter ?? ''))
      }
    }
  })
})

describe('stack traps and CORS at exactly one layer', () => {
  const get = (key: string): readonly Fix[] => results.get(key)?.fixes ?? []

  it('duplicate via the proxy: keep the app, strip the proxy, and offer the proxy-only layout second', () => {
    for (const [stack] of RECIPES) {
      const fixes = get(`${stack}-duplicate-acao-proxy`)
      // nginx is known to the shared recipes: its removal is phrased (and placed) the way theirs are.
      const proxyChanges = fixes[0]?.changes.filter((c) => c.layer === 'proxy') ?? []
      expect(proxyChanges.length).toBeGreaterThan(0)
      for (const c of proxyChanges) {
        expect(c.where).toContain('nginx')
        expect(c.snippet).toContain('Access-Control-')
        expect(fixes[0]?.snippet).toContain(c.where)
      }
      const removal = fixes.find(isRemoval)
      expect(removal?.recommended).toBe(false)
      expect(removal?.changes.every((c) => c.layer === 'app')).toBe(true)

      // An unnamed proxy: the change lists the proxy's own line, not the app's.
      const unknown = get(`${stack}-duplicate-acao-unknown-proxy`)[0]
      const generic = unknown?.changes.find((c) => c.layer === 'proxy')
      expect(generic?.snippet).toContain(`Access-Control-Allow-Origin: ${ORIGIN}`)
      expect(generic?.snippet).not.toContain('Access-Control-Allow-Credentials')
    }
  })

  it('no proxy changes when the proxy is not involved', () => {
    for (const [key, { ctx, fixes }] of results) {
      if (ctx.attribution.culprit !== 'app') continue
      for (const fix of fixes)
        expect(
          fix.changes.filter((c) => c.layer === 'proxy'),
          key,
        ).toEqual([])
    }
  })

  it('Spring: Security evidence gets http.cors(withDefaults()); credentials plus wildcard gets origin patterns', () => {
    const auth = get('spring-preflight-401-auth-first')
    expect(auth[0]?.snippet).toContain('.cors(withDefaults())')
    expect(auth[0]?.snippet).toContain('UrlBasedCorsConfigurationSource corsConfigurationSource()')
    expect(get('spring-preflight-login-redirect')[0]?.snippet).toContain('.cors(withDefaults())')
    const refused = get('spring-preflight-403-spring-cors-refused')
    expect(refused[0]?.snippet).toContain('implements WebMvcConfigurer')
    expect(refused[0]?.why).toContain('Invalid CORS request')
    const wildcard = get('spring-wildcard-credentials')
    expect(wildcard.some((f) => f.snippet.includes('.allowedOriginPatterns("https://*.example.com")'))).toBe(
      true,
    )
    expect(get('spring-error-500-no-headers')[0]?.snippet).toContain('Ordered.HIGHEST_PRECEDENCE')
  })

  it('ASP.NET Core: UseCors after UseRouting and before auth; UseExceptionHandler first for error answers', () => {
    for (const [key, { fixes }] of results) {
      if (!key.startsWith('aspnet-')) continue
      for (const fix of fixes.filter((f) => !isRemoval(f))) {
        const s = fix.snippet
        const at = (t: string): number => s.indexOf(t)
        expect(at('app.UseRouting();')).toBeGreaterThan(0)
        expect(at('app.UseCors(')).toBeGreaterThan(at('app.UseRouting();'))
        expect(at('app.UseAuthentication();')).toBeGreaterThan(at('app.UseCors('))
        expect(at('app.UseAuthorization();')).toBeGreaterThan(at('app.UseCors('))
      }
    }
    const error = get('aspnet-error-500-no-headers')[0]?.snippet ?? ''
    expect(error.indexOf('app.UseExceptionHandler("/error");')).toBeGreaterThan(0)
    expect(error.indexOf('app.UseExceptionHandler("/error");')).toBeLessThan(error.indexOf('app.UseCors('))
    expect(
      get('aspnet-wildcard-credentials').some((f) =>
        f.snippet.includes('SetIsOriginAllowedToAllowWildcardSubdomains'),
      ),
    ).toBe(true)
  })

  it('Rails: insert_before 0, no trailing slash on origins, :options allowed', () => {
    for (const [key, { fixes }] of results) {
      if (!key.startsWith('rails-')) continue
      for (const fix of fixes.filter((f) => !isRemoval(f))) {
        expect(fix.snippet).toContain('config.middleware.insert_before 0, Rack::Cors do')
        expect(fix.snippet).not.toContain(`"${ORIGIN}/"`)
        expect(fix.snippet).toMatch(/methods: %i\[[^\]]*\boptions\b/)
      }
    }
    expect(get('rails-at-risk-warning')[0]?.snippet).toContain("resource '*',")
    expect(get('rails-method-disallowed')[0]?.snippet).toContain("resource '/api/*',")
  })

  it('Fastify: plugin before routes, explicit origin with credentials, strictPreflight only as the fallback', () => {
    for (const [key, { fixes }] of results) {
      if (!key.startsWith('fastify-')) continue
      for (const fix of fixes.filter((f) => !isRemoval(f))) {
        expect(fix.snippet.indexOf('await app.register(cors')).toBeLessThan(fix.snippet.indexOf('app.route('))
      }
    }
    const strict = get('fastify-preflight-400-strict')
    expect(strict[0]?.snippet).not.toContain('strictPreflight')
    expect(strict[1]?.snippet).toContain('strictPreflight: false')
    expect(strict[1]?.recommended).toBe(false)
    expect(get('fastify-preflight-401-auth-first')[0]?.snippet).toContain("hook: 'onRequest'")
  })

  it('every golden file belongs to a case (no stale goldens)', () => {
    const expected = new Set([...results].filter(([, r]) => !r.c.none).map(([key]) => `${key}.txt`))
    const present = existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR) : []
    const mine = present.filter((f) => RECIPES.some(([stack]) => f.startsWith(`${stack}-`)))
    expect(mine.sort()).toEqual([...expected].sort())
  })
})

// ---- Syntax checks with the tools this machine has. A missing tool is reported, never silently skipped.

const report: string[] = []
const available = (cmd: string, args: readonly string[]): boolean =>
  spawnSync(cmd, [...args], { encoding: 'utf8' }).error === undefined
const scratch = mkdtempSync(join(tmpdir(), 'cors-lens-recipes-'))
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
  if (report.length > 0) console.info(`syntax checks:\n  ${report.join('\n  ')}`)
})

function snippetsOf(stack: Stack): Array<{ readonly key: string; readonly fix: Fix }> {
  return [...results]
    .filter(([key]) => key.startsWith(`${stack}-`))
    .flatMap(([key, r]) => r.fixes.map((fix) => ({ key, fix })))
}

describe('syntax of the snippets', () => {
  it('Fastify: every whole snippet passes node --check as an ES module', () => {
    const all = snippetsOf('fastify')
    expect(all.length).toBeGreaterThan(0)
    all.forEach(({ key, fix }, i) => {
      const file = join(scratch, `${key}-${i}.mjs`)
      writeFileSync(file, fix.snippet)
      const run = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' })
      expect(run.status, `${key} #${i}: ${run.stderr}`).toBe(0)
    })
    report.push(`node --check: ${all.length} Fastify snippets parse`)
  })

  it('Spring: every Java class parses with javac (parse stage only: the Spring jars are not here)', () => {
    const classes = snippetsOf('spring').filter(({ fix }) => /public class \w+/.test(fix.snippet))
    expect(classes.length).toBeGreaterThan(0)
    if (!available('javac', ['-version'])) {
      report.push('javac: not installed — Spring snippets not parsed')
      expect(report.at(-1)).toContain('not installed')
      return
    }
    // One javac run for all classes (each in its own directory, since several share a class name).
    const files = classes.map(({ key, fix }, i) => {
      const name = /public class (\w+)/.exec(fix.snippet)?.[1] ?? 'Unnamed'
      const dir = join(scratch, `${key}-${i}`)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, `${name}.java`), fix.snippet)
      return join(dir, `${name}.java`)
    })
    // should-stop.ifNoError=PARSE: stop once parsing succeeds, before symbols (Spring types) are resolved.
    const run = spawnSync(
      'javac',
      ['-proc:none', '-XDshould-stop.ifNoError=PARSE', '-d', join(scratch, 'out'), ...files],
      {
        encoding: 'utf8',
      },
    )
    expect(run.status, run.stderr).toBe(0)
    // Control: the same flags do reject a Java syntax error, so a pass above means the classes parse.
    const broken = join(scratch, 'Broken.java')
    writeFileSync(broken, 'public class Broken { void m() { call( } }')
    const control = spawnSync(
      'javac',
      ['-proc:none', '-XDshould-stop.ifNoError=PARSE', '-d', join(scratch, 'out'), broken],
      {
        encoding: 'utf8',
      },
    )
    expect(control.status).not.toBe(0)
    report.push(`javac (parse only): ${classes.length} Spring classes parse`)
  })

  it('Rails: initializers checked with ruby -c when Ruby is installed, otherwise its absence is reported', () => {
    const initializers = snippetsOf('rails').filter(({ fix }) => fix.snippet.includes('Rack::Cors do'))
    expect(initializers.length).toBeGreaterThan(0)
    if (!available('ruby', ['--version'])) {
      report.push('ruby: not installed — Rails snippets not syntax-checked')
      expect(report.at(-1)).toContain('not installed')
      return
    }
    initializers.forEach(({ key, fix }, i) => {
      const file = join(scratch, `${key}-${i}.rb`)
      writeFileSync(file, fix.snippet)
      const run = spawnSync('ruby', ['-c', file], { encoding: 'utf8' })
      expect(run.status, `${key} #${i}: ${run.stderr}`).toBe(0)
    })
    report.push(`ruby -c: ${initializers.length} Rails snippets are valid Ruby`)
  })

  it('ASP.NET Core: C# is checked with the .NET SDK when present, otherwise its absence is reported', () => {
    const programs = snippetsOf('aspnet').filter(({ fix }) =>
      fix.snippet.includes('WebApplication.CreateBuilder'),
    )
    expect(programs.length).toBeGreaterThan(0)
    if (!available('dotnet', ['--version'])) {
      report.push('dotnet: not installed — ASP.NET Core snippets not compiled')
      expect(report.at(-1)).toContain('not installed')
      return
    }
    // With an SDK, build each Program.cs in a throwaway web project (slow, so only when the SDK exists).
    programs.forEach(({ key, fix }, i) => {
      const dir = join(scratch, `${key}-${i}`)
      const created = spawnSync('dotnet', ['new', 'web', '-o', dir, '--force'], { encoding: 'utf8' })
      expect(created.status, created.stderr).toBe(0)
      writeFileSync(join(dir, 'Program.cs'), fix.snippet)
      const built = spawnSync('dotnet', ['build', dir], { encoding: 'utf8' })
      expect(built.status, `${key} #${i}: ${built.stdout}`).toBe(0)
    })
    report.push(`dotnet build: ${programs.length} Program.cs compile`)
  })
})
