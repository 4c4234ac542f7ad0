/** A cure: a copy-ready snippet for one stack, split into the changes it makes at each layer. */

export type Layer = 'proxy' | 'app' | 'client'

/**
 * The stacks' ids. Each stack module (src/core/stacks/<id>.ts) adds its own by declaration merging,
 * `declare module '../fix.ts' { interface StackIds { <id>: true } }`, so a new stack is its module plus its
 * line in the registry (src/core/stacks/index.ts, a Record<Stack, StackModule>: it does not compile while
 * either is missing).
 */
// biome-ignore lint/suspicious/noEmptyInterface: the stack modules fill it in.
export interface StackIds {}
export type Stack = keyof StackIds

export interface FixChange {
  readonly layer: Layer
  /** Where the change goes, in words a user can act on: "nginx.conf, server block for api.example". */
  readonly where: string
  readonly snippet: string
}

export interface Fix {
  readonly stack: Stack
  readonly layer: Layer
  readonly recommended: boolean
  readonly title: string
  /** A short tab label saying what the cure is ("nginx only", "Express only"); absent: the stack's name. */
  readonly label?: string
  /** One line: why this cures it. */
  readonly why: string
  /** The whole cure, copy-ready. */
  readonly snippet: string
  readonly changes: readonly FixChange[]
  /** e.g. "needs nginx ≥ 1.29.3" */
  readonly requires?: string
}
