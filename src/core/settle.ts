/**
 * Where the fingerprints leave a layer unsure, the command that settles it: `cors-lens check` with
 * `--upstream`, which asks the app behind the proxy the same questions and attributes every line by
 * difference (core/layers-by-difference.ts). Filled from the real request; only tokens and a serialized
 * origin go in as they are, header values are redacted (core/redact.ts) and every word is shell-quoted
 * (fixes/escape.ts shellWord), so a hostile value never breaks out of its word.
 */
import type { Analysis } from './analysis.ts'
import type { Attribution } from './attribution-types.ts'
import type { Exchange } from './exchange.ts'
import { isForbiddenRequestHeader, isToken } from './fetch-rules.ts'
import { shellWord } from './fixes/escape.ts'
import { isSnippetOrigin } from './fixes/gate.ts'
import { redactHeaderValue, redactUrl } from './redact.ts'

/** What the user puts there: the app's own address behind the proxy (README, `check --upstream`). */
export const APP_URL_PLACEHOLDER = 'APP_URL'
/** Enough for any real page; a HAR entry with thousands of custom headers gets the first ones. */
const MAX_HEADERS = 20

function unsure(a: Attribution): boolean {
  return (
    a.culprit === 'unknown' ||
    a.confidence === 'low' ||
    a.lines.some((l) => l.layer === 'unknown' || l.confidence === 'low')
  )
}

/** The attribution with its `settle` command when it needs one. */
export function withSettle(ex: Exchange, analysis: Analysis, attribution: Attribution): Attribution {
  if (attribution.source === 'measured' || attribution.owner?.verdict === 'probably-third-party')
    return attribution
  if (!(analysis.blocked || analysis.verdict === 'at-risk') || !unsure(attribution)) return attribution
  if (!ex.response && !ex.preflight?.response && !ex.redirects?.length) return attribution
  const settle = settleCommand(ex, analysis)
  return settle ? { ...attribution, settle } : attribution
}

/** Printable ASCII without controls: what `check --header` takes as a value. */
function plainValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i)
    if (c < 0x20 || c > 0x7e) return false
  }
  return true
}

/** The page's own headers that shape the preflight and the answer: the unsafe ones and Content-Type. */
function pageHeaders(ex: Exchange, analysis: Analysis): string[] {
  const wanted = new Set(analysis.unsafeRequestHeaders.map((n) => n.toLowerCase()))
  wanted.add('content-type')
  const out: string[] = []
  const seen = new Set<string>()
  const add = (name: string, value: string): void => {
    const n = name.toLowerCase()
    if (out.length >= MAX_HEADERS || seen.has(n) || !wanted.has(n) || !isToken(name)) return
    if (n === 'cookie' || isForbiddenRequestHeader(n) || !plainValue(value)) return
    seen.add(n)
    out.push(`${name}: ${redactHeaderValue(name, value)}`)
  }
  for (const h of ex.request.headers) add(h.name, h.value)
  // Stopped by its preflight: the request's lines were never sent; the preflight named them.
  for (const n of analysis.unsafeRequestHeaders) add(n, 'VALUE')
  return out
}

/** `cors-lens check URL --origin O [--method M] [--header …] [--credentials] --upstream APP_URL`, or null. */
export function settleCommand(ex: Exchange, analysis: Analysis): string | null {
  const url = redactUrl(ex.request.url)
  if (!/^https?:\/\//i.test(url)) return null
  const origin = analysis.origin ?? ex.initiator
  if (!origin || origin === '*' || !isSnippetOrigin(origin)) return null
  const words = ['cors-lens', 'check', shellWord(url), '--origin', shellWord(origin)]
  const method = ex.request.method
  if (isToken(method) && method !== 'GET') words.push('--method', shellWord(method))
  for (const h of pageHeaders(ex, analysis)) words.push('--header', shellWord(h))
  if (analysis.credentials.mode === 'include' || ex.credentials === 'include') words.push('--credentials')
  words.push('--upstream', APP_URL_PLACEHOLDER)
  return words.join(' ')
}
