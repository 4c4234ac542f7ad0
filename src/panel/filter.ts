/**
 * The filter box's language, DevTools Network's own (https://developer.chrome.com/docs/devtools/network/reference#filter-by-property):
 * whitespace-separated terms that must all match; `key:value` for a property (status-code:, method:, domain:,
 * scheme:, has-response-header:, is:, plus CORS Lens's cors-error: and file:); a leading `-` negates a term; `/re/` is a
 * regular expression over the row's text; anything else is free text. An unknown key is free text, so a
 * pasted `http://api.test/x` still matches its URL. One parser, one matcher: the list and its tests use these.
 */
import type { Verdict } from '../core/index.ts'

/** What a filter term can ask of a row, computed once per group (never per keystroke). */
export interface RowFacts {
  /** Lower case: the request's method, and OPTIONS when a preflight was seen. */
  readonly methods: readonly string[]
  /** Every status the browser saw for it: the response's, each redirect's, the preflight's. */
  readonly statuses: readonly string[]
  /** Lower case host (no port), and host:port. */
  readonly host: string
  readonly hostPort: string
  /** Lower case, without ':'. */
  readonly scheme: string
  readonly verdict: Verdict
  readonly corsError: string
  readonly imported: boolean
  readonly preflight: boolean
  /** Lower case; the HAR file an imported row came from. */
  readonly file: string
  /** Lower-case header names of the response and the preflight's response. */
  readonly responseHeaders: readonly string[]
}

export type FilterKey =
  | 'status-code'
  | 'method'
  | 'domain'
  | 'scheme'
  | 'has-response-header'
  | 'is'
  | 'cors-error'
  | 'file'

/** Network's keys, and the short spellings people type (`status:`, `error:`). */
const KEYS: Readonly<Record<string, FilterKey>> = {
  'status-code': 'status-code',
  status: 'status-code',
  method: 'method',
  domain: 'domain',
  scheme: 'scheme',
  'has-response-header': 'has-response-header',
  is: 'is',
  'cors-error': 'cors-error',
  error: 'cors-error',
  file: 'file',
}

export type FilterTerm =
  | { readonly kind: 'text'; readonly negate: boolean; readonly text: string }
  | { readonly kind: 'regex'; readonly negate: boolean; readonly re: RegExp }
  | { readonly kind: 'key'; readonly negate: boolean; readonly key: FilterKey; readonly value: string }

/** Past this, a query is cut: the box is typed by a person, and a pasted megabyte must stay cheap. */
const MAX_QUERY = 2000

/** The terms of a query; an empty list keeps every row. */
export function parseFilter(query: string): FilterTerm[] {
  const terms: FilterTerm[] = []
  for (const raw of query.slice(0, MAX_QUERY).split(/\s+/)) {
    if (!raw) continue
    const negate = raw.length > 1 && raw.startsWith('-')
    const body = negate ? raw.slice(1) : raw
    terms.push(termOf(body, negate))
  }
  return terms
}

function termOf(body: string, negate: boolean): FilterTerm {
  if (body.length > 2 && body.startsWith('/') && body.endsWith('/')) {
    try {
      return { kind: 'regex', negate, re: new RegExp(body.slice(1, -1), 'i') }
    } catch {
      // Not a valid expression: look for the text as typed, as Network does.
    }
  }
  const colon = body.indexOf(':')
  const key = colon > 0 ? KEYS[body.slice(0, colon).toLowerCase()] : undefined
  const value = colon > 0 ? body.slice(colon + 1).toLowerCase() : ''
  // `domain:` with nothing after it is still being typed: it filters nothing yet.
  if (key && value) return { kind: 'key', negate, key, value }
  if (key) return { kind: 'text', negate: false, text: '' }
  return { kind: 'text', negate, text: body.toLowerCase() }
}

/** Network's domain filter: `*` matches any run of characters (`*.example.com`); otherwise the whole host. */
function domainMatches(pattern: string, facts: RowFacts): boolean {
  if (!pattern.includes('*')) return facts.host === pattern || facts.hostPort === pattern
  const parts = pattern.split('*')
  const first = parts[0] ?? ''
  const last = parts[parts.length - 1] ?? ''
  const host = facts.host
  if (!host.startsWith(first) || !host.endsWith(last) || host.length < first.length + last.length)
    return false
  // Middle pieces in order, each after the previous: linear in the host's length.
  let at = first.length
  for (const piece of parts.slice(1, -1)) {
    const found = host.indexOf(piece, at)
    if (found < 0 || found + piece.length > host.length - last.length) return false
    at = found + piece.length
  }
  return true
}

const IS: Readonly<Record<string, (f: RowFacts) => boolean>> = {
  blocked: (f) => f.verdict === 'blocked',
  'at-risk': (f) => f.verdict === 'at-risk',
  allowed: (f) => f.verdict === 'ok' || f.verdict === 'at-risk',
  ok: (f) => f.verdict === 'ok',
  failed: (f) => f.verdict === 'not-cors' || f.verdict === 'unknown',
  imported: (f) => f.imported,
  live: (f) => !f.imported,
  preflight: (f) => f.preflight,
}

function keyMatches(key: FilterKey, value: string, facts: RowFacts): boolean {
  switch (key) {
    case 'status-code':
      return facts.statuses.includes(value)
    case 'method':
      return facts.methods.includes(value)
    case 'domain':
      return domainMatches(value, facts)
    case 'scheme':
      return facts.scheme === value.replace(/:$/, '')
    case 'has-response-header':
      return facts.responseHeaders.includes(value)
    case 'is':
      return IS[value]?.(facts) ?? false
    case 'cors-error':
      return facts.corsError.toLowerCase().includes(value)
    case 'file':
      return facts.file.includes(value)
  }
}

function termMatches(term: FilterTerm, facts: RowFacts, haystack: string): boolean {
  switch (term.kind) {
    case 'text':
      return haystack.includes(term.text)
    case 'regex':
      return term.re.test(haystack)
    case 'key':
      return keyMatches(term.key, term.value, facts)
  }
}

/** Every term must hold (a negated one must not). `haystack` is the row's lower-case text. */
export function matchesFilter(terms: readonly FilterTerm[], facts: RowFacts, haystack: string): boolean {
  return terms.every((t) => termMatches(t, facts, haystack) !== t.negate)
}
