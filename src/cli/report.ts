/**
 * One diagnosed exchange as the CLI shows it: the JSON entry (`--json`, the same shape for explain and
 * check) and the human text. Nothing here decides anything; the engine did.
 */
import type { Attribution, Diagnosis, Exchange, HeaderPlace, HeaderRef } from '../core/index.ts'
import { redactForOutput } from '../core/index.ts'

export interface JsonHeader {
  readonly place: HeaderPlace
  readonly name: string
  readonly value: string
}

export interface JsonEntry {
  readonly url: string
  readonly method: string
  /** The page origin, when known. */
  readonly initiator: string | null
  readonly verdict: Diagnosis['verdict']
  readonly blocked: boolean
  readonly corsError: Diagnosis['corsError']
  readonly failedParameter: string | null
  readonly stage: Diagnosis['stage']
  readonly credentials: Diagnosis['credentials']['mode']
  readonly summary: string
  readonly consoleMessage: string | null
  /** Final response status; null when no response arrived. */
  readonly status: number | null
  /** The network error the browser reported, when it failed. */
  readonly error: string | null
  readonly preflight: {
    readonly required: boolean
    readonly seen: boolean
    readonly probablyCached: boolean
    readonly status: number | null
  }
  readonly redirects: readonly { readonly from: string; readonly status: number; readonly location: string }[]
  /** The CORS header lines of the exchange, in wire order per place. */
  readonly headers: readonly JsonHeader[]
  readonly findings: readonly {
    readonly code: string
    readonly severity: string
    readonly title: string
    readonly explanation: string
    readonly corsError: string | null
    readonly headers: readonly JsonHeader[]
  }[]
  readonly fixes: readonly {
    readonly stack: string
    readonly layer: string
    readonly recommended: boolean
    /** On the recommended fix: why this one (the engine's words; src/core/fixes/recommend.ts). */
    readonly reason: string | null
    readonly title: string
    readonly why: string
    readonly snippet: string
    readonly requires: string | null
  }[]
  readonly attribution: Attribution | null
}

/** Request and response lines that take part in CORS. */
const CORS_LINE = /^(origin|access-control-.*|vary|location|cookie|authorization|set-cookie)$/i

/** `value` comes redacted (toJsonEntry runs redactForOutput first: core/redact.ts, the one secret list). */
function jsonHeader(place: HeaderPlace, name: string, value: string): JsonHeader {
  return { place, name, value }
}

function corsLines(x: Exchange): JsonHeader[] {
  const out: JsonHeader[] = []
  const add = (place: HeaderPlace, list: Exchange['request']['headers'] | undefined): void => {
    for (const h of list ?? []) if (CORS_LINE.test(h.name)) out.push(jsonHeader(place, h.name, h.value))
  }
  add('preflight-request', x.preflight?.request.headers)
  add('preflight-response', x.preflight?.response?.headers)
  add('request', x.request.headers)
  for (const r of x.redirects ?? []) add('redirect', r.headers)
  add('response', x.response?.headers)
  return out
}

export function toJsonEntry(raw: Exchange, rawDiagnosis: Diagnosis): JsonEntry {
  // Secrets out before anything is printed (core/redact.ts: the one function every way out uses).
  const { exchange: x, diagnosis: d } = redactForOutput(raw, rawDiagnosis)
  return {
    url: x.request.url,
    method: x.request.method,
    initiator: x.initiator,
    verdict: d.verdict,
    blocked: d.blocked,
    corsError: d.corsError,
    failedParameter: d.failedParameter,
    stage: d.stage,
    credentials: d.credentials.mode,
    summary: d.summary,
    consoleMessage: d.consoleMessage,
    status: x.response?.status ?? null,
    error: x.outcome.kind === 'error' ? x.outcome.error : null,
    preflight: { ...d.preflight, status: x.preflight?.response?.status ?? null },
    redirects: (x.redirects ?? []).map((r) => ({ from: r.fromUrl, status: r.status, location: r.location })),
    headers: corsLines(x),
    findings: d.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      title: f.title,
      explanation: f.explanation,
      corsError: f.corsError ?? null,
      headers: f.headers.map((h: HeaderRef) => jsonHeader(h.place, h.name, h.value)),
    })),
    fixes: d.fixes.map((f) => ({
      stack: f.stack,
      layer: f.layer,
      recommended: f.recommended,
      reason: f.reason ?? null,
      title: f.title,
      why: f.why,
      snippet: f.snippet,
      requires: f.requires ?? null,
    })),
    attribution: d.attribution,
  }
}

