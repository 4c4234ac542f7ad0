/** What every fix recipe is given: the observed request, the verdict and who sent which header. */
import type { Analysis } from '../analysis.ts'
import type { Attribution } from '../attribution-types.ts'
import type { Exchange } from '../exchange.ts'
import type { Fix, Stack } from '../fix.ts'

export interface FixContext {
  readonly exchange: Exchange
  readonly analysis: Analysis
  readonly attribution: Attribution
  /** The page origin to allow, e.g. "https://app.example" (never "*" unless the request had no origin). */
  readonly origin: string
  /** The actual request's method as sent (after normalization). */
  readonly method: string
  /** The non-safelisted request header names the page sends, lower-cased (from the request or the preflight). */
  readonly requestHeaders: readonly string[]
  /** True when the request carries credentials (known or inferred). */
  readonly credentials: boolean
  /** The API URL's path, e.g. "/api/items", for location-scoped snippets. */
  readonly path: string
  /** A stack's name as people write it (the registry's; passed in so recipes need not import the registry). */
  readonly stackName: (stack: Stack) => string
}

// origin, method and requestHeaders have passed gate.ts (a serialized origin, tokens); path and every other
// string still come straight from the website: quote them with escape.ts.

/** One module per stack exports one recipe: it returns its cures for this failure, recommended first, or none. */
export type Recipe = (ctx: FixContext) => readonly Fix[]
