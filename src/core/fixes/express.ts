/**
 * Express + the cors package. cors() answers preflights itself (204, Content-Length 0) when it runs before
 * any auth; with an origin list it adds Vary: Origin; it writes with setHeader, so a second ACAO can only
 * come from another layer.
 */
import type { Fix } from '../fix.ts'
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { jsString } from './escape.ts'
import { failureKind } from './failure.ts'
import { appAllowList, appApplies, appOnlyFix, makeFix } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: 'app.js, before any auth middleware and routes, replacing any other cors() setup',
  auth: 'your auth middleware, as its first line',
} as const

/** "CORS only at the proxy": the app's own CORS setup taken out. */
export function withoutCors(proxyName: string): ChangeSpec {
  return {
    layer: 'app',
    where: WHERE.cors,
    comment: '//',
    snippet: `// CORS is answered by ${proxyName} only: no app.use(cors(...)) here.`,
  }
}

export function expressSetup(ctx: FixContext): string {
  const { methods, headers } = appAllowList(ctx)
  const opts = [
    `  origin: [${jsString(ctx.origin)}], // every allowed origin, exactly (scheme, host, port)`,
    ...(methods ? [`  methods: [${methods.map(jsString).join(', ')}],`] : []),
    ...(headers.length ? [`  allowedHeaders: [${headers.map(jsString).join(', ')}],`] : []),
    ...(ctx.credentials ? ['  credentials: true,'] : []),
  ]
  return `// import cors from 'cors'  (npm install cors)
app.use(cors({
${opts.join('\n')}
}))`
}

export const recipe: Recipe = (ctx) => {
  if (!appApplies(ctx, 'express')) return []
  const fixes: Fix[] = [
    appOnlyFix(
      ctx,
      'express',
      'CORS in Express: cors() first, with the origin, methods and headers',
      { layer: 'app', where: WHERE.cors, comment: '//', snippet: expressSetup(ctx) },
      'cors() before auth and routes answers the preflight and marks every response, errors included, with the one allowed origin',
    ),
  ]
  if (
    failureKind(ctx) === 'preflight-status' ||
    (ctx.analysis.stage === 'preflight' && (ctx.exchange.preflight?.response?.status ?? 200) >= 400)
  )
    fixes.push(
      makeFix({
        stack: 'express',
        layer: 'app',
        recommended: false,
        title: 'Let preflights through your auth middleware',
        why: 'Browsers send preflights without credentials; skipping auth for OPTIONS lets cors() answer them.',
        changes: [
          {
            layer: 'app',
            where: WHERE.auth,
            comment: '//',
            snippet: "if (req.method === 'OPTIONS') return next() // preflights carry no credentials",
          },
        ],
      }),
    )
  return fixes
}
