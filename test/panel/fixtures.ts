/** Small builders for panel tests: a Diagnosis and an ExchangeRecord with only what a test cares about. */
import { type Diagnosis, type Exchange, emptyDiagnosis } from '../../src/core/index.ts'
import type { PanelRecord } from '../../src/panel/model.ts'
import type { ExchangeRecord } from '../../src/protocol.ts'

export function diagnosis(over: Partial<Diagnosis> = {}): Diagnosis {
  return {
    ...emptyDiagnosis(exchange()),
    verdict: 'ok',
    credentials: { mode: 'omit', inferred: true, basis: '' },
    origin: 'http://app.test',
    ...over,
  }
}

export function exchange(over: Partial<Exchange> = {}): Exchange {
  return {
    initiator: 'http://app.test',
    request: {
      method: 'GET',
      url: 'http://api.test/x',
      headers: [{ name: 'Origin', value: 'http://app.test' }],
    },
    response: { status: 200, headers: [] },
    outcome: { kind: 'ok' },
    ...over,
  }
}

let n = 0
export function record(
  over: {
    exchange?: Partial<Exchange>
    diagnosis?: Partial<Diagnosis>
    startedAt?: number
    id?: string
    seq?: number
  } = {},
): ExchangeRecord {
  n++
  return {
    id: over.id ?? `r${n}`,
    seq: over.seq ?? n,
    tabId: 1,
    startedAt: over.startedAt ?? 1_000 + n,
    exchange: exchange(over.exchange),
    analysis: diagnosis(over.diagnosis),
    notes: [],
  }
}

export const live = (r: ExchangeRecord): PanelRecord => ({ record: r, source: 'live' })

export const blocked = (url: string, corsError: Diagnosis['corsError'], startedAt?: number): ExchangeRecord =>
  record({
    exchange: {
      request: { method: 'GET', url, headers: [] },
      response: undefined,
      outcome: { kind: 'error', error: 'net::ERR_FAILED' },
    },
    diagnosis: { verdict: 'blocked', blocked: true, corsError, stage: 'response', summary: `blocked ${url}` },
    ...(startedAt !== undefined ? { startedAt } : {}),
  })
