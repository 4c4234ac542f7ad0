/** Pure helpers for the raw header view: which lines to highlight, and which names repeat. */
import type { HeaderList, HeaderPlace, HeaderRef } from '../core/index.ts'

/** Which lines of this list a finding points at: by place and index, and for redirects by name and value. */
export function offendingIndexes(
  headers: HeaderList,
  place: HeaderPlace,
  refs: readonly HeaderRef[],
): Set<number> {
  const out = new Set<number>()
  for (const ref of refs) {
    if (ref.place !== place) continue
    if (place === 'redirect') {
      // Several redirects share the place; the index alone cannot say which one, the line's text can.
      headers.forEach((h, i) => {
        if (h.name.toLowerCase() === ref.name.toLowerCase() && h.value === ref.value) out.add(i)
      })
    } else if (ref.index >= 0 && ref.index < headers.length) out.add(ref.index)
  }
  return out
}

/** Header names that appear on more than one line, with their values in wire order. */
export function duplicateLines(headers: HeaderList): Map<string, string[]> {
  const byName = new Map<string, { name: string; values: string[] }>()
  for (const h of headers) {
    const key = String(h.name).toLowerCase()
    const entry = byName.get(key) ?? { name: String(h.name), values: [] }
    entry.values.push(String(h.value))
    byName.set(key, entry)
  }
  const out = new Map<string, string[]>()
  for (const { name, values } of byName.values()) if (values.length > 1) out.set(name, values)
  return out
}

type Severity = 'error' | 'warning' | 'info'
const WEIGHT: Record<Severity, number> = { error: 3, warning: 2, info: 1 }

/**
 * Which lines the findings point at, each with the worst severity among them: a line only an info note
 * names is marked as a note, never painted as an error.
 */
export function lineSeverities(
  headers: HeaderList,
  place: HeaderPlace,
  findings: readonly { readonly severity: Severity; readonly headers: readonly HeaderRef[] }[],
): Map<number, Severity> {
  const out = new Map<number, Severity>()
  for (const f of findings)
    for (const i of offendingIndexes(headers, place, f.headers)) {
      const was = out.get(i)
      if (!was || WEIGHT[f.severity] > WEIGHT[was]) out.set(i, f.severity)
    }
  return out
}
