/**
 * One stack, one module: its id and display name, the layer it sits at, its fingerprints (what it leaves
 * on a response) and default values, the comment syntax of its snippets and its recipe. A new stack is one
 * new module plus one line in the registry (./index.ts).
 * 'cure' marks a non-detectable cure (generic lines, third-party advice, client code, browser settings).
 */
import type { LineAttribution } from '../attribution-types.ts'
import type { Stack } from '../fix.ts'
import type { Recipe, StackFacts } from '../fixes/context.ts'
import type { HeaderList } from '../headers.ts'
import type { DefaultValue, Fingerprint, Signal } from './fingerprint.ts'

/** 'service': a managed service that is the server (S3): its CORS is its own configuration, not code. */
export type StackLayer = 'proxy' | 'app' | 'gateway' | 'service' | 'cure'

/** One CORS line of a response a proxy delivered, with what the rest of the response shows. */
export interface LineFacts {
  readonly headers: HeaderList
  /** The line's index on the wire. */
  readonly index: number
  /** Every CORS line on the wire, in order. */
  readonly corsLines: readonly { readonly name: string; readonly index: number }[]
  /** The wire indexes of the Access-Control-Allow-Origin lines. */
  readonly acaoIndexes: readonly number[]
  /** The app the exchange names, the strongest mark of it on this response, and on any of the exchange's. */
  readonly app: Stack | null
  readonly appHere: Signal | null
  readonly appAnywhere: Signal | null
}

/** Who sent one line, as a proxy's own wire order tells it; null: its order says nothing of this line. */
export type LineOrder = (line: LineFacts) => Omit<LineAttribution, 'header'> | null

export interface StackModule extends StackFacts {
  readonly id: Stack
  readonly layer: StackLayer
  /** The line comment of the snippet's first language (notes on dropped values go in it). */
  readonly comment: '#' | '//'
  readonly recipe: Recipe
  /**
   * Where its configuration lives: each place a cure's change goes (the `where` phrase a cure shows), keyed
   * by that place's name in the stack's own terms (nginx's `location`, Varnish's `vcl_deliver`, an app's
   * `cors` setup). The lab's templates name their slots after these places.
   */
  readonly config?: Readonly<Record<string, string>>
  /** A proxy's marks (Server, Via); an app's or a gateway's (marks, platform, answers, weak hints). */
  readonly fingerprints?: readonly Fingerprint[]
  /** A proxy's rule for who sent which line, from where it puts its own lines among the upstream's. */
  readonly lineOrder?: LineOrder
  /** CORS values this stack writes by default, exactly as its running version writes them. */
  readonly defaults?: readonly DefaultValue[]
}
