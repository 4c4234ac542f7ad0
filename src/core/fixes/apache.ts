/**
 * Apache httpd cures. mod_headers keeps two tables (landscape.md §4.2): `Header always` lines go out even on
 * errors and before the backend's; onsuccess lines replace or follow the backend's. So: `always set` for
 * our lines, `unset` on both tables for the app's copies, and preflights answered by mod_rewrite.
 */
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { apacheHeaderValue, apacheString } from './escape.ts'
import { headersToAllow, methodsToAllow, originRegex, proxyApplies, proxyCures } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  location: 'Apache config, inside the <Location> (or <VirtualHost>) that proxies the API',
} as const

/** "CORS in the app only": Apache's CORS lines deleted. */
export const plainProxy: readonly ChangeSpec[] = [
  {
    layer: 'proxy',
    where: WHERE.location,
    comment: '#',
    snippet:
      "# Apache passes the app's CORS headers through untouched: no Header … Access-Control-* lines here.",
  },
]

const CORS_HEADERS = [
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Credentials',
  'Access-Control-Allow-Methods',
  'Access-Control-Allow-Headers',
  'Access-Control-Max-Age',
]

const unsetBoth = (headers: readonly string[]): string =>
  headers.map((h) => `Header unset ${h}\nHeader always unset ${h}`).join('\n')

function allowLines(ctx: FixContext, preflight: boolean): string[] {
  const heads = headersToAllow(ctx)
  return [
    `SetEnvIf Origin ${apacheString(originRegex([ctx.origin])) ?? '"^$"'} CORS_ORIGIN=$1`,
    'Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN',
    ...(ctx.credentials ? ['Header always set Access-Control-Allow-Credentials "true" env=CORS_ORIGIN'] : []),
    ...(preflight
      ? [
          `Header always set Access-Control-Allow-Methods ${apacheHeaderValue([...methodsToAllow(ctx), 'OPTIONS'].join(', '))} env=CORS_ORIGIN`,
          ...(heads.length
            ? [
                `Header always set Access-Control-Allow-Headers ${apacheHeaderValue(heads.join(', '))} env=CORS_ORIGIN`,
              ]
            : []),
        ]
      : []),
    'Header always merge Vary Origin',
  ]
}

export function apacheOnly(ctx: FixContext): string {
  return `# CORS is answered here only (mod_headers, mod_setenvif, mod_rewrite). Drop the app's copies from both tables:
${unsetBoth(CORS_HEADERS)}
# The allow-list: add origins to the regex, e.g. ^(https://a\\.example|https://b\\.example)$
${allowLines(ctx, true).join('\n')}
# Preflights end here with 204, before the proxy (or the app's auth) sees them.
RewriteEngine On
RewriteCond %{REQUEST_METHOD} =OPTIONS
RewriteRule ^ - [R=204,L]`
}

export const recipe: Recipe = (ctx) => {
  if (!proxyApplies(ctx, 'apache')) return []
  return proxyCures(ctx, {
    stack: 'apache',
    name: 'Apache',
    directive: 'Header',
    only: {
      title: 'CORS at Apache only: Header always set, preflights answered with 204',
      why: "One layer sends CORS: Apache unsets the app's copies, answers preflights itself and sets one ACAO with `always`, so errors carry it too.",
      changes: [{ layer: 'proxy', where: WHERE.location, comment: '#', snippet: apacheOnly(ctx) }],
    },
    keep: {
      title: "Keep the app's CORS, but let Apache send the only ACAO: unset, then always set",
      why: "`Header unset` on both tables drops the app's ACAO; `Header always set` adds one from the allow-list.",
      changes: [
        {
          layer: 'proxy',
          where: WHERE.location,
          comment: '#',
          snippet: `${unsetBoth(['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials'])}\n${allowLines(ctx, false).join('\n')}`,
        },
      ],
    },
  })
}
