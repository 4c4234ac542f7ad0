/**
 * What each column of the request list says, and how it sorts: pure functions of a group, so the list,
 * the filter and the tests read the same words. Modelled on DevTools' Network panel: a Name column (the
 * last path segment, the host apart), the status as the browser saw it ("(failed)", never a bare red 200),
 * and the finding in a few words where Network only says "CORS error".
 */
import type { Analysis, Exchange, Finding, Verdict } from '../core/index.ts'
import type { RowFacts } from './filter.ts'
import type { Group, PanelRecord } from './model.ts'

// ——— Name and host ———

export interface UrlParts {
  /** The last path segment (with a trailing "/" when the path ends in one) and the query: Network's Name. */
  readonly name: string
  /** The path before the name: shown in the tooltip, and in the Name cell when nothing else tells rows apart. */
  readonly dir: string
  /** host[:port], without the scheme. */
  readonly host: string
  readonly scheme: string
}

export function urlParts(url: string): UrlParts {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { name: url, dir: '', host: '', scheme: '' }
  }
  const path = u.pathname
  const trimmed = path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : path
  const cut = trimmed.lastIndexOf('/')
  const last = trimmed.slice(cut + 1)
  const name = (last ? `${last}${trimmed === path ? '' : '/'}` : '/') + u.search
  return { name, dir: trimmed.slice(0, cut + 1), host: u.host, scheme: u.protocol.replace(/:$/, '') }
}

/**
 * The Name cell in two parts for middle truncation: the head may be cut with an ellipsis, the tail never
 * (CSS: .n-head shrinks, .n-tail does not). Rows named alike differ at the end (pf-status-404,
 * pf-status-405; ?page=2), so the end stays.
 */
export function nameHeadTail(name: string, tail = 10): { readonly head: string; readonly tail: string } {
  if (name.length <= tail + 3) return { head: '', tail: name }
  return { head: name.slice(0, name.length - tail), tail: name.slice(name.length - tail) }
}

// ——— Status as the browser saw it ———

export interface StatusCell {
  /** What the cell says: "200", "(blocked) 200", "(preflight failed)", "(failed)". */
  readonly text: string
  /** The fuller story for the tooltip and the accessible name. */
  readonly title: string
  /** Sort key: the response's status, or a failure's rank below every status. */
  readonly sort: number
}

function preflightStatus(ex: Exchange): string {
  const r = ex.preflight?.response
  return r
    ? `OPTIONS answered ${r.status}`
    : ex.preflight?.error
      ? `OPTIONS failed: ${ex.preflight.error}`
      : ''
}

/**
 * Chrome's Network says "(failed)" or "CORS error" and hides the status a blocked response did have; the
 * panel keeps the status but never lets it pass for a success: a blocked 200 reads "(blocked) 200", and a
 * request stopped by its preflight shows no status of its own (the preflight's 204 is not the PUT's).
 */
export function statusCell(ex: Exchange, a: Pick<Analysis, 'verdict' | 'stage'>): StatusCell {
  const last = ex.redirects?.[ex.redirects.length - 1]
  const code = ex.response?.status ?? last?.status
  const error = ex.outcome.kind === 'error' ? ex.outcome.error : ''
  if (a.verdict === 'blocked') {
    if (a.stage === 'preflight' || (!ex.response && !last && ex.preflight))
      return {
        text: '(preflight failed)',
        title: `The preflight failed (${preflightStatus(ex) || 'no answer'}), so the ${ex.request.method} was never sent`,
        sort: -2,
      }
    if (code !== undefined)
      return {
        text: `(blocked) ${code}`,
        title: `The server answered ${code}, but the browser blocked the response (CORS)`,
        sort: code,
      }
    return { text: '(blocked)', title: 'Blocked by the browser before any response (CORS)', sort: -1 }
  }
  if (ex.response) {
    const s = ex.response.status
    if (error) return { text: `(failed) ${s}`, title: `${s}, then ${error}`, sort: s }
    return {
      text: String(s),
      title: `${s}${ex.response.statusText ? ` ${ex.response.statusText}` : ''}`,
      sort: s,
    }
  }
  if (error) return { text: '(failed)', title: error, sort: -3 }
  if (last)
    return {
      text: `${last.status} (redirect)`,
      title: `Redirected (${last.status}) to ${last.location}`,
      sort: last.status,
    }
  return { text: '(unknown)', title: 'The record does not say how the request ended', sort: -4 }
}

// ——— The verdict, as an icon with a name ———

export interface VerdictMark {
  /** A glyph whose shape differs per verdict, so nothing is said by colour alone. */
  readonly icon: string
  /** Its accessible name and tooltip. */
  readonly label: string
}

const MARKS: Readonly<Record<Verdict, VerdictMark>> = {
  blocked: { icon: '✕', label: 'Blocked' },
  'at-risk': { icon: '▲', label: 'Allowed, at risk' },
  unknown: { icon: '?', label: 'Failed, cause unknown' },
  'not-cors': { icon: '−', label: 'Failed, not CORS' },
  ok: { icon: '✓', label: 'Allowed' },
}

