/** The whole answer for one exchange: the verdict (analyze), who sent what (attribution) and the cures (fixes). */
import type { Diagnosis } from './analysis.ts'
import { analyze, notBlocked } from './analyze.ts'
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
  const analysis = analyze(exchange)
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
  // Detected stacks (and the page and browser themselves) first, recommended first within each group.
  const detected = new Set([attribution.proxy, attribution.app, 'client', 'browser'])
  const rank = (f: Fix): number => (detected.has(f.stack) ? 0 : 2) + (f.recommended ? 0 : 1)
  const ordered = fixes.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
  return { ...analysis, attribution, fixes: ordered.map(({ f }) => f) }
}

/** A Diagnosis that says nothing: the engine could not run on this exchange (or a test stubs it). */
export function emptyDiagnosis(exchange: Exchange, summary = ''): Diagnosis {
  const base = {
    origin: exchange.initiator,
    crossOrigin: true,
    preflight: { required: false, seen: exchange.preflight !== undefined, probablyCached: false },
    unsafeRequestHeaders: [],
  }
  return {
    ...notBlocked(base, 'unknown', summary, { mode: 'unknown', inferred: false, basis: 'not known' }, []),
    attribution: { culprit: 'unknown', confidence: 'low', proxy: null, app: null, evidence: [], lines: [] },
    fixes: [],
  }
}
