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
  /** The snippet is a diff: lines starting "- " are to delete, "+ " to add (a "remove this line" cure). */
  readonly diff?: true
}

export interface Fix {
  readonly stack: Stack
  readonly layer: Layer
  /**
   * From a recipe: its own preferred cure. In a Diagnosis: the one recommendation, on exactly one fix (the
   * first), decided in one place (fixes/recommend.ts) so the panel, the CLI and the Playwright report agree.
   */
  readonly recommended: boolean
  /** On the recommended fix of a Diagnosis: why this one ("smallest change: the app already answers correctly"). */
  readonly reason?: string
  /**
   * Set by a recipe when this is the smallest cure that works here, with the reason: it then outranks the
   * recipe's other cures for the recommendation.
   */
  readonly smallest?: string
  /** In a Diagnosis: the headers name this fix's stack (a mark of its own, not the recommendation). */
  readonly detected?: boolean
  /** Rich text: `code` spans in backticks (the panel renders them as code, as text nodes). */
  readonly title: string
  /**
   * A short tab label saying what the cure is ("nginx only", "Remove nginx's add_header"). In a Diagnosis
   * every fix has one, unique among its fixes.
   */
  readonly label?: string
  /** One line: why this cures it (rich text, as the title). */
  readonly why: string
  /** The whole cure, copy-ready. */
  readonly snippet: string
  readonly changes: readonly FixChange[]
  /** e.g. "needs nginx ≥ 1.29.3" */
  readonly requires?: string
}