export function verdictMark(v: Verdict): VerdictMark {
  return MARKS[v] ?? MARKS.unknown
}

// ——— The finding in a few words ———

/** Findings that describe the record, not a problem: never the row's words. */
const META = new Set(['credentials-inferred', 'preflight-probably-cached', 'request-headers-from-preflight'])

/** The finding a row is about: the one behind the CorsError, else the worst one that is a problem. */
export function leadFinding(a: Pick<Analysis, 'corsError' | 'findings'>): Finding | undefined {
  const own = a.corsError ? a.findings.find((f) => f.corsError === a.corsError) : undefined
  if (own) return own
  const rank = { error: 0, warning: 1, info: 2 } as const
  return [...a.findings]
    .filter((f) => !META.has(f.code))
    .sort((x, y) => rank[x.severity] - rank[y.severity])[0]
}

const ACAO = 'access-control-allow-origin'

function acaoWords(f: Finding, preflight: boolean): string {
  const lines = f.headers.filter((h) => h.name.toLowerCase() === ACAO)
  const where = preflight ? ' (preflight)' : ''
  if (lines.length === 2) return `ACAO sent twice${where}`
  if (lines.length > 2) return `ACAO sent ${lines.length} times${where}`
  return `ACAO has several values${where}`
}

/** Words per finding code; `p` is Chromium's failed parameter (the header or method refused). */
const WORDS: Readonly<Record<string, (f: Finding, p: string) => string>> = {
  'multiple-allow-origin-values': (f) => acaoWords(f, false),
  'preflight-multiple-allow-origin-values': (f) => acaoWords(f, true),
  'missing-allow-origin-header': () => 'no ACAO',
  'preflight-missing-allow-origin-header': () => 'no ACAO on preflight',
  'allow-origin-mismatch': (f, p) =>
    f.title.includes("'null'") ? 'Origin null after redirect' : `ACAO is ${p || 'another origin'}`,
  'preflight-allow-origin-mismatch': (f, p) =>
    f.title.includes("'null'") ? 'Origin null after redirect' : `preflight ACAO is ${p || 'another origin'}`,
  'invalid-allow-origin-value': (_, p) => `ACAO invalid${p ? `: ${p}` : ''}`,
  'preflight-invalid-allow-origin-value': (_, p) => `preflight ACAO invalid${p ? `: ${p}` : ''}`,
  'wildcard-origin-not-allowed': () => 'ACAO * with credentials',
  'preflight-wildcard-origin-not-allowed': () => 'preflight ACAO * with credentials',
  'invalid-allow-credentials': () => "ACAC is not 'true'",
  'preflight-invalid-allow-credentials': () => "preflight ACAC is not 'true'",
  'preflight-invalid-status': (_, p) => `preflight got ${p || 'an error status'}`,
  'preflight-disallowed-redirect': () => 'preflight redirected',
  'invalid-allow-methods-preflight-response': () => 'Allow-Methods unparsable',
  'invalid-allow-headers-preflight-response': () => 'Allow-Headers unparsable',
  'method-disallowed-by-preflight-response': (_, p) => `${p || 'method'} not allowed`,
  'header-disallowed-by-preflight-response': (_, p) => `${p || 'a header'} not allowed`,
  'redirect-contains-credentials': () => 'redirect URL has user:pass',
  'insecure-local-network': () => 'local network from http page',
  'local-network-access-permission-denied': () => 'local network not permitted',
  'invalid-local-network-access': () => 'wrong targetAddressSpace',
  'vary-origin-missing': () => 'Vary: Origin missing',
  'credentials-with-wildcard-origin': () => 'credentials with ACAO *',
  'allow-origin-null': () => 'ACAO null',
  'duplicate-cors-header': (f) => `${f.headers[0]?.name ?? 'header'} repeated`,
  'max-age-above-cap': () => 'Max-Age above cap',
  'max-age-invalid': () => 'Max-Age invalid',
  'response-headers-not-exposed': () => 'headers not exposed',
  'wildcard-allow-headers-authorization': () => "'*' misses Authorization",
  'expose-headers-wildcard-with-credentials': () => "Expose '*' with credentials",
}

/**
 * The row's few words ("ACAO sent twice", "x-api-key not allowed"), from the engine's finding: the one
 * place the list names a problem. A finding without words of its own gives its title (CSS cuts it).
 */
export function problemWords(
  a: Pick<Analysis, 'corsError' | 'findings' | 'failedParameter'>,
  ex?: Pick<Exchange, 'preflight'>,
): string {
  const f = leadFinding(a)
  if (!f) return ''
  const words = WORDS[f.code]
  // Chromium reports no parameter for a preflight's bad status: the status is the preflight's own.
  const param =
    a.failedParameter ||
    (f.code === 'preflight-invalid-status' ? String(ex?.preflight?.response?.status ?? '') : '')
  return words ? words(f, param) : f.title
}

