/**
 * Go recipe: net/http with github.com/rs/cors wrapping the whole router, so preflights reach it before any
 * auth middleware and every response (errors included) gets the headers. rs/cors answers a preflight whose
 * method or headers it does not allow with no CORS header at all, so the lists must hold what the page sends.
 */
import type { FixChange } from '../fix.ts'
import type { Recipe } from './context.ts'
import { droppedTokensNote, gateTokens, goString } from './escape.ts'
import { type Case, type Framework, frameworkCase, frameworkFix, frameworkFixes } from './framework.ts'
import { snippetOrigin } from './gate.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: 'main.go, where the server is built: wrap the whole router (mux) in rs/cors',
} as const

const FRAMEWORK: Framework = { stack: 'go', name: 'Go', comment: '//' }

export const recipe: Recipe = (ctx) => {
  const c = frameworkCase(ctx, FRAMEWORK)
  if (c === null) return []
  return frameworkFixes(c, [handlerFix(c)], REMOVAL)
}

function why(c: Case): string {
  switch (c.kind) {
    case 'duplicate':
      return 'Two layers each sent Access-Control-Allow-Origin; with CORS in rs/cors only, one exact origin goes out.'
    case 'header':
    case 'method':
    case 'preflight-missing':
      return 'rs/cors answers a preflight it does not fully allow with no CORS header at all; these lists hold the origin, every method and every header the page sends.'
    default:
      return 'rs/cors wrapping the whole router answers the preflight before any auth and marks every response, errors included, with the one allowed origin.'
  }
}

function handlerFix(c: Case) {
  const spec = c.spec
  const methods = gateTokens([...spec.methods, 'OPTIONS'])
  const headers = gateTokens(spec.headers)
  const list = (xs: readonly string[]): string => `[]string{${xs.map(goString).join(', ')}}`
  const credentials = spec.credentials && !spec.anyOrigin
  const code = [
    '// import "github.com/rs/cors"  (go get github.com/rs/cors)',
    '// handler is what your server serves; mux is your router (wrap the outermost one).',
    ...droppedTokensNote('//', [...methods.dropped, ...headers.dropped]),
    'handler = cors.New(cors.Options{',
    `\tAllowedOrigins:   ${list([spec.anyOrigin ? '*' : snippetOrigin(spec.origin)])},`,
    `\tAllowedMethods:   ${list([...new Set(methods.kept)])},`,
    `\tAllowedHeaders:   ${list(headers.kept)},`,
    ...(credentials ? ['\tAllowCredentials: true, // only with explicit origins'] : []),
    '\tMaxAge:           600,',
    '}).Handler(mux)',
  ].join('\n')
  return frameworkFix(c, why(c), c.leads, {
    title: `Allow ${spec.anyOrigin ? 'any origin' : snippetOrigin(spec.origin)} with rs/cors around the whole router`,
    full: code,
    changes: [{ layer: 'app', where: WHERE.cors, snippet: code }],
    requires: 'github.com/rs/cors 1.7+',
  })
}

/** The other single layer: what to delete so the proxy keeps CORS and the Go app sends none. */
const REMOVAL: readonly FixChange[] = [
  {
    layer: 'app',
    where: WHERE.cors,
    snippet: [
      '// Serve mux directly (no cors.New(...).Handler) and set no Access-Control-* header by hand.',
      '// The proxy must then answer OPTIONS preflights itself, on every status.',
    ].join('\n'),
  },
]
