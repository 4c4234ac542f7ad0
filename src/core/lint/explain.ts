/**
 * Live and static together (issue 18, item 4): of the findings `lint` reports for a config, the one that
 * explains a failure the browser was seen to report — the same CorsError, under a `when` consistent with what
 * was observed — ranked first, with the config line beside the header line it produced.
 */
import type { Diagnosis } from '../analysis.ts'
import type { Exchange } from '../exchange.ts'
import type { HeaderRef } from '../model/finding.ts'
import { type SourceFile, splitNginxDump } from './nginx-parse.ts'
import type { LintFinding, LintServer } from './types.ts'

/** The score from which a finding explains the failure: its CorsError seen, under its `when`. */
const EXPLAINS = 4
const LINTABLE: ReadonlySet<string> = new Set<LintServer>(['nginx', 'apache', 'caddy'])

export interface RankedFinding {
  readonly finding: LintFinding
  /** True for at most one finding, the first: it explains the observed failure. */
  readonly explains: boolean
  /** Why it explains it (or, for the others, why it does not), in words. */
  readonly reason: string
  /** The observed header line the finding's config line produced, when the response carried one. */
  readonly headerLine: HeaderRef | null
}

/** What was seen of the failure, as the ranking needs it. */
interface Seen {
  readonly corsError: string | null
  readonly stage: Diagnosis['stage']
  /** The status of the response that failed (the preflight's when the preflight failed), when known. */
  readonly status: number | null
  /** The app behind the proxy sent CORS lines too. */
  readonly appSentCors: boolean
  readonly credentials: boolean
}

/**
 * The server whose config could explain this failure, or null: a blocked request whose attribution names a
 * lintable proxy, or blames a proxy it cannot name (then the server is told from the config). A proxy lint
 * does not read (Varnish, a CDN, a gateway) offers nothing.
 */
export function configCheckFor(d: Diagnosis): { readonly server: LintServer | null } | null {
  if (!d.blocked) return null
  const proxy = d.attribution.proxy
  if (proxy !== null) return LINTABLE.has(proxy) ? { server: proxy as LintServer } : null
  // A proxy the headers do not name: its config may still be one lint reads.
  return d.attribution.culprit === 'proxy' || d.attribution.culprit === 'both' ? { server: null } : null
}

/** The status of the response the browser judged: the preflight's when it failed there, else the last. */
function failedStatus(d: Diagnosis, x: Exchange | undefined): number | null {
  if (!x) return null
  if (d.stage === 'preflight') return x.preflight?.response?.status ?? null
  if (d.stage === 'redirect') return x.redirects?.at(-1)?.status ?? null
  return x.response?.status ?? null
}

function seenOf(d: Diagnosis, x: Exchange | undefined): Seen {
  return {
    corsError: d.corsError,
    stage: d.stage,
    status: failedStatus(d, x),
    appSentCors:
      d.attribution.culprit === 'both' ||
      d.attribution.lines.some((l) => l.layer === 'app' && /^access-control-/i.test(l.header.name)),
    credentials: d.credentials.mode === 'include',
  }
}

/** The CorsError without the preflight's prefix: lint names the access check, the browser its stage. */
const baseError = (e: string): string =>
  e.startsWith('Preflight') && e !== 'PreflightInvalidStatus' && e !== 'PreflightDisallowedRedirect'
    ? e.slice('Preflight'.length)
    : e

/** Whether the finding's `when` holds for what was seen: a score (higher: more specific), or a reason not. */
function whenHolds(f: LintFinding, s: Seen): number | string {
  switch (f.when) {
    case 'error-responses':
      return s.status !== null && s.status < 400 ? `it bites on 4xx/5xx; this was a ${s.status}` : 2
    case 'preflight':
      return s.stage === 'preflight' ? 2 : 'it bites on the preflight; the failure was not there'
    case 'upstream-sends-cors':
      return s.appSentCors ? 2 : 'it bites when the app sends CORS too; no line of the app was seen'
    case 'credentials':
      return s.credentials ? 2 : 'it bites on requests with credentials; this one had none'
    default:
      return 1
  }
}

