/**
 * Django + django-cors-headers (3.14). CorsMiddleware must come before CommonMiddleware (whose APPEND_SLASH
 * redirect would otherwise answer the preflight) and before anything that rejects; its default
 * CORS_ALLOW_HEADERS list omits custom headers.
 */
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { pythonString } from './escape.ts'
import { failureKind, redirected } from './failure.ts'
import { appAllowList, appApplies, appOnlyFix } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: 'settings.py, at the end (after MIDDLEWARE), replacing any other CORS_* settings',
} as const

/** "CORS only at the proxy": the app's own CORS setup taken out. */
export function withoutCors(proxyName: string): ChangeSpec {
  return {
    layer: 'app',
    where: WHERE.cors,
    comment: '#',
    snippet: `# CORS is answered by ${proxyName} only: take django-cors-headers out.\nMIDDLEWARE = [m for m in MIDDLEWARE if m != "corsheaders.middleware.CorsMiddleware"]`,
  }
}

const DEFAULT_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'authorization',
  'content-type',
  'dnt',
  'origin',
  'user-agent',
  'x-csrftoken',
  'x-requested-with',
])
const DEFAULT_METHODS = new Set(['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT'])

export function djangoSetup(ctx: FixContext): string {
  const { methods, headers } = appAllowList(ctx)
  const extraHeaders = headers.filter((h) => !DEFAULT_HEADERS.has(h))
  // Listed only when a preflight needs them.
  const extraMethods = (methods ?? []).filter((m) => !DEFAULT_METHODS.has(m))
  const lines = [
    '# django-cors-headers: installed, and CorsMiddleware first so it answers preflights before any redirect or auth.',
    'if "corsheaders" not in INSTALLED_APPS:',
    '    INSTALLED_APPS = [*INSTALLED_APPS, "corsheaders"]',
    'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", *[m for m in MIDDLEWARE if m != "corsheaders.middleware.CorsMiddleware"]]',
    `CORS_ALLOWED_ORIGINS = [${pythonString(ctx.origin)}]  # every allowed origin, exactly`,
    ...(extraHeaders.length
      ? [
          'from corsheaders.defaults import default_headers  # noqa: E402',
          `CORS_ALLOW_HEADERS = [*default_headers, ${extraHeaders.map((h) => pythonString(h)).join(', ')}]`,
        ]
      : []),
    ...(extraMethods.length
      ? [
          'from corsheaders.defaults import default_methods  # noqa: E402',
          `CORS_ALLOW_METHODS = [*default_methods, ${extraMethods.map((m) => pythonString(m)).join(', ')}]`,
        ]
      : []),
    ...(ctx.credentials ? ['CORS_ALLOW_CREDENTIALS = True'] : []),
  ]
  return lines.join('\n')
}

export const recipe: Recipe = (ctx) => {
  // A redirected preflight is often CommonMiddleware's APPEND_SLASH: CorsMiddleware first cures it.
  if (!appApplies(ctx, 'django', true)) return []
  const redirect = redirected(failureKind(ctx))
  return [
    appOnlyFix(
      ctx,
      'django',
      redirect
        ? 'Put CorsMiddleware first, so it answers the preflight before CommonMiddleware redirects it'
        : 'CORS in Django: django-cors-headers first, with the origin and headers',
      { layer: 'app', where: WHERE.cors, comment: '#', snippet: djangoSetup(ctx) },
      redirect
        ? 'CorsMiddleware above CommonMiddleware answers the preflight itself (200) instead of letting APPEND_SLASH redirect it'
        : 'CorsMiddleware at the top answers the preflight and adds the one allowed origin to every response',
    ),
  ]
}
