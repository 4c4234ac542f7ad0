import type { Analysis } from './analysis.ts'
import type { Exchange } from './exchange.ts'

/** Placeholder until the rules land (same session). */
export function analyze(exchange: Exchange): Analysis {
  return {
    verdict: 'unknown',
    blocked: false,
    corsError: null,
    failedParameter: null,
    stage: null,
    summary: '',
    consoleMessage: null,
    credentials: { mode: 'unknown', inferred: false, basis: '' },
    origin: exchange.initiator,
    crossOrigin: true,
    preflight: { required: false, seen: !!exchange.preflight, probablyCached: false },
    findings: [],
  }
}
