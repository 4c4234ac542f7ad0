/**
 * One stack, one module: its id and display name, the layer it sits at, its fingerprints (what it leaves
 * on a response) and default values, the comment syntax of its snippets and its recipe. A new stack is one
 * new module plus one line in the registry (./index.ts).
 * 'cure' marks a non-detectable cure (generic lines, third-party advice, client code, browser settings).
 */
import type { Stack } from '../fix.ts'
import type { Recipe, StackFacts } from '../fixes/context.ts'
import type { DefaultValue, Fingerprint } from './fingerprint.ts'

export type StackLayer = 'proxy' | 'app' | 'gateway' | 'cure'

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
  /** CORS values this stack writes by default, exactly as its running version writes them. */
  readonly defaults?: readonly DefaultValue[]
}
