/** The order of the fix tabs: the detected (recommended) stack first, then the engine's own order. */

import type { Fix } from '../core/index.ts'
import { stackName } from '../core/index.ts'

export function orderFixes(fixes: readonly Fix[]): Fix[] {
  return fixes
    .map((fix, i) => ({ fix, i }))
    .sort((a, b) => Number(b.fix.recommended) - Number(a.fix.recommended) || a.i - b.i)
    .map(({ fix }) => fix)
}

/** A fix tab's label: what the cure is, when the recipe says so; else its stack. */
export function fixLabel(fix: { readonly stack: string; readonly label?: string }): string {
  return fix.label ?? stackName(fix.stack)
}
