/**
 * The whole answer for one exchange: the verdict (analyze), who sent what (attribution) and the cures
 * (fixes). The extension's worker runs only analyze (a passing exchange needs a verdict, nothing more);
 * the panel completes an analysis when it is shown, so the recipes never load in the worker.
 */
import type { Analysis, Diagnosis } from './analysis.ts'
import { analyze, emptyAnalysis, errorText, type TaintingRedirect, taintingRedirect } from './analyze.ts'
import { attribute } from './attribution.ts'
import type { Attribution } from './attribution-types.ts'
import { cacheKeyFinding } from './cache-key.ts'
import type { Exchange } from './exchange.ts'
import type { Fix } from './fix.ts'
import type { FixContext } from './fixes/context.ts'
import { gate, withDroppedNotes } from './fixes/gate.ts'
import { fixesFor } from './fixes/index.ts'
import { recommend } from './fixes/recommend.ts'
import { taintedFixes } from './fixes/tainted.ts'
import { gatewayErrorFinding } from './gateway-error.ts'
import type { Finding } from './model/finding.ts'
import { mapStrings, redactText, secretValues } from './redact.ts'
import type { Session } from './session.ts'
import { withSettle } from './settle.ts'
import { STACKS, stackName } from './stacks/index.ts'

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
export function complete(exchange: Exchange, verdict: Analysis | Diagnosis): Diagnosis {
  if ('attribution' in verdict && 'fixes' in verdict) return verdict
  return completeWith(exchange, verdict, withSettle(exchange, verdict, attribute(exchange, verdict)))
}

/**
 * The layer findings and the fixes for a given attribution (a measured one: `cors-lens check --upstream`,
 * core/layers-by-difference.ts). `verdict` is analyze()'s answer, without the layer findings.
 */
export function completeWith(exchange: Exchange, verdict: Analysis, attribution: Attribution): Diagnosis {
  const analysis = withLayerFindings(exchange, verdict, attribution)
  const worthFixing = analysis.blocked || analysis.findings.some((f) => f.severity === 'warning')
  if (!worthFixing) return { ...analysis, attribution, fixes: [] }

  const gated = gate(
    analysis.origin ?? exchange.initiator ?? '*',
    exchange.request.method,
    analysis.unsafeRequestHeaders,
  )
  const ctx: FixContext = {
    exchange,
    analysis,
    attribution,
    origin: gated.origin,
    method: gated.method,
    requestHeaders: gated.requestHeaders,
    credentials:
      analysis.credentials.mode === 'include' ||
      exchange.credentials === 'include' ||
      // X-XSRF-TOKEN echoes a cookie (Laravel Sanctum, Angular): the call only works with credentials.
      analysis.unsafeRequestHeaders.some((h) => h.toLowerCase() === 'x-xsrf-token'),
    path: pathOf(exchange.request.url),
    stack: (id) => STACKS[id],
  }
  // The check compared with 'null' after a cross-origin redirect: allow-list cures naming the page's origin
  // never match, so only the cures that do are offered.
  const taint = taintCause(exchange, analysis)
  const fixes = taint ? taintedFixes(ctx, taint) : fixesFor(ctx)
  // Detected stacks (the page and the browser themselves) first, recommended first within each group; otherwise stable.
  const detected = new Set([
    attribution.proxy,
    attribution.app,
    'client',
    'generic',
    'third-party',
    'browser',
  ])
  const rank = (f: Fix): number => (detected.has(f.stack) ? 0 : 2) + (f.recommended ? 0 : 1)
  // Between equals, the cure at the layer that caused the failure leads (Laravel's before nginx's when the
  // app refused the origin).
  const culprit = (f: Fix): number => (f.layer === attribution.culprit ? 0 : 1)
  const ordered = fixes
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || culprit(a.f) - culprit(b.f) || a.i - b.i)
  // A snippet may quote a header value or a URL: no secret of the exchange leaves in one.
  const secrets = secretValues(exchange)
  const out = recommend(
    ordered.map(({ f }) => withDroppedNotes(f, gated.dropped, STACKS[f.stack].comment)),
    attribution,
    stackName,
  )
  return {
    ...analysis,
    attribution,
    fixes: secrets.length ? out.map((f) => mapStrings(f, (s) => redactText(s, secrets))) : out,
  }
}

/** What the layers show beside the failure (a cache's copy, a gateway's own error page), right after it. */
function withLayerFindings(exchange: Exchange, analysis: Analysis, attribution: Attribution): Analysis {
  const layers = [cacheKeyFinding(exchange, analysis), gatewayErrorFinding(exchange, analysis, attribution)]
  const found = layers.filter((f): f is Finding => f !== null)
  if (found.length === 0) return analysis
  const [failure, ...rest] = analysis.findings
  return { ...analysis, findings: failure ? [failure, ...found, ...rest] : found }
}

/** The redirect that caused this failure by making the origin 'null' (null when the failure is another). */
export function taintCause(exchange: Exchange, analysis: Analysis): TaintingRedirect | null {
  return taintedFailure(analysis) ? taintingRedirect(exchange) : null
}

function taintedFailure(analysis: Analysis): boolean {
  return (
    (analysis.corsError === 'AllowOriginMismatch' || analysis.corsError === 'PreflightAllowOriginMismatch') &&
    analysis.findings[0]?.title.startsWith("Origin became 'null'") === true
  )
}

/** A Diagnosis that says nothing: the engine could not run on this exchange (or a test stubs it). */
export function emptyDiagnosis(exchange: Exchange, summary = ''): Diagnosis {
  return {
    ...emptyAnalysis(exchange, summary),
    attribution: { culprit: 'unknown', confidence: 'low', proxy: null, app: null, evidence: [], lines: [] },
    fixes: [],
  }
}

/**
 * diagnose() for input from strangers (a HAR, a server, a website): an exchange the engine cannot explain
 * becomes an entry that says so (verdict unknown), never an exception that takes the other entries down.
 */
export function diagnoseSafely(exchange: Exchange): Diagnosis {
  try {
    return diagnose(exchange)
  } catch (error) {
    return emptyDiagnosis(exchange, `CORS Lens could not analyse this request (${errorText(error)}).`)
  }
}

/**
 * diagnoseSafely() within a session: the same answer the worker gives for the same traffic, cross-request
 * findings included (`cors-lens explain` and the panel's HAR import read a file through one session).
 */
export function diagnoseIn(session: Session, key: string, exchange: Exchange): Diagnosis {
  try {
    return complete(exchange, session.judge(key, exchange))
  } catch (error) {
    return emptyDiagnosis(exchange, `CORS Lens could not analyse this request (${errorText(error)}).`)
  }
}
