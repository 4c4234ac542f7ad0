/** Medians with their spread, for figures measured side by side. */

export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly q1: number
  readonly q3: number
  readonly n: number
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const a = sorted[lo] ?? Number.NaN
  const b = sorted[hi] ?? Number.NaN
  return a + (b - a) * (pos - lo)
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    n: sorted.length,
  }
}

export function fmt(s: Summary, unit = 'ms', digits = 0): string {
  const f = (x: number) => x.toFixed(digits)
  return `${f(s.median)} ${unit} (IQR ${f(s.q1)}–${f(s.q3)}, range ${f(s.min)}–${f(s.max)}, n=${s.n})`
}

/** Ratio of medians, and the ratio of paired runs' medians (each round's a/b), which cancels drift. */
export function ratio(a: readonly number[], b: readonly number[]): { median: number; paired: Summary } {
  const paired = a.map((x, i) => x / (b[i] ?? Number.NaN)).filter((x) => Number.isFinite(x))
  return { median: summarize(a).median / summarize(b).median, paired: summarize(paired) }
}