/** A score for the finding against what was seen (EXPLAINS or more: it explains it), and why. */
function score(f: LintFinding, s: Seen): { readonly score: number; readonly reason: string } {
  if (!s.corsError || !f.corsError) return { score: 0, reason: 'not the failure seen' }
  const exact = f.corsError === s.corsError
  if (!exact && baseError(f.corsError) !== baseError(s.corsError))
    return { score: 0, reason: `it causes ${f.corsError}; the browser reported ${s.corsError}` }
  const when = whenHolds(f, s)
  // The same CorsError under another condition: ranked before the rest, but it does not explain this one.
  if (typeof when === 'string') return { score: 1, reason: when }
  return {
    score: EXPLAINS + (exact ? 1 : 0) + when,
    reason: `the browser reported ${s.corsError}, which this causes ${whenPhrase(f, s)}`,
  }
}

function whenPhrase(f: LintFinding, s: Seen): string {
  if (f.when === 'error-responses') return `on an error response (this one was a ${s.status ?? '4xx/5xx'})`
  if (f.when === 'upstream-sends-cors') return 'when the app behind it sends CORS too, as it did'
  if (f.when === 'preflight') return 'on the preflight, where it failed'
  if (f.when === 'credentials') return 'on requests with credentials, as this one was'
  return 'here'
}

const SEVERITY = { error: 0, warning: 1, info: 2 } as const

/**
 * The findings ranked against the observed failure: the one that explains it first (`explains`), then the
 * others that name the same CorsError, then the rest by severity, each group in the config's order.
 * `sources` (the config as given) lets the produced header line be matched on the config line's own text.
 */
export function explainingFinding(
  diagnosis: Diagnosis,
  findings: readonly LintFinding[],
  exchange?: Exchange,
  sources: readonly SourceFile[] = [],
): RankedFinding[] {
  const seen = seenOf(diagnosis, exchange)
  const scored = findings.map((finding, i) => ({ finding, i, ...score(finding, seen) }))
  scored.sort(
    (a, b) => b.score - a.score || SEVERITY[a.finding.severity] - SEVERITY[b.finding.severity] || a.i - b.i,
  )
  return scored.map((x, rank) => {
    const explains = rank === 0 && x.score >= EXPLAINS
    return {
      finding: x.finding,
      explains,
      reason: x.reason,
      headerLine: explains ? producedLine(diagnosis, configLines(sources)(x.finding)) : null,
    }
  })
}

/** The header a config line sets, by name ("add_header Access-Control-Allow-Origin *;" → its name). */
function headerNamed(text: string): string | null {
  const m = /access-control-[a-z-]+/i.exec(text.slice(0, 2000))
  return m ? m[0].toLowerCase() : null
}

/**
 * The observed line a config line produced: a line of the same header in the part that failed, the one
 * attributed to the proxy, else the one whose value the config line carries.
 */
function producedLine(d: Diagnosis, text: string | null): HeaderRef | null {
  const name = (text && headerNamed(text)) ?? 'access-control-allow-origin'
  const place =
    d.stage === 'preflight' ? 'preflight-response' : d.stage === 'redirect' ? 'redirect' : 'response'
  const candidates = d.attribution.lines.filter(
    (l) => l.header.place === place && l.header.name.toLowerCase() === name,
  )
  const rank = (l: (typeof candidates)[number]): number =>
    (l.layer === 'proxy' ? 2 : 0) + (text?.includes(l.header.value) ? 1 : 0)
  let best: (typeof candidates)[number] | undefined
  for (const l of candidates) if (!best || rank(l) > rank(best)) best = l
  return best?.header ?? null
}

/**
 * Reads each finding's config line from the files given (an `nginx -T` dump is split, once, into the files
 * it carries); null for a file not among them (an include read from disk).
 */
export function configLines(sources: readonly SourceFile[]): (f: LintFinding) => string | null {
  let split: SourceFile[] | null = null
  return (f) => {
    split ??= sources.flatMap((s) => splitNginxDump(s.text) ?? [s])
    const file = split.find((x) => x.file === f.file)
    return file ? lineAt(file.text, f.line) : null
  }
}

/** Line n (1-based) of a text, found by walking its line feeds (linear, no split of a large file). */
function lineAt(text: string, n: number): string | null {
  let start = 0
  for (let i = 1; i < n; i++) {
    const eol = text.indexOf('\n', start)
    if (eol < 0) return null
    start = eol + 1
  }
  const eol = text.indexOf('\n', start)
  return text.slice(start, eol < 0 ? text.length : eol).replace(/\r$/, '')
}
