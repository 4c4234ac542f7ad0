/**
 * What the CDN, edge and managed-service recipes share: the page's values as a cure may carry them (the
 * origin past the gate, methods and header names as tokens), with the note on what was dropped, and the
 * header lines an edge answers a preflight with.
 */
import type { FixContext } from './context.ts'
import { droppedTokensNote, gateTokens } from './escape.ts'
import { snippetOrigin } from './gate.ts'
import { headersToAllow, methodsToAllow } from './shared.ts'

export interface CorsValues {
  /** A serialized origin (or '*' when the request had none), never the website's raw text. */
  readonly origin: string
  /** Access-Control-Allow-Credentials: true is needed (never with '*'). */
  readonly credentials: boolean
  /** Tokens only: GET, POST, the page's method, then OPTIONS when `withOptions`. */
  readonly methods: readonly string[]
  /** Tokens only, lower case, unique. */
  readonly headers: readonly string[]
  /** One comment line per dropped method or header, in the given comment syntax. */
  readonly notes: (comment: '#' | '//') => string[]
}

export function corsValues(ctx: FixContext, withOptions = false): CorsValues {
  const origin = ctx.origin === '*' ? '*' : snippetOrigin(ctx.origin)
  const methods = gateTokens([...methodsToAllow(ctx), ...(withOptions ? ['OPTIONS'] : [])])
  const headers = gateTokens(headersToAllow(ctx))
  const dropped = [...methods.dropped, ...headers.dropped]
  return {
    origin,
    credentials: ctx.credentials && origin !== '*',
    methods: methods.kept,
    headers: headers.kept,
    notes: (comment) => droppedTokensNote(comment, dropped),
  }
}

/** The lines a preflight's answer carries, as [name, value] pairs, in the order the recipes write them. */
export function preflightLines(v: CorsValues): [string, string][] {
  return [
    ['Access-Control-Allow-Origin', v.origin],
    ...(v.credentials ? ([['Access-Control-Allow-Credentials', 'true']] as [string, string][]) : []),
    ['Access-Control-Allow-Methods', v.methods.join(', ')],
    ...(v.headers.length
      ? ([['Access-Control-Allow-Headers', v.headers.join(', ')]] as [string, string][])
      : []),
    ['Access-Control-Max-Age', '600'],
    ['Vary', 'Origin'],
  ]
}

/** The lines every other response carries. */
export function responseLines(v: CorsValues): [string, string][] {
  return [
    ['Access-Control-Allow-Origin', v.origin],
    ...(v.credentials ? ([['Access-Control-Allow-Credentials', 'true']] as [string, string][]) : []),
    ['Vary', 'Origin'],
  ]
}
