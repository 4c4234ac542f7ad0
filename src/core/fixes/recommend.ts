/**
 * The one recommendation: of a diagnosis's ranked cures, exactly one is "recommended", with the reason,
 * and it comes first. Decided here only, so the panel, the CLI and the Playwright report name the same cure.
 * Each fix also gets a tab label of its own that says the cure, and the "detected" mark (the headers name
 * its stack), which is a different thing from the recommendation.
 */
import type { Attribution } from '../attribution-types.ts'
import type { Fix } from '../fix.ts'

/** `fixes` in the engine's rank order (best first); the same fixes back, one recommended, first. */
export function recommend(
  fixes: readonly Fix[],
  attribution: Attribution,
  name: (s: string) => string,
): Fix[] {
  if (fixes.length === 0) return []
  const detected = (f: Fix): boolean => f.stack === attribution.proxy || f.stack === attribution.app
  // A recipe's "smallest that works" outranks the rest, as long as it is for a stack the headers name.
  const smallest = fixes.findIndex((f) => f.smallest !== undefined && detected(f))
  const pick =
    smallest >= 0
      ? smallest
      : Math.max(
          0,
          fixes.findIndex((f) => f.recommended),
        )
  const labels = uniqueLabels(fixes, name)
  const out = fixes.map((f, i): Fix => {
    const { smallest: _, ...rest } = f
    return {
      ...rest,
      label: labels[i] ?? name(f.stack),
      recommended: i === pick,
      ...(i === pick ? { reason: f.smallest ?? reasonFor(f, attribution, name) } : {}),
      ...(detected(f) ? { detected: true } : {}),
    }
  })
  const chosen = out[pick]
  return chosen ? [chosen, ...out.filter((_, i) => i !== pick)] : out
}

/** Why the engine's best-ranked cure is the one, in a few words a user can check against the screen. */
function reasonFor(f: Fix, a: Attribution, name: (s: string) => string): string {
  if (f.stack === a.app || f.stack === a.proxy) {
    const where = f.layer === 'proxy' ? 'the proxy' : 'the app'
    if (a.culprit === f.layer) return `${where} caused it, and the headers name it: ${name(f.stack)}`
    return `the headers name ${name(f.stack)}: the cure for it`
  }
  switch (f.stack) {
    case 'generic':
      return 'no header names the server: the exact lines any server must send'
    case 'third-party':
      return 'probably a server you do not run: what you can do from your side'
    case 'client':
      return "the cure is in the page's own code"
    case 'browser':
      return 'the cure is a browser setting or the page'
    default:
      return 'the first cure for what the headers show'
  }
}

const MAX_LABEL = 44

/** A label that says the cure: the recipe's own, else the title's lead clause; a repeat gets its stack. */
function uniqueLabels(fixes: readonly Fix[], name: (s: string) => string): string[] {
  const base = fixes.map((f) => f.label ?? fromTitle(f.title) ?? name(f.stack))
  const count = (l: string, list: readonly string[]): number => list.filter((x) => x === l).length
  const withStack = base.map((l, i) => {
    const f = fixes[i]
    return f && count(l, base) > 1 && !l.includes(name(f.stack)) ? `${name(f.stack)}: ${l}` : l
  })
  const seen = new Map<string, number>()
  return withStack.map((l) => {
    if (count(l, withStack) === 1) return l
    const n = (seen.get(l) ?? 0) + 1
    seen.set(l, n)
    return n === 1 ? l : `${l} (${n})`
  })
}

/** "Let preflights through your auth middleware"; a long title cut at its first ':', ';' or '(' (never mid-word). */
function fromTitle(title: string): string | null {
  const plain = title.replaceAll('`', '')
  if (plain.length <= MAX_LABEL) return plain
  const lead = plain.split(/[:;(]/)[0]?.trim() ?? ''
  if (lead.length >= 8 && lead.length <= MAX_LABEL) return lead
  const words = plain.slice(0, MAX_LABEL).split(' ')
  return words.length > 1 ? `${words.slice(0, -1).join(' ')}…` : null
}
