/**
 * Laravel recipe: config/cors.php, read by Laravel's HandleCors (built in since Laravel 9.2, in the global
 * middleware; fruitcake/laravel-cors on Laravel 7–8 — both run fruitcake's CorsService). `paths` must match
 * the API's path or HandleCors does nothing at all; `supports_credentials` is what Sanctum's cookie-based
 * SPA auth needs (and it then sends the exact origin, never "*").
 */
import type { FixChange } from '../fix.ts'
import type { Recipe } from './context.ts'
import { droppedTokensNote, gateTokens, phpString } from './escape.ts'
import { type Case, type Framework, frameworkCase, frameworkFix, frameworkFixes } from './framework.ts'
import { snippetOrigin } from './gate.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: 'config/cors.php — the whole file',
  kernel: 'app/Http/Kernel.php (Laravel 11+: bootstrap/app.php)',
} as const

const FRAMEWORK: Framework = { stack: 'laravel', name: 'Laravel', comment: '//' }

export const recipe: Recipe = (ctx) => {
  const c = frameworkCase(ctx, FRAMEWORK)
  if (c === null) return []
  return frameworkFixes(c, [configFix(c)], REMOVAL)
}

/** Sanctum's SPA auth: cookies (credentials) and the X-XSRF-TOKEN header, or a /sanctum/ path. */
function sanctum(c: Case): boolean {
  return c.spec.headers.includes('x-xsrf-token') || /^\/sanctum\//.test(c.ctx.path)
}

function why(c: Case, credentials: boolean): string {
  const base =
    c.kind === 'duplicate'
      ? 'Two layers each sent Access-Control-Allow-Origin; with CORS in Laravel only, HandleCors sends one exact origin.'
      : "HandleCors answers the preflight and marks every response under `paths` with the one allowed origin, before routing, auth or Sanctum's middleware."
  return credentials
    ? `${base} supports_credentials => true, as cookies need (Sanctum's SPA auth sends them): the browser then requires the exact origin and Access-Control-Allow-Credentials: true.`
    : base
}

function configFix(c: Case) {
  const spec = c.spec
  const credentials = spec.credentials || sanctum(c)
  const methods = gateTokens(spec.methods)
  const headers = gateTokens(spec.headers)
  const origin = snippetOrigin(spec.origin)
  const list = (xs: readonly string[]): string => `[${xs.map(phpString).join(', ')}]`
  const prefix = spec.prefix ? `${spec.prefix.slice(1)}/*` : '*'
  const paths = [prefix, ...(credentials ? ['sanctum/csrf-cookie'] : [])]
  const file = [
    '<?php',
    '// config/cors.php — the whole file. HandleCors must stay in the global middleware (Laravel 9.2+: the',
    '// default; Laravel 11+: bootstrap/app.php). Then: php artisan config:clear',
    ...droppedTokensNote('//', [...methods.dropped, ...headers.dropped]),
    'return [',
    `    'paths' => ${list([...new Set(paths)])}, // HandleCors ignores every other path`,
    `    'allowed_methods' => ${list(methods.kept)},`,
    spec.anyOrigin
      ? `    'allowed_origins' => ['*'], // the request had no Origin; never with supports_credentials`
      : `    'allowed_origins' => [${phpString(origin)}], // exact: scheme, host and port, no trailing slash`,
    `    'allowed_origins_patterns' => [],`,
    `    'allowed_headers' => ${list(headers.kept)},`,
    `    'exposed_headers' => [],`,
    `    'max_age' => 600,`,
    `    'supports_credentials' => ${credentials && !spec.anyOrigin ? 'true' : 'false'},`,
    '];',
    ...(credentials
      ? [
          '',
          '// Sanctum (SPA auth): in .env, the page must be a stateful domain and share the session cookie domain:',
          `//   SANCTUM_STATEFUL_DOMAINS=${origin.replace(/^[a-z]+:\/\//i, '')}`,
          '//   SESSION_DOMAIN=.your-domain.example',
          "// and the page calls with credentials: 'include' (axios: withCredentials = true).",
        ]
      : []),
  ].join('\n')
  return frameworkFix(c, why(c, credentials), c.leads, {
    title: `Allow ${origin} in config/cors.php${credentials ? ', with credentials' : ''}`,
    full: file,
    changes: [{ layer: 'app', where: WHERE.cors, snippet: file }],
    requires: 'Laravel 9.2+ (HandleCors built in), or fruitcake/laravel-cors 2 on Laravel 7–8',
  })
}

/** The other single layer: what to delete so the proxy keeps CORS and Laravel sends none. */
const REMOVAL: readonly FixChange[] = [
  {
    layer: 'app',
    where: WHERE.kernel,
    snippet: [
      '// Take \\Illuminate\\Http\\Middleware\\HandleCors::class out of the global middleware (Laravel 11+:',
      '// $middleware->remove(\\Illuminate\\Http\\Middleware\\HandleCors::class)), and set no header by hand.',
      '// The proxy must then answer OPTIONS preflights itself, on every status.',
    ].join('\n'),
  },
]
