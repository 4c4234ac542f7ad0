/**
 * The stack-neutral recipe, for a server no signature names: the exact header lines each response must
 * carry — the preflight's answer and the actual response — whatever produces them. Never a framework's
 * code: guessing the framework is how a Python or PHP app used to get an Express cure.
 */
import { headerValue } from '../headers.ts'
import type { Recipe } from './context.ts'
import { droppedTokensNote, gateTokens } from './escape.ts'
import { allowOriginMissing, failureKind, HEADER_KINDS } from './failure.ts'
import { snippetOrigin } from './gate.ts'
import { appAllowList, makeFix } from './shared.ts'

export const recipe: Recipe = (ctx) => {
  const kind = failureKind(ctx)
  if (ctx.attribution.app !== null || !HEADER_KINDS.has(kind)) return []
  const origin = ctx.origin === '*' ? '*' : snippetOrigin(ctx.origin)
  const credentials = ctx.credentials && origin !== '*'
  const { methods, headers } = appAllowList(ctx)
  const m = gateTokens([...(methods ?? ['GET', 'POST', ctx.method])])
  const h = gateTokens(headers)
  const preflightNeeded = ctx.exchange.preflight !== undefined || methods !== null
  const common = [
    `Access-Control-Allow-Origin: ${origin}`,
    ...(credentials ? ['Access-Control-Allow-Credentials: true'] : []),
    'Vary: Origin',
  ]
  const preflight = [
    '# 1. The preflight: OPTIONS with Origin and Access-Control-Request-Method, carrying no cookies or',
    '#    Authorization. Answer it 204 (any 2xx) before any auth check, with exactly these lines:',
    ...common,
    `Access-Control-Allow-Methods: ${[...new Set(m.kept)].join(', ')}`,
    ...(h.kept.length > 0 ? [`Access-Control-Allow-Headers: ${h.kept.join(', ')}`] : []),
    'Access-Control-Max-Age: 600',
  ]
  const actual = [
    '# 2. The actual response, on EVERY status (401, 404 and 500 included), exactly these lines:',
    ...common,
  ]
  const status = ctx.exchange.response?.status ?? ctx.exchange.preflight?.response?.status
  const snippet = [
    ...droppedTokensNote('#', [...m.dropped, ...h.dropped]),
    ...(preflightNeeded ? [...preflight, ''] : []),
    ...actual,
    '',
    '# Exactly one Access-Control-Allow-Origin line: if a proxy or CDN adds one, the app must not (or the reverse).',
  ].join('\n')
  const seen = ctx.exchange.preflight?.response ?? ctx.exchange.response
  const acao = seen ? headerValue(seen.headers, 'access-control-allow-origin') : null
  return [
    makeFix({
      stack: 'generic',
      layer: 'app',
      recommended: true,
      title: 'Send exactly these CORS header lines, from one layer (any server)',
      label: 'Exact CORS lines (any server)',
      why: `No header names the server's framework, so this is what any of them must send${
        allowOriginMissing(kind) && status
          ? ` (the ${status} answer had no Access-Control-Allow-Origin)`
          : acao
            ? ` (it sent '${acao}')`
            : ''
      }; set it in whichever single layer you control, or pick your proxy's recipe.`,
      changes: [
        { layer: 'app', where: "the server's CORS configuration, at one layer", comment: '#', snippet },
      ],
    }),
  ]
}
