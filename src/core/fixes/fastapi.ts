/**
 * FastAPI / Starlette CORSMiddleware. It answers every preflight itself: 200 "OK" when allowed, 400
 * "Disallowed CORS origin|method|headers" otherwise (Starlette 0.26, as the lab runs). Defaults allow only
 * GET and the four always-allowed headers.
 */
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { pythonString } from './escape.ts'
import { appAllowList, appApplies, appOnlyFix } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: 'main.py, after app = FastAPI(), replacing any other CORSMiddleware setup',
} as const

/** "CORS only at the proxy": the app's own CORS setup taken out. */
export function withoutCors(proxyName: string): ChangeSpec {
  return {
    layer: 'app',
    where: WHERE.cors,
    comment: '#',
    snippet: `# CORS is answered by ${proxyName} only: no CORSMiddleware here.`,
  }
}

export function fastapiSetup(ctx: FixContext): string {
  const { methods, headers } = appAllowList(ctx)
  const args = [
    `    allow_origins=[${pythonString(ctx.origin)}],  # every allowed origin, exactly`,
    `    allow_methods=[${(methods ?? ['GET', 'POST']).map((m) => pythonString(m)).join(', ')}],`,
    ...(headers.length ? [`    allow_headers=[${headers.map((h) => pythonString(h)).join(', ')}],`] : []),
    ...(ctx.credentials ? ['    allow_credentials=True,'] : []),
  ]
  return `from fastapi.middleware.cors import CORSMiddleware

app.add_middleware(
    CORSMiddleware,
${args.join('\n')}
)`
}

export const recipe: Recipe = (ctx) => {
  if (!appApplies(ctx, 'fastapi')) return []
  return [
    appOnlyFix(
      ctx,
      'fastapi',
      'CORS in FastAPI: CORSMiddleware with the origin, methods and headers',
      { layer: 'app', where: WHERE.cors, comment: '#', snippet: fastapiSetup(ctx) },
      'CORSMiddleware answers the preflight with 200 and the one allowed origin once the origin, method and headers are listed',
    ),
  ]
}
