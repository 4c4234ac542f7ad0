/**
 * A stack's fingerprints: what it leaves on a response, each read into a Signal with the evidence in words
 * and a confidence. The stack modules hold their own; attribution.ts reads them all, phase by phase, so the
 * evidence keeps one order whatever the registry's: the proxy's Server, then Via; the app's own marks
 * (Server, X-Powered-By, a debug header), then platform marks (several headers together), then the values
 * of its CORS answers, then weak hints that count only when nothing else spoke.
 */
import type { Confidence } from '../attribution-types.ts'
import type { ResponseSide } from '../exchange.ts'
import type { Stack } from '../fix.ts'
import { type HeaderList, headerValue } from '../headers.ts'

export interface Signal {
  readonly stack: Stack
  readonly confidence: Confidence
  readonly evidence: string
}

export type ProxyPhase = 'server' | 'via'
export type AppPhase = 'mark' | 'platform' | 'answer' | 'weak'
export const PROXY_PHASES: readonly ProxyPhase[] = ['server', 'via']
export const APP_PHASES: readonly AppPhase[] = ['mark', 'platform', 'answer', 'weak']

/** One response read for one stack; `found` is what the earlier fingerprints said of the same response. */
export type Reader = (r: ResponseSide, preflight: boolean, found: readonly Signal[]) => Signal | null

/** A proxy's fingerprints have proxy phases, an app's or a gateway's app phases (registry test). */
export interface Fingerprint {
  readonly phase: ProxyPhase | AppPhase
  readonly read: Reader
}

/** A CORS line whose exact value is this stack's default: it pins the line to the stack's layer. */
export interface DefaultValue {
  readonly header: string
  readonly value: string
}

export const val = (h: HeaderList, n: string): string => headerValue(h, n) ?? ''
export const isCorsName = (name: string): boolean => name.toLowerCase().startsWith('access-control-')
/** Each Vary line's value, trimmed and lower-cased, in wire order (some stacks write one, some several). */
export const varyLines = (h: HeaderList): string[] =>
  h.filter((l) => /^vary$/i.test(l.name)).map((l) => l.value.trim().toLowerCase())
export const has = (h: HeaderList, n: string): boolean => headerValue(h, n) !== null
