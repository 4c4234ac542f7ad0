/** The one definition of "the engine agrees with Chromium", shared by the live and the replayed differential tests. */
import { expect } from 'vitest'
import type { Analysis } from '../../src/core/index.ts'

export interface Oracle {
  readonly corsError: string | null
  readonly failedParameter: string | null
}

export function expectAgreement(analysis: Analysis, oracle: Oracle, title = ''): void {
  if (oracle.corsError === null) {
    expect(analysis.blocked, title).toBe(false)
    expect(analysis.corsError, title).toBeNull()
    return
  }
  expect(analysis.blocked, title).toBe(true)
  expect(analysis.corsError, title).toBe(oracle.corsError)
  if (
    analysis.corsError === 'HeaderDisallowedByPreflightResponse' &&
    analysis.failedParameter !== oracle.failedParameter
  ) {
    // Several headers missing: Chromium names one by Blink's hash order, which the wire does not show
    // (see src/core/checks.ts). The engine must then list every missing header, Chromium's among them.
    const explanation = analysis.findings[0]?.explanation ?? ''
    expect(explanation, title).toContain(`'${oracle.failedParameter}'`)
    expect(explanation, title).toMatch(/none of them allowed/)
    return
  }
  expect(analysis.failedParameter, title).toBe(oracle.failedParameter)
}
