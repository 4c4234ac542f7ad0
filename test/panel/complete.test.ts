import { describe, expect, it } from 'vitest'
import { analyze, diagnose } from '../../src/core/index.ts'
import { fullDiagnosis } from '../../src/panel/complete.ts'
import type { ExchangeRecord } from '../../src/protocol.ts'
import { exchange, FAILED, ORIGIN, response } from '../core/exchange-builders.ts'

const record = (ex: ReturnType<typeof exchange>, diagnosis: ExchangeRecord['analysis']): ExchangeRecord => ({
  id: '1',
  seq: 1,
  tabId: 1,
  startedAt: 0,
  exchange: ex,
  analysis: diagnosis,
  notes: [],
})

describe('the panel completes what the worker judged', () => {
  const failing = exchange({
    response: response(200, ['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Origin', ORIGIN]),
    outcome: FAILED,
  })

  it('adds the attribution and the fixes the engine would have given, once per record', () => {
    const r = record(failing, analyze(failing))
    expect('fixes' in r.analysis).toBe(false)
    const full = fullDiagnosis(r)
    expect(full).toEqual(diagnose(failing))
    expect(full.fixes.length).toBeGreaterThan(0)
    expect(fullDiagnosis(r)).toBe(full)
  })

  it('keeps a diagnosis that is already complete (imported records)', () => {
    const d = diagnose(failing)
    expect(fullDiagnosis(record(failing, d))).toBe(d)
  })
})