// ——— Time ———

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** HH:MM:SS today; the date too for another day (an imported capture from 2024 must not look like now). */
export function timeCell(ms: number, now: number = Date.now()): string {
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return ''
  const n = new Date(now)
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  const sameDay =
    d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate()
  return sameDay ? clock : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`
}

// ——— Columns and sorting ———

export type ColumnId = 'verdict' | 'name' | 'host' | 'method' | 'status' | 'problem' | 'error' | 'time'

export interface Column {
  readonly id: ColumnId
  readonly title: string
  /** Default width in px; the name column takes what is left (at least this). */
  readonly width: number
  /** Lower stays longer as the list narrows. */
  readonly priority: number
}

export const COLUMNS: readonly Column[] = [
  { id: 'verdict', title: 'Verdict', width: 22, priority: 0 },
  { id: 'name', title: 'Name', width: 140, priority: 0 },
  { id: 'host', title: 'Host', width: 150, priority: 4 },
  { id: 'method', title: 'Method', width: 62, priority: 2 },
  { id: 'status', title: 'Status', width: 118, priority: 1 },
  { id: 'problem', title: 'Problem', width: 170, priority: 1 },
  { id: 'error', title: 'CORS error', width: 200, priority: 3 },
  { id: 'time', title: 'Time', width: 70, priority: 5 },
]

/**
 * The columns that fit `width` px with these widths: fixed ones in priority order, the name column
 * keeping its minimum. Computed, not left to CSS, because the user's widths move the thresholds.
 */
export function visibleColumns(width: number, widths: Partial<Record<ColumnId, number>> = {}): Column[] {
  const w = (c: Column): number => widths[c.id] ?? c.width
  const byPriority = [...COLUMNS].sort((a, b) => a.priority - b.priority)
  const keep = new Set<ColumnId>()
  let used = 12 // the row's padding
  for (const c of byPriority) {
    const need = w(c) + 6 // column gap
    // The first column that does not fit ends the list: a lower priority never takes a higher one's place.
    if (c.priority > 0 && used + need > width) break
    keep.add(c.id)
    used += need
  }
  return COLUMNS.filter((c) => keep.has(c.id))
}

export type SortDirection = 'ascending' | 'descending'
export interface Sort {
  readonly column: ColumnId
  readonly direction: SortDirection
}

const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** A group's value for a column, as compared by the sort. */
function sortValue(g: Group, column: ColumnId): string | number {
  const r = g.latest.record
  const ex = r.exchange
  switch (column) {
    case 'verdict':
      return g.rank
    case 'name':
      return urlParts(ex.request.url).name.toLowerCase()
    case 'host':
      return urlParts(ex.request.url).host.toLowerCase()
    case 'method':
      return ex.request.method
    case 'status':
      return statusCell(ex, r.analysis).sort
    case 'problem':
      return problemWords(r.analysis, ex).toLowerCase()
    case 'error':
      return r.analysis.corsError ?? ''
    case 'time':
      return r.startedAt
  }
}

/** The comparator for a column; ties fall back to the default order so the list never flickers. */
export function compareBy(
  sort: Sort,
  fallback: (a: Group, b: Group) => number,
): (a: Group, b: Group) => number {
  const sign = sort.direction === 'ascending' ? 1 : -1
  return (a, b) => {
    const x = sortValue(a, sort.column)
    const y = sortValue(b, sort.column)
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : text(String(x), String(y))
    return c * sign || fallback(a, b)
  }
}

/** Header click: ascending, then descending, then back to the default order (blocked first). */
export function nextSort(current: Sort | null, column: ColumnId): Sort | null {
  if (!current || current.column !== column) return { column, direction: 'ascending' }
  return current.direction === 'ascending' ? { column, direction: 'descending' } : null
}

// ——— Facts for the filter ———

export function factsOf(p: PanelRecord): RowFacts {
  const ex = p.record.exchange
  const { host, scheme } = urlParts(ex.request.url)
  const statuses = [
    ex.response?.status,
    ...(ex.redirects ?? []).map((x) => x.status),
    ex.preflight?.response?.status,
  ].filter((s): s is number => s !== undefined)
  const responseHeaders = [...(ex.response?.headers ?? []), ...(ex.preflight?.response?.headers ?? [])]
  return {
    methods: [ex.request.method.toLowerCase(), ...(ex.preflight ? ['options'] : [])],
    statuses: statuses.map(String),
    host: host.toLowerCase().replace(/:\d+$/, ''),
    hostPort: host.toLowerCase(),
    scheme: scheme.toLowerCase(),
    verdict: p.record.analysis.verdict,
    corsError: p.record.analysis.corsError ?? '',
    imported: p.source === 'imported',
    preflight: ex.preflight !== undefined,
    file: (p.file?.name ?? '').toLowerCase(),
    responseHeaders: responseHeaders.map((h) => h.name.toLowerCase()),
  }
}
