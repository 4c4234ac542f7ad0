/** The whole answer for one exchange: the verdict (analyze), who sent what (attribution) and the cures (fixes). */
import type { Diagnosis } from './analysis.ts'
import { analyze } from './analyze.ts'
import { attribute } from './attribution.ts'
import type { Attribution } from './attribution-types.ts'
import type { Exchange } from './exchange.ts'
import { corsUnsafeRequestHeaderNames } from './fetch-rules.ts'
import type { Fix } from './fix.ts'
import type { FixContext } from './fixes/context.ts'
import { RECIPES } from './fixes/index.ts'
import { headerValue } from './headers.ts'

/** A Diagnosis that also says which layer sent which header (optional, so every Diagnosis still fits). */
export interface AttributedDiagnosis extends Diagnosis {
  readonly attribution?: Attribution
}

/** The non-safelisted header names the page sends: from the request when it was sent, else the preflight's list. */
function requestHeaderNames(ex: Exchange): string[] {
  if (ex.request.headers.length > 0) return corsUnsafeRequestHeaderNames(ex.request.headers, { wire: true })
  const acrh = ex.preflight
    ? headerValue(ex.preflight.request.headers, 'access-control-request-headers')
    : null
  return (acrh ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return '/'
  }
}

export function diagnose(exchange: Exchange): AttributedDiagnosis {
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
    requestHeaders: requestHeaderNames(exchange),
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
