/**
 * A test's CORS report: every cross-origin request the browser blocked, diagnosed by the engine and worded
 * as the CLI words it (src/cli/report.ts), split into the ones the test's `allow` list expects and the
 * ones that fail it. Nothing here decides a verdict; the engine did.
 */

import { entryLines, type JsonEntry, toJsonEntry } from '../cli/report.ts'
import { safeLine } from '../cli/terminal.ts'
import { type Diagnosis, diagnoseSafely, type Exchange, exchangesToHar } from '../core/index.ts'
import type { AllowRule, CorsBlock, CorsLensReport } from './index.ts'

/** One diagnosed exchange as the HAR writer takes it. */
type HarRecord = Parameters<typeof exchangesToHar>[0][number]

export interface Seen {
  readonly exchange: Exchange
  /** The browser's own CorsError where it says (Chromium's corsErrorStatus), else null. */
  readonly browserCorsError: string | null
  readonly startedAt: number
}

/** The engine's entry, as the CLI's --json has it, fits the package's published CorsBlock type. */
type Fits<T extends CorsBlock> = T
/** A block as built here: the engine's own entry type, which the published CorsBlock describes. */
export type Block = Fits<JsonEntry & Pick<CorsBlock, 'browserCorsError' | 'allowedBy'>>

/** The report as built here (its blocks typed as the engine's). */
export type Report = Omit<CorsLensReport, 'blocked'> & { readonly blocked: readonly Block[] }

/** Glob characters compared one by one: O(pattern × URL) at worst, never the exponential backtracking a regex may do. */
export function globMatches(glob: string, text: string): boolean {
  // Tokens: '**' → any, '*' → any but '/', else a literal character.
  const tokens: string[] = []
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] === '*' && glob[i + 1] === '*') {
      tokens.push('**')
      i++
    } else tokens.push(glob[i] ?? '')
  }
  // reach[j]: tokens[0..i) can match text[0..j).
  let reach: boolean[] = new Array(text.length + 1).fill(false)
  reach[0] = true
  for (const t of tokens) {
    const next: boolean[] = new Array(text.length + 1).fill(false)
    if (t === '**' || t === '*') {
      let open = false
      for (let j = 0; j <= text.length; j++) {
        if (reach[j]) open = true
        if (open) next[j] = true
        if (t === '*' && text[j] === '/') open = false
      }
    } else for (let j = 0; j < text.length; j++) if (reach[j] && text[j] === t) next[j + 1] = true
    reach = next
  }
  return reach[text.length] === true
}

/** URLs longer than this are not matched against `allow` rules (a bound on hostile pages, not on tests). */
const MAX_MATCHED_URL = 16_384

function allowedBy(rules: readonly AllowRule[], x: Exchange): string | null {
  const urls = [...(x.redirects ?? []).map((r) => r.fromUrl), x.request.url]
  for (const rule of rules) {
    for (const url of urls) {
      if (url.length > MAX_MATCHED_URL) continue
      const hit =
        typeof rule === 'string'
          ? globMatches(rule, url)
          : // search() starts at 0 and leaves lastIndex as it was, /g or not: the caller's RegExp is untouched.
            url.search(rule) !== -1
      if (hit) return String(rule)
    }
  }
  return null
}

export function isBlocked(d: Diagnosis, browserCorsError: string | null): boolean {
  return d.blocked || browserCorsError !== null
}

/** The blocked requests among what a page did, diagnosed, newest last. Secrets come out redacted (toJsonEntry). */
export function blockedOf(
  seen: readonly Seen[],
  allow: readonly AllowRule[],
): { blocks: Block[]; records: HarRecord[] } {
  const blocks: Block[] = []
  const records: HarRecord[] = []
  for (const s of seen) {
    const d = diagnoseSafely(s.exchange)
    if (!isBlocked(d, s.browserCorsError)) continue
    blocks.push({
      ...toJsonEntry(s.exchange, d),
      browserCorsError: s.browserCorsError,
      allowedBy: allowedBy(allow, s.exchange),
    })
    records.push({ exchange: s.exchange, diagnosis: d, startedAt: s.startedAt })
  }
  return { blocks, records }
}

/** HAR 1.2 of the failing exchanges, secrets redacted (src/core/har/write.ts: the same writer as the panel's export). */
export function harOf(records: readonly HarRecord[]): object {
  return exchangesToHar(records, { redact: true })
}

const LAYER_WORD: Record<string, string> = { proxy: 'the proxy', app: 'the app', unknown: 'an unknown layer' }

/** The CLI's words for one block, then which layer sent each CORS header line. */
export function blockLines(b: Block): string[] {
  const lines = entryLines(b)
  if (b.browserCorsError && b.browserCorsError !== b.corsError)
    lines.splice(1, 0, `  The browser reported: ${b.browserCorsError}`)
  const sent = b.attribution?.lines ?? []
  if (sent.length) {
    lines.push('  Who sent each line:')
    for (const l of sent.slice(0, 20)) {
      const who = l.stack
        ? `${l.stack} (${LAYER_WORD[l.layer] ?? l.layer})`
        : (LAYER_WORD[l.layer] ?? l.layer)
      lines.push(
        `    ${l.header.name}: ${l.header.value}  ← ${who}, ${l.confidence} confidence: ${l.evidence}`,
      )
    }
  }
  return lines
}

/** The error a failing test shows: one paragraph per blocked request, escaped and bounded like the CLI's lines. */
export function failureMessage(report: Report): string {
  const failing = report.blocked.filter((b) => b.allowedBy === null)
  const n = failing.length
  const head = [
    `CORS Lens: ${n} request${n === 1 ? '' : 's'} blocked by CORS in this test.`,
    `(A known failure? test.use({ corsLens: { allow: ['<URL glob>'] } }); only report: mode 'warn'.)`,
  ]
  if (report.limits) head.push(`(${report.limits})`)
  const shown = failing.slice(0, 10).flatMap((b) => ['', ...blockLines(b)])
  const more = n > 10 ? ['', `… and ${n - 10} more (see the attached cors-lens-report.json)`] : []
  return [...head, ...shown, ...more].map(safeLine).join('\n')
}

/** One line for an annotation (mode 'warn', and requests the `allow` list expects). */
export function blockSummary(b: Block): string {
  const error = b.corsError ?? b.browserCorsError
  const fix = b.fixes.find((f) => f.recommended)
  return safeLine(
    `${error ? `${error} ` : ''}${b.method} ${b.url}${b.initiator ? ` (from ${b.initiator})` : ''}: ${b.summary}${fix ? ` Fix (${fix.stack}): ${fix.title}` : ''}`,
  )
}
