/**
 * Caddy cures. A `header` line without `defer` is set before proxying, and reverse_proxy then adds the
 * app's copy next to it (what the lab's Caddy 2.6 does); `defer` sets it as the response goes out, so it
 * replaces the app's. The `>` prefix (set with defer) needs Caddy ≥ 2.7: the snippets use the `defer`
 * block instead, which 2.6 knows.
 */
import type { Fix } from '../fix.ts'
import type { FixContext, Recipe } from './context.ts'
import {
  appOriginValueOk,
  appRemoval,
  appSentCors,
  type ChangeSpec,
  failureKind,
  HEADER_KINDS,
  headersToAllow,
  makeFix,
  methodsToAllow,
  originRegex,
  proxyRemoval,
  relevantProxy,
  WHERE,
} from './shared.ts'

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
@cors_origin header_regexp Origin "${originRegex([ctx.origin])}"`
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
    header_regexp Origin "${originRegex([ctx.origin])}"
}
handle @preflight {
    header {
        Access-Control-Allow-Methods "${[...methodsToAllow(ctx), 'OPTIONS'].join(', ')}"
${heads.length ? `        Access-Control-Allow-Headers "${heads.join(', ')}"\n` : ''}        Access-Control-Max-Age "600"
    }
    respond 204
}`
}

export const recipe: Recipe = (ctx) => {
  const kind = failureKind(ctx)
  if (!relevantProxy(ctx, 'caddy') || !HEADER_KINDS.has(kind)) return []
  const changes: ChangeSpec[] = [
    { layer: 'proxy', where: WHERE.caddySite, lang: 'caddy', snippet: caddyOnly(ctx) },
  ]
  if (appSentCors(ctx)) changes.push(appRemoval(ctx.attribution.app, 'Caddy'))
  const fixes: Fix[] = [
    makeFix({
      stack: 'caddy',
      layer: 'proxy',
      recommended: true,
      title: 'CORS at Caddy only: preflights answered with 204, headers set with defer',
      why: 'One layer sends CORS: Caddy answers preflights itself and sets one ACAO as the response leaves, replacing anything the app sent.',
      changes,
    }),
  ]
  if (kind === 'duplicate' && appOriginValueOk(ctx))
    fixes.push(
      makeFix({
        stack: 'caddy',
        layer: 'proxy',
        recommended: false,
        title: 'CORS in the app only: Caddy as a plain proxy',
        why: "The app already sends a valid Access-Control-Allow-Origin; deleting Caddy's header lines leaves exactly one.",
        changes: proxyRemoval('caddy'),
      }),
    )
  if (kind === 'duplicate')
    fixes.push(
      makeFix({
        stack: 'caddy',
        layer: 'proxy',
        recommended: false,
        title: "Keep the app's CORS, but let Caddy send the only ACAO: a deferred header set",
        why: "A deferred `header` runs after reverse_proxy, so it replaces the app's ACAO instead of adding a second line.",
        changes: [
          {
            layer: 'proxy',
            where: WHERE.caddySite,
            lang: 'caddy',
            snippet: `${matcher(ctx)}\n${responseBlock(ctx)}`,
          },
        ],
      }),
    )
  return fixes
}
