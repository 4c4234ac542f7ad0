/**
 * One stack, one module: its id and display name, the layer it sits at, its fingerprints (what it leaves
 * on a response) and default values, the comment syntax of its snippets and its recipe. A new stack is one
 * new module plus one line in the registry (./index.ts).
 * 'cure' marks a non-detectable cure (generic lines, third-party advice, client code, browser settings).
 */
import type { Stack } from '../fix.ts'
import type { Recipe } from '../fixes/context.ts'
import type { DefaultValue, Fingerprint } from './fingerprint.ts'

export type StackLayer = 'proxy' | 'app' | 'gateway' | 'cure'

export interface StackModule {
  readonly id: Stack
  /** As people write it (fix tab labels: "Express only"). */
  readonly name: string
  readonly layer: StackLayer
  /** The line comment of the snippet's first language (notes on dropped values go in it). */
  readonly comment: '#' | '//'
  readonly recipe: Recipe
  /** A proxy's marks (Server, Via); an app's or a gateway's (marks, platform, answers, weak hints). */
  readonly fingerprints?: readonly Fingerprint[]
  /** CORS values this stack writes by default, exactly as its running version writes them. */
  readonly defaults?: readonly DefaultValue[]
}
