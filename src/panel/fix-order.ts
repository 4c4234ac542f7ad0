/**
 * The fix tabs. The engine ranks the cures and picks the one recommendation (src/core/fixes/recommend.ts):
 * the panel keeps that order and never decides again.
 */

import type { Diagnosis, Fix } from '../core/index.ts'
import { stackName } from '../core/index.ts'

export function orderFixes(fixes: readonly Fix[]): Fix[] {
  return [...fixes]
}

/** A fix tab's label: what the cure is (the engine gives every fix one); else its stack. */
export function fixLabel(fix: { readonly stack: string; readonly label?: string }): string {
  return fix.label ?? stackName(fix.stack)
}

export function recommendedFix(d: Pick<Diagnosis, 'fixes'>): Fix | undefined {
  return d.fixes.find((f) => f.recommended)
}

const DUPLICATE_ACAO = new Set(['MultipleAllowOriginValues', 'PreflightMultipleAllowOriginValues'])

/**
 * The one line the detail opens with: what happened, in the user's terms, and (when there is a cure) what
 * to do: "nginx and Express both send Access-Control-Allow-Origin → remove nginx's `add_header …`".
 * Rich text (`code`), as the engine's titles.
 */
export function headline(d: Diagnosis): string {
  const fix = recommendedFix(d)
  const what = whatHappened(d)
  return fix ? `${what} → ${lowerFirst(fix.title)}` : what
}

function whatHappened(d: Diagnosis): string {
  const a = d.attribution
  if (d.corsError && DUPLICATE_ACAO.has(d.corsError) && a?.culprit === 'both' && a.proxy && a.app)
    return `${stackName(a.proxy)} and ${stackName(a.app)} both send Access-Control-Allow-Origin`
  // "Blocked by CORS — X." → "X": the pill beside it already says blocked.
  const dash = d.summary.indexOf(' — ')
  const summary = d.summary.startsWith('Blocked by ') && dash > 0 ? d.summary.slice(dash + 3) : d.summary
  const text = summary.endsWith('.') ? summary.slice(0, -1) : summary
  return text || d.verdict
}

/** "Remove nginx's…" → "remove nginx's…"; "CORS at nginx…" stays (an acronym). */
function lowerFirst(s: string): string {
  const [a, b] = [s.charAt(0), s.charAt(1)]
  return b && b === b.toUpperCase() && b !== b.toLowerCase() ? s : a.toLowerCase() + s.slice(1)
}
