/** The engine's output: the verdict, Chromium's name for the failure, and the findings behind it. */
import type { Attribution } from './attribution-types.ts'
import type { Fix } from './fix.ts'
import type { CorsErrorName, Finding } from './model/finding.ts'

/**
 * blocked   — the browser refused it for CORS (corsError names how);
 * at-risk   — let through, but a warning applies (it works here, may not elsewhere);
 * ok        — a cross-origin request that passed with nothing to say;
 * not-cors  — it failed, but for another reason (refused connection, ad blocker, …);
 * unknown   — it failed and the headers do not show why.
 */
export type Verdict = 'blocked' | 'at-risk' | 'ok' | 'not-cors' | 'unknown'

export type CredentialsVerdict = 'omit' | 'include' | 'unknown'

export interface CredentialsInfo {
  readonly mode: CredentialsVerdict
  /** True when the mode was deduced (from a Cookie header, or from the failure itself). */
  readonly inferred: boolean
  /** Why we believe it, in words. */
  readonly basis: string
}

export interface Analysis {
  readonly verdict: Verdict
  readonly blocked: boolean
  /** Chromium's CorsError without the k prefix; null unless blocked for CORS. */
  readonly corsError: CorsErrorName | null
  /** Chromium's failed_parameter ("" where Chromium reports none); null unless blocked. */
  readonly failedParameter: string | null
  /** Which step failed. */
  readonly stage: 'preflight' | 'redirect' | 'response' | null
  /** One plain sentence: what happened. */
  readonly summary: string
  /** The sentence Chromium's console printed for it, so the user recognises it. */
  readonly consoleMessage: string | null
  readonly credentials: CredentialsInfo
  /** The request's origin as the server saw it (the Origin header), or the initiator. */
  readonly origin: string | null
  readonly crossOrigin: boolean
  /** Whether a preflight was required, and whether one was seen. */
  readonly preflight: { readonly required: boolean; readonly seen: boolean; readonly probablyCached: boolean }
  /** The CORS-unsafe request header names the page sends (lower case), from the request or the preflight. */
  readonly unsafeRequestHeaders: readonly string[]
  readonly findings: readonly Finding[]
}

/** An analysis with the layer attribution and the fixes (issue: verified cures). */
export interface Diagnosis extends Analysis {
  /** Which layer sent each CORS header line, and who caused the failure. */
  readonly attribution: Attribution
  readonly fixes: readonly Fix[]
}
