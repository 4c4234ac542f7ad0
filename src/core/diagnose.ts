/**
 * The whole answer for one exchange: the verdict (analyze), who sent what (attribution) and the cures
 * (fixes). The extension's worker runs only analyze (a passing exchange needs a verdict, nothing more);
 * the panel completes an analysis when it is shown, so the recipes never load in the worker.
 */
import type { Analysis, Diagnosis } from './analysis.ts'
import { analyze, emptyAnalysis } from './analyze.ts'
import { attribute } from './attribution.ts'
import type { Exchange } from './exchange.ts'
import type { Fix } from './fix.ts'
import type { FixContext } from './fixes/context.ts'
import { RECIPES } from './fixes/index.ts'

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return '/'
  }
}

export function diagnose(exchange: Exchange): Diagnosis {
  return complete(exchange, analyze(exchange))
}

/** Adds attribution and fixes to an analysis of the exchange (already complete: returned as it is). */
export function complete(exchange: Exchange, analysis: Analysis | Diagnosis): Diagnosis {
  if ('attribution' in analysis && 'fixes' in analysis) return analysis
  const attribution = attribute(exchange, analysis)
  const worthFixing = analysis.blocked || analysis.findings.some((f) => f.severity === 'warning')
  if (!worthFixing) return { ...analysis, attribution, fixes: [] }

  const ctx: FixContext = {
    exchange,
    analysis,
    attribution,
    origin: analysis.origin ?? exchange.initiator ?? '*',
    method: exchange.request.method,
    requestHeaders: analysis.unsafeRequestHeaders,
    credentials: analysis.credentials.mode === 'include' || exchange.credentials === 'include',
    path: pathOf(exchange.request.url),
  }
  const fixes: Fix[] = []
  for (const recipe of Object.values(RECIPES)) fixes.push(...recipe(ctx))
  // Detected stacks (and the page itself) first, recommended first within each group; otherwise stable.
  const detected = new Set([attribution.proxy, attribution.app, 'client'])
  const rank = (f: Fix): number => (detected.has(f.stack) ? 0 : 2) + (f.recommended ? 0 : 1)
  const ordered = fixes.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
  return { ...analysis, attribution, fixes: ordered.map(({ f }) => f) }
}

/** A Diagnosis that says nothing: the engine could not run on this exchange (or a test stubs it). */
export function emptyDiagnosis(exchange: Exchange, summary = ''): Diagnosis {
  return {
    ...emptyAnalysis(exchange, summary),
    attribution: { culprit: 'unknown', confidence: 'low', proxy: null, app: null, evidence: [], lines: [] },
    fixes: [],
  }
}
