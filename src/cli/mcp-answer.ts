/**
 * The short text an agent can quote, beside each MCP tool's JSON: the verdict, the layer that caused it and
 * the recommended fix, in the CLI's words. Built from the JSON entries (already redacted: report.ts), so it
 * says nothing the JSON does not.
 */

import type { LintFinding } from '../core/index.ts'
import type { CheckReport } from './check.ts'
import type { HarTotals } from './har-stream.ts'
import { type JsonEntry, VERDICT_LABEL } from './report.ts'

/** Failing requests (or findings) told in full; the rest are counted, and the JSON has them all. */
export const MAX_TOLD = 5

function verdictLine(e: JsonEntry): string {
  const param = e.failedParameter ? ` (failed parameter: ${e.failedParameter})` : ''
  const error = e.corsError ? `: ${e.corsError}${param}` : ''
  const from = e.initiator ? ` from ${e.initiator}` : ''
  return `${VERDICT_LABEL[e.verdict]}${error} — ${e.method} ${e.url}${from}`
}

function culpritLine(e: JsonEntry): string | null {
  const a = e.attribution
  if (!a || a.culprit === 'unknown') return null
  const stacks = [a.proxy, a.app].filter(Boolean).join(' + ')
  const evidence = a.evidence[0] ? `: ${a.evidence[0]}` : ''
  return `Culprit layer: ${a.culprit}${stacks ? ` (${stacks})` : ''}, ${a.confidence} confidence${evidence}`
}

function fixLines(e: JsonEntry): string[] {
  const fix = e.fixes.find((f) => f.recommended)
  if (!fix) return []
  return [
    `Recommended fix (${fix.stack}, ${fix.layer}): ${fix.title}`,
    ...(fix.requires ? [`  (${fix.requires})`] : []),
    ...fix.snippet.split('\n').map((l) => `    ${l}`),
  ]
}

/** One request: verdict, why, other findings, culprit, fix. */
export function entryAnswer(e: JsonEntry): string[] {
  const findings = e.findings.map((f) => `${f.code} (${f.severity})`).join(', ')
  return [
    verdictLine(e),
    ...(e.summary ? [`Why: ${e.summary}`] : []),
    ...(findings ? [`Findings: ${findings}`] : []),
    ...[culpritLine(e)].filter((l): l is string => l !== null),
    ...fixLines(e),
  ]
}

export function checkAnswer(r: CheckReport, dropped: readonly string[]): string[] {
  const verdict = r.netError
    ? `A browser would fail this request with ${r.netError}, before any CORS check.`
    : r.entry.blocked
      ? 'A browser would BLOCK this: the page cannot read the response.'
      : 'A browser would let the page read this response.'
  const notes = dropped.map(
    (name) => `Note: header "${name}" left out: a page cannot set it (a forbidden header name).`,
  )
  return [verdict, ...entryAnswer(r.entry), ...notes]
}

type Counts = Record<JsonEntry['verdict'], number>

function counts(entries: readonly JsonEntry[]): Counts {
  const c: Counts = { blocked: 0, 'at-risk': 0, unknown: 0, ok: 0, 'not-cors': 0 }
  for (const e of entries) c[e.verdict]++
  return c
}

export function explainAnswer(entries: readonly JsonEntry[], totals: HarTotals): string[] {
  const c = counts(entries)
  const head = `${entries.length} cross-origin requests: ${c.blocked} blocked, ${c['at-risk']} at risk, ${c.unknown} unexplained, ${c.ok} ok, ${c['not-cors']} failed for other reasons; ${totals.skipped} entries skipped (same-origin, not CORS, or unreadable).`
  // Identical reports (a retry loop, a polling endpoint) are told once, as the CLI prints them.
  const told = new Set<string>()
  for (const e of entries) {
    if (e.verdict === 'ok' || e.verdict === 'not-cors') continue
    told.add(entryAnswer(e).join('\n'))
  }
  const shown = [...told].slice(0, MAX_TOLD)
  const more = told.size - shown.length
  return [
    head,
    ...shown.flatMap((t) => ['', ...t.split('\n')]),
    ...(more > 0 ? ['', `(${more} more distinct reports: see the JSON)`] : []),
    ...totals.warnings.slice(0, 3).map((w) => `Warning: ${w}`),
  ]
}

function findingLines(f: LintFinding): string[] {
  return [
    `${f.file}:${f.line}: ${f.severity}: ${f.title} [${f.code}]${f.corsError ? ` — Chromium reports ${f.corsError}` : ''}`,
    `  Fix (${f.fix.where}):`,
    ...f.fix.snippet.split('\n').map((l) => `    ${l}`),
  ]
}

export function lintAnswer(findings: readonly LintFinding[]): string[] {
  const errors = findings.filter((f) => f.severity === 'error').length
  const shown = findings.slice(0, MAX_TOLD)
  return [
    `${findings.length} finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}).`,
    ...shown.flatMap(findingLines),
    ...(findings.length > shown.length ? [`(${findings.length - shown.length} more: see the JSON)`] : []),
  ]
}
