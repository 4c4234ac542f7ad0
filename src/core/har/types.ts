/**
 * What the HAR reader returns and the writer takes (src/core/har/).
 */
import type { Diagnosis } from '../analysis.ts'
import type { CredentialsMode, Exchange, Outcome } from '../exchange.ts'

export interface HarReadResult {
  readonly exchanges: Exchange[]
  /** Per exchange, its entry's startedDateTime in epoch ms; null where the file has none readable. */
  readonly startedAt: readonly (number | null)[]
  /** Entries left out: same-origin, not CORS requests (no Origin header, navigations), or unreadable. */
  readonly skipped: number
  readonly warnings: string[]
}

/** What CORS Lens writes on each actual entry (`_corsLens`), and reads back for an exact round trip. */
export interface HarCorsLens {
  readonly verdict: Diagnosis['verdict']
  readonly blocked: boolean
  readonly corsError: Diagnosis['corsError']
  readonly failedParameter: string | null
  readonly credentials: Diagnosis['credentials']['mode']
  readonly findings: readonly string[]
  readonly fixes: readonly string[]
  /** The Exchange's own facts a HAR has no field for. */
  readonly initiator: string | null
  readonly outcome: Outcome
  readonly credentialsMode?: CredentialsMode
  readonly browser?: Exchange['browser']
}

export interface HarRecord {
  readonly exchange: Exchange
  readonly diagnosis: Diagnosis
  /** Epoch milliseconds. */
  readonly startedAt: number
}
