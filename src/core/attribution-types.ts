/** Which layer most likely sent each CORS header line, and the evidence for it. */

import type { Layer, Stack } from './fix.ts'
import type { HeaderRef } from './model/finding.ts'
import type { Ownership } from './ownership.ts'

export type Confidence = 'high' | 'medium' | 'low'

export interface LineAttribution {
  readonly header: HeaderRef
  readonly layer: Exclude<Layer, 'client'> | 'unknown'
  readonly stack: Stack | null
  readonly confidence: Confidence
  readonly evidence: string
}

export interface Attribution {
  /** Who caused the failure (or the warning): the proxy, the app, both, or unknown. */
  readonly culprit: 'proxy' | 'app' | 'both' | 'unknown'
  readonly confidence: Confidence
  /** The proxy and app stacks the headers point to, when they do. */
  readonly proxy: Stack | null
  readonly app: Stack | null
  /** Evidence in words, strongest first. Never claims more than the headers carry. */
  readonly evidence: readonly string[]
  readonly lines: readonly LineAttribution[]
  /** Set when the API is probably (or possibly) a server the user does not run. */
  readonly owner?: Ownership
}