// ---------------------------------------------------------------------------------------------------------
// Text

const PLACE_LABEL: Record<HeaderPlace, string> = {
  'preflight-request': 'preflight >',
  'preflight-response': 'preflight <',
  request: 'request   >',
  redirect: 'redirect  <',
  response: 'response  <',
}

/** The verdict as every CLI output says it (text, CI formats, the MCP answer). */
export const VERDICT_LABEL: Record<Diagnosis['verdict'], string> = {
  blocked: 'BLOCKED',
  'at-risk': 'AT RISK',
  ok: 'OK',
  'not-cors': 'FAILED (not CORS)',
  unknown: 'UNKNOWN',
}

function indent(text: string, prefix: string): string[] {
  return text.split('\n').map((l) => prefix + l)
}

/** Header lines shown per entry; a response with thousands of lines is summarised (--json has them all). */
export const MAX_HEADER_LINES = 50

export function headerLinesText(headers: readonly JsonHeader[]): string[] {
  const lines = headers
    .slice(0, MAX_HEADER_LINES)
    .map((h) => `    ${PLACE_LABEL[h.place]} ${h.name}: ${h.value}`)
  if (headers.length > MAX_HEADER_LINES)
    lines.push(`    … ${headers.length - MAX_HEADER_LINES} more header lines (--json lists them all)`)
  return lines
}

/**
 * The verdict line, why, the header lines involved, and the recommended fix: one string per line, for
 * `Output` (terminal.ts) to escape and bound.
 */
export function entryLines(e: JsonEntry, options?: { allHeaders?: boolean }): string[] {
  const lines: string[] = []
  const from = e.initiator ? `  (from ${e.initiator})` : ''
  const error = e.corsError ? ` — ${e.corsError}${e.failedParameter ? ` (${e.failedParameter})` : ''}` : ''
  lines.push(`${VERDICT_LABEL[e.verdict]}${error}  ${e.method} ${e.url}${from}`)
  lines.push(
    `  credentials: ${e.credentials}${e.status !== null ? `, status ${e.status}` : ''}${e.error ? `, ${e.error}` : ''}`,
  )
  if (e.summary) lines.push(`  Why: ${e.summary}`)
  if (e.consoleMessage) lines.push(`  Chromium's console: ${e.consoleMessage}`)
  for (const f of e.findings) {
    lines.push(`  - [${f.severity}] ${f.title} (${f.code})`)
    if (f.explanation) lines.push(...indent(f.explanation, '      '))
  }
  const involved = e.findings.flatMap((f) => f.headers)
  const headers = options?.allHeaders || involved.length === 0 ? e.headers : dedupe(involved)
  if (headers.length) {
    lines.push('  Header lines:')
    lines.push(...headerLinesText(headers))
  }
  const measured = e.attribution?.source === 'measured'
  if (e.attribution && (e.attribution.culprit !== 'unknown' || measured)) {
    const stacks = [e.attribution.proxy, e.attribution.app].filter(Boolean).join(' + ')
    lines.push(
      `  Sent by: ${e.attribution.culprit}${stacks ? ` (${stacks})` : ''}, ${measured ? 'measured with --upstream' : `${e.attribution.confidence} confidence`}`,
    )
    for (const ev of e.attribution.evidence.slice(0, 3)) lines.push(`    · ${ev}`)
  }
  if (e.attribution?.settle)
    lines.push(
      "  Which layer sent it is not sure; this settles it (APP_URL: the app's own address behind the proxy, e.g. http://127.0.0.1:3000):",
      `    ${e.attribution.settle}`,
    )
  const fix = e.fixes.find((f) => f.recommended)
  if (fix) {
    lines.push(`  Fix (${fix.stack}, ${fix.layer}): ${fix.title}`)
    if (fix.reason) lines.push(`    Recommended: ${fix.reason}.`)
    if (fix.why) lines.push(`    ${fix.why}`)
    if (fix.requires) lines.push(`    (${fix.requires})`)
    lines.push(...indent(fix.snippet, '      '))
  }
  return lines
}

function dedupe(headers: readonly JsonHeader[]): JsonHeader[] {
  const seen = new Set<string>()
  return headers.filter((h) => {
    const key = `${h.place}\0${h.name.toLowerCase()}\0${h.value}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
