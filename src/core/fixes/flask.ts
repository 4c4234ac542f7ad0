/**
 * Flask + Flask-CORS (3.0). It reflects an allowed Origin (never '*' unless send_wildcard), adds its headers
 * in after_request — also to responses an auth check aborted, so a 401 preflight still fails on its status.
 */
import type { Fix } from '../fix.ts'
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { pythonString } from './escape.ts'
import { failureKind } from './failure.ts'
import { appAllowList, appApplies, appOnlyFix, makeFix } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: 'app.py, after app = Flask(__name__), replacing any other CORS(app) setup',
  auth: 'your auth check (before_request or decorator), as its first line',
} as const

/** "CORS only at the proxy": the app's own CORS setup taken out. */
export function withoutCors(proxyName: string): ChangeSpec {
  return {
    layer: 'app',
    where: WHERE.cors,
    comment: '#',
    snippet: `# CORS is answered by ${proxyName} only: no CORS(app) here.`,
  }
}

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
        where: WHERE.auth,
        comment: '#',
        snippet: 'if request.method == "OPTIONS":\n    return None  # preflights carry no credentials',
      },
    ],
  })
  const setup = appOnlyFix(
    ctx,
    'flask',
    'CORS in Flask: Flask-CORS with the origin, methods and headers',
    { layer: 'app', where: WHERE.cors, comment: '#', snippet: flaskSetup(ctx) },
    'Flask-CORS answers the preflight and reflects the one allowed origin on every response',
  )
  // Flask-CORS already answered (its headers are on the 401): only the auth check needs to change.
  const fixes: Fix[] = authRefused ? [guard] : [setup]
  return fixes
}
