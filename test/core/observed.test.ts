// Replays exchanges recorded from real Chromium 156 (test/harness/record-observed.ts writes the fixture):
// the engine, fed only what Chromium showed on the wire, must name the failure exactly as Chromium did.
// The live version of this test is differential.test.ts; this one runs in milliseconds and needs no browser.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyze, type Exchange } from '../../src/core/index.ts'
import { expectAgreement } from './agreement.ts'

interface Observed {
  readonly id: string
  readonly title: string
  readonly oracle: {
    readonly corsError: string | null
    readonly failedParameter: string | null
    readonly errorText: string | null
  }
  readonly exchange: Exchange
}

const observed: Observed[] = JSON.parse(
  readFileSync(new URL('./fixtures/chromium-observed.json', import.meta.url), 'utf8'),
) as Observed[]

describe('engine vs recorded Chromium verdicts', () => {
  it('has a recording with enough scenarios', () => {
    expect(observed.length).toBeGreaterThanOrEqual(60)
  })
  it.each(observed.map((o) => [o.id, o] as const))('%s', (_id, o) => {
    expectAgreement(analyze(o.exchange), o.oracle, o.title)
  })
})
