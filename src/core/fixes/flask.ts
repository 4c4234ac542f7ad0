/**
 * Flask + Flask-CORS (3.0). It reflects an allowed Origin (never '*' unless send_wildcard), adds its headers
 * in after_request — also to responses an auth check aborted, so a 401 preflight still fails on its status.
 */
import type { Fix } from '../fix.ts'
import type { FixContext, Recipe } from './context.ts'
import { pythonString } from './escape.ts'
import { failureKind } from './failure.ts'
import { appAllowList, appApplies, appOnlyFix, makeFix, WHERE } from './shared.ts'

export function flaskSetup(ctx: FixContext): string {
  const { methods, headers } = appAllowList(ctx)
  const args = [
    `origins=[${pythonString(ctx.origin)}]`,
    ...(methods ? [`methods=[${methods.map((m) => pythonString(m)).join(', ')}]`] : []),
    ...(headers.length ? [`allow_headers=[${headers.map((h) => pythonString(h)).join(', ')}]`] : []),
    ...(ctx.credentials ? ['supports_credentials=True'] : []),
  ]
  return `from flask_cors import CORS

CORS(app, ${args.join(', ')})`
}

export const recipe: Recipe = (ctx) => {
  if (!appApplies(ctx, 'flask')) return []
  const kind = failureKind(ctx)
  const authRefused = kind === 'preflight-status' && (ctx.exchange.preflight?.response?.status ?? 0) >= 400
  const guard = makeFix({
    stack: 'flask',
    layer: 'app',
    recommended: authRefused,
    title: 'Let preflights through your auth check',
    why: 'Browsers send preflights without credentials; returning early for OPTIONS lets Flask-CORS answer them with 200.',
    changes: [
      {
        layer: 'app',
        where: WHERE.flaskAuth,
        lang: 'python',
        snippet: 'if request.method == "OPTIONS":\n    return None  # preflights carry no credentials',
      },
    ],
  })
  const setup = appOnlyFix(
    ctx,
    'flask',
    'CORS in Flask: Flask-CORS with the origin, methods and headers',
    { layer: 'app', where: WHERE.flaskCors, lang: 'python', snippet: flaskSetup(ctx) },
    'Flask-CORS answers the preflight and reflects the one allowed origin on every response',
  )
  // Flask-CORS already answered (its headers are on the 401): only the auth check needs to change.
  const fixes: Fix[] = authRefused ? [guard] : [setup]
  return fixes
}
