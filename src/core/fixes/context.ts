/** What every fix recipe is given: the observed request, the verdict and who sent which header. */
import type { Analysis } from '../analysis.ts'
import type { Attribution } from '../attribution-types.ts'
import type { Exchange } from '../exchange.ts'
import type { Fix, Layer, Stack } from '../fix.ts'

/** One change of a cure, before makeFix joins them: where it goes and the line comment of its language. */
export interface ChangeSpec {
  readonly layer: Layer
  readonly where: string
  readonly snippet: string
  readonly comment: '#' | '//'
  /** The snippet is a diff: "- " lines to delete, "+ " lines to add. */
  readonly diff?: true
}

/**
 * What recipes may read of any stack (the registry's modules, passed in as `ctx.stack` so recipes need not
 * import the registry): its name, and the halves of other layers' cures it owns.
 */
export interface StackFacts {
  /** As people write it ("Express only" labels). */
  readonly name: string
  /** A proxy's change for "CORS in the app only": its CORS lines deleted, said in its config's words. */
  readonly plainProxy?: readonly ChangeSpec[]
  /** An app's change for "CORS only at the proxy": its own CORS setup taken out. */
  readonly withoutCors?: (proxyName: string) => ChangeSpec
}

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
  /** Any stack's module, as far as recipes read it (the registry's, passed in so recipes need not import it). */
  readonly stack: (stack: Stack) => StackFacts
}

// origin, method and requestHeaders have passed gate.ts (a serialized origin, tokens); path and every other
// string still come straight from the website: quote them with escape.ts.

/** One module per stack exports one recipe: it returns its cures for this failure, recommended first, or none. */
export type Recipe = (ctx: FixContext) => readonly Fix[]
