/** The whole answer for one exchange: the verdict (analyze), who sent what (attribution) and the cures (fixes). */
import type { Diagnosis } from './analysis.ts'
import { analyze } from './analyze.ts'
import type { Exchange } from './exchange.ts'

export function diagnose(exchange: Exchange): Diagnosis {
  const analysis = analyze(exchange)
  return { ...analysis, fixes: [] }
}
