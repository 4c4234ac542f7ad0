/**
 * The full diagnosis of a record, computed when the panel needs it (the detail, a copy, an export): the
 * worker sends only the verdict and findings. Memoized per record object; the engine is pure.
 */
import { complete, type Diagnosis } from '../core/index.ts'
import type { ExchangeRecord } from '../protocol.ts'

const done = new WeakMap<ExchangeRecord, Diagnosis>()

export function fullDiagnosis(record: ExchangeRecord): Diagnosis {
  let d = done.get(record)
  if (!d) {
    d = complete(record.exchange, record.analysis)
    done.set(record, d)
  }
  return d
}
