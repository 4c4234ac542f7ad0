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
  /** Set when the line's sender was measured (`cors-lens check --upstream`), not read from fingerprints. */
  readonly layers?: LineLayers
}

/**
 * A line's sender proven by difference: the same requests sent to the proxy and to the app behind it
 * (core/layers-by-difference.ts). 'both': identical copies came from each layer (the counts say how many).
 */
export interface LineLayers {
  readonly source: 'measured'
  readonly sender: 'app' | 'proxy' | 'both'
  /** Lines with this name and value in the app's own answer, and in the proxy's answer. */
  readonly atApp: number
  readonly atProxy: number
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
  /** Where the layer is unsure: the `cors-lens check --upstream` command that would settle it (core/settle.ts). */
  readonly settle?: string
  /** 'measured' when the lines were attributed by difference with the app's own answer; else fingerprints. */
  readonly source?: 'measured' | 'fingerprint'
}
