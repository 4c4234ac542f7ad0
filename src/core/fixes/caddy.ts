/**
 * Caddy cures. A `header` line without `defer` is set before proxying, and reverse_proxy then adds the
 * app's copy next to it (what the lab's Caddy 2.6 does); `defer` sets it as the response goes out, so it
 * replaces the app's. The `>` prefix (set with defer) needs Caddy ≥ 2.7: the snippets use the `defer`
 * block instead, which 2.6 knows.
 */
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { caddyString } from './escape.ts'
import { headersToAllow, methodsToAllow, originRegex, proxyApplies, proxyCures } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  site: "Caddyfile, the API's site block",
} as const

/** "CORS in the app only": Caddy's CORS lines deleted. */
export const plainProxy: readonly ChangeSpec[] = [
  {
    layer: 'proxy',
    where: WHERE.site,
    comment: '#',
    snippet:
      "# Caddy passes the app's CORS headers through untouched: no header Access-Control-* lines here.",
  },
]

function responseBlock(ctx: FixContext, extra: readonly string[] = []): string {
  return `header @cors_origin {
    Access-Control-Allow-Origin "{http.request.header.Origin}"
${ctx.credentials ? '    Access-Control-Allow-Credentials "true"\n' : ''}${extra.map((l) => `    ${l}\n`).join('')}    +Vary Origin
    # set as the response goes out: replaces the app's copy instead of adding a second (Caddy ≥ 2.7: the > prefix)
    defer
}`
}

function matcher(ctx: FixContext): string {
  return `# The allow-list: add origins to the regex, e.g. ^(https://a\\.example|https://b\\.example)$
@cors_origin header_regexp Origin ${caddyString(originRegex([ctx.origin])) ?? '"^$"'}`
}

export function caddyOnly(ctx: FixContext): string {
  const heads = headersToAllow(ctx)
  return `${matcher(ctx)}
${responseBlock(ctx, [
  '-Access-Control-Allow-Methods',
  '-Access-Control-Allow-Headers',
  '-Access-Control-Max-Age',
])}
# Preflights end here with 204, before they reach the app.
@preflight {
    method OPTIONS
    header_regexp Origin ${caddyString(originRegex([ctx.origin])) ?? '"^$"'}
}
handle @preflight {
    header {
        Access-Control-Allow-Methods ${caddyString([...methodsToAllow(ctx), 'OPTIONS'].join(', '))}
${heads.length ? `        Access-Control-Allow-Headers ${caddyString(heads.join(', '))}\n` : ''}        Access-Control-Max-Age "600"
    }
    respond 204
}`
}

export const recipe: Recipe = (ctx) => {
  if (!proxyApplies(ctx, 'caddy')) return []
  return proxyCures(ctx, {
    stack: 'caddy',
    name: 'Caddy',
    directive: 'header',
    only: {
      title: 'CORS at Caddy only: preflights answered with 204, headers set with defer',
      why: 'One layer sends CORS: Caddy answers preflights itself and sets one ACAO as the response leaves, replacing anything the app sent.',
      changes: [{ layer: 'proxy', where: WHERE.site, comment: '#', snippet: caddyOnly(ctx) }],
    },
    keep: {
      title: "Keep the app's CORS, but let Caddy send the only ACAO: a deferred header set",
      why: "A deferred `header` runs after reverse_proxy, so it replaces the app's ACAO instead of adding a second line.",
      changes: [
        {
          layer: 'proxy',
          where: WHERE.site,
          comment: '#',
          snippet: `${matcher(ctx)}\n${responseBlock(ctx)}`,
        },
      ],
    },
  })
}
