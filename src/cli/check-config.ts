/**
 * `cors-lens check URL --origin O --config FILE…`: after the check, the config that served it is linted and
 * the finding that explains the failure the check observed is printed first, then the others (issue 18,
 * "Live and static together"). The ranking is the core's (src/core/lint/explain.ts).
 */
import {
  configLines,
  explainingFinding,
  type LintFinding,
  type RankedFinding,
  redactHeaderValue,
  type SourceFile,
} from '../core/index.ts'
import type { CheckJsonEntry, CheckReport } from './check.ts'
import { human, lintFindings, readText } from './lint.ts'

/** One finding in `check --json`'s `config.findings`: lint's finding, and whether it explains the failure. */
export interface ConfigJsonFinding extends LintFinding {
  readonly explains: boolean
  readonly reason: string
  /** The text of the finding's config line (null for a file read through an include). */
  readonly lineText: string | null
  /** The observed header line that config line produced (the explaining finding only). */
  readonly headerLine: { readonly place: string; readonly name: string; readonly value: string } | null
}

export interface ConfigJson {
  readonly findings: readonly ConfigJsonFinding[]
}

/** The report with `entry.config`: the configs linted, ranked against what the check observed. */
export function withConfig(report: CheckReport, paths: readonly string[]): CheckReport {
  if (paths.length === 0) return report
  // Read as `lint` reads (bounded; a reason in one line when it cannot be); includes resolve from each file.
  const sources: SourceFile[] = paths.map((file) => ({ file, text: readText(file) }))
  const findings = lintFindings(sources, undefined)
  const { exchange, diagnosis } = report.result
  const ranked = explainingFinding(diagnosis, findings, exchange, sources)
  const lineOf = configLines(sources)
  const config: ConfigJson = { findings: ranked.map((r) => toJson(r, lineOf(r.finding))) }
  const entry: CheckJsonEntry & { readonly config: ConfigJson } = { ...report.entry, config }
  return { ...report, entry }
}

function toJson(r: RankedFinding, lineText: string | null): ConfigJsonFinding {
  const h = r.headerLine
  return {
    ...r.finding,
    explains: r.explains,
    reason: r.reason,
    lineText,
    headerLine: h ? { place: h.place, name: h.name, value: redactHeaderValue(h.name, h.value) } : null,
  }
}

/** The human section printed after the check's own report (nothing without --config). */
export function configText(report: CheckReport): string[] {
  const config = (report.entry as { readonly config?: ConfigJson }).config
  if (!config) return []
  const [first, ...rest] = config.findings
  const out = ['', 'Config:']
  if (!first) return [...out, '  lint found no CORS mistake in the config given.']
  if (first.explains) {
    out.push(`  This explains the failure above: ${first.reason}.`)
    out.push(`  ${first.file}:${first.line}: ${(first.lineText ?? '').trim()}`)
    const h = first.headerLine
    out.push(
      h
        ? `    → produced the ${h.place === 'preflight-response' ? 'preflight response' : h.place} line ${h.name}: ${h.value}`
        : '    → the response the browser judged had no such line',
    )
    out.push('', ...human(first))
  } else out.push('  No finding explains the failure above; what lint found in the config:', '')
  for (const f of first.explains ? rest : config.findings) out.push(...human(f))
  return out
}
