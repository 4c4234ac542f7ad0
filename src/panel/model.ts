/**
 * The panel's list model, free of the DOM: records in, sorted groups out. Repeated outcomes of one
 * endpoint collapse into one group; each group carries a lower-case haystack built once, so filtering
 * 10,000 rows per keystroke is a string scan and never a re-diagnosis.
 */
import type { CorsErrorName, Exchange, Verdict } from '../core/index.ts'
import type { ExchangeRecord } from '../protocol.ts'
import { factsOf, problemWords } from './columns.ts'
import { matchesFilter, parseFilter, type RowFacts } from './filter.ts'

export type RecordSource = 'live' | 'imported'

/** A record as the panel holds it: live ones come from the worker, imported ones from a HAR file. */
export interface PanelRecord {
  readonly record: ExchangeRecord
  readonly source: RecordSource
  /** The HAR file an imported record came from; `order` counts imports, so each file's rows stay together. */
  readonly file?: ImportedFile
}

export interface ImportedFile {
  readonly name: string
  readonly order: number
}

export interface Group {
  readonly key: string
  /** The newest record of the group: the one the row and the detail show. */
  readonly latest: PanelRecord
  readonly count: number
  readonly rank: number
  readonly haystack: string
  /** What the filter's `key:value` terms read (filter.ts), computed with the haystack. */
  readonly facts: RowFacts
}

/** Lower sorts first: what needs attention leads the list. */
const RANK: Record<Verdict, number> = { blocked: 0, 'at-risk': 1, unknown: 2, 'not-cors': 3, ok: 4 }

const VERDICT_WORDS: Record<Verdict, string> = {
  blocked: 'Blocked by CORS',
  'at-risk': 'Allowed, at risk',
  unknown: 'Failed, cause unknown',
  'not-cors': 'Failed, not CORS',
  ok: 'Allowed',
}

export function verdictWords(verdict: Verdict): string {
  return VERDICT_WORDS[verdict] ?? String(verdict)
}

export function rankOf(verdict: Verdict): number {
  return RANK[verdict] ?? 5
}

/** The CorsError the row shows: empty when the browser let the request through (the test hook's contract). */
export function corsErrorOf(r: ExchangeRecord): CorsErrorName | '' {
  return r.analysis.corsError ?? ''
}

/**
 * What the status column says: the response status, else the last redirect's, else the preflight's
 * (with a note saying so), else that it failed.
 */
export function statusParts(ex: Exchange): { readonly code: string; readonly note: string } {
  if (ex.response) return { code: String(ex.response.status), note: '' }
  const redirect = ex.redirects?.[ex.redirects.length - 1]
  if (redirect) return { code: String(redirect.status), note: 'redirect' }
  if (ex.preflight?.response) return { code: String(ex.preflight.response.status), note: 'preflight' }
  if (ex.outcome.kind === 'error') return { code: '(failed)', note: '' }
  return { code: '—', note: '' }
}

export function statusText(ex: Exchange): string {
  const { code, note } = statusParts(ex)
  return note ? `${code} (${note})` : code
}

/** Scheme, host, port and path: one endpoint, whatever its query string. */
export function endpointOf(url: string): string {
  try {
    const u = new URL(url)
    return u.origin + u.pathname
  } catch {
    return url
  }
}

export function groupKey(p: PanelRecord): string {
  const r = p.record
  return [
    p.source,
    p.file?.order ?? '',
    r.exchange.request.method,
    endpointOf(r.exchange.request.url),
    r.analysis.verdict,
    corsErrorOf(r),
  ].join('\u0000')
}

export function haystackOf(p: PanelRecord): string {
  const r = p.record
  return [
    r.exchange.request.method,
    r.exchange.request.url,
    ...(r.exchange.redirects ?? []).map((x) => x.fromUrl),
    statusText(r.exchange),
    verdictWords(r.analysis.verdict),
    r.analysis.verdict,
    corsErrorOf(r),
    r.analysis.summary,
    problemWords(r.analysis, r.exchange),
    p.source === 'imported' ? 'imported' : '',
    p.file?.name ?? '',
  ]
    .join(' ')
    .toLowerCase()
}

/** Live rows first, then each imported file in import order: a file's rows stay together. */
const fileOrder = (g: Group): number => g.latest.file?.order ?? (g.latest.source === 'imported' ? 1 : 0)

/** Newest first inside one rank; ties broken by key so the order never flickers. */
export function compareGroups(a: Group, b: Group): number {
  return (
    fileOrder(a) - fileOrder(b) ||
    a.rank - b.rank ||
    b.latest.record.startedAt - a.latest.record.startedAt ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  )
}

/** Network's filter syntax (filter.ts): every term must hold. An empty query keeps everything. */
export function filterGroups(groups: readonly Group[], query: string): readonly Group[] {
  const terms = parseFilter(query)
  if (terms.length === 0) return groups
  return groups.filter((g) => matchesFilter(terms, g.facts, g.haystack))
}

export interface Counts {
  readonly total: number
  readonly blocked: number
  readonly atRisk: number
  readonly failedOther: number
  readonly ok: number
  readonly imported: number
}

interface MutableGroup {
  key: string
  latest: PanelRecord
  ids: Set<string>
  rank: number
  haystack: string
  facts: RowFacts
}

/**
 * Holds the records and keeps groups up to date incrementally (O(batch) per update). `version` moves on
 * every change so a view can memoise on it.
 */
export class PanelRecords {
  private readonly records = new Map<string, PanelRecord>()
  private readonly keyOf = new Map<string, string>()
  private readonly groups = new Map<string, MutableGroup>()
  private sorted: readonly Group[] | null = null
  version = 0

  get size(): number {
    return this.records.size
  }

  get(id: string): PanelRecord | undefined {
    return this.records.get(id)
  }

  /** Adds or updates records. A record already held with the same or a newer seq is a duplicate: dropped. */
  add(batch: readonly PanelRecord[]): void {
    let changed = false
    for (const p of batch) {
      const id = p.record.id
      const old = this.records.get(id)
      if (old && old.source === p.source && old.record.seq >= p.record.seq) continue
      if (old) this.detach(id)
      this.records.set(id, p)
      this.attach(p)
      changed = true
    }
    if (changed) this.touch()
  }

  /** Drops every record of a source (live on clear/snapshot, imported on "remove imported"). */
  clear(source: RecordSource): void {
    let changed = false
    for (const [id, p] of this.records) {
      if (p.source !== source) continue
      this.detach(id)
      this.records.delete(id)
      changed = true
    }
    if (changed) this.touch()
  }

  /** A snapshot replaces all live records at once (after a reconnect the worker resends everything). */
  replaceLive(batch: readonly PanelRecord[]): void {
    this.clear('live')
    this.add(batch)
    this.touch()
  }

  /** Groups in display order; cached until the next change. */
  list(): readonly Group[] {
    if (!this.sorted) {
      const out: Group[] = []
      for (const g of this.groups.values())
        out.push({
          key: g.key,
          latest: g.latest,
          count: g.ids.size,
          rank: g.rank,
          haystack: g.haystack,
          facts: g.facts,
        })
      out.sort(compareGroups)
      this.sorted = out
    }
    return this.sorted
  }

  /** Every record of a group, newest first (for the detail's "seen N times"). */
  membersOf(key: string): PanelRecord[] {
    const g = this.groups.get(key)
    if (!g) return []
    const out: PanelRecord[] = []
    for (const id of g.ids) {
      const p = this.records.get(id)
      if (p) out.push(p)
    }
    return out.sort((a, b) => b.record.startedAt - a.record.startedAt)
  }

  all(source?: RecordSource): PanelRecord[] {
    const out: PanelRecord[] = []
    for (const p of this.records.values()) if (!source || p.source === source) out.push(p)
    return out.sort((a, b) => a.record.startedAt - b.record.startedAt)
  }

  counts(): Counts {
    let blocked = 0
    let atRisk = 0
    let failedOther = 0
    let ok = 0
    let imported = 0
    for (const p of this.records.values()) {
      const v = p.record.analysis.verdict
      if (v === 'blocked') blocked++
      else if (v === 'at-risk') atRisk++
      else if (v === 'ok') ok++
      else failedOther++
      if (p.source === 'imported') imported++
    }
    return { total: this.records.size, blocked, atRisk, failedOther, ok, imported }
  }

  private touch(): void {
    this.sorted = null
    this.version++
  }

  private attach(p: PanelRecord): void {
    const key = groupKey(p)
    this.keyOf.set(p.record.id, key)
    const g = this.groups.get(key)
    if (!g) {
      this.groups.set(key, {
        key,
        latest: p,
        ids: new Set([p.record.id]),
        rank: rankOf(p.record.analysis.verdict),
        haystack: haystackOf(p),
        facts: factsOf(p),
      })
      return
    }
    g.ids.add(p.record.id)
    if (p.record.startedAt >= g.latest.record.startedAt) {
      g.latest = p
      g.haystack = haystackOf(p)
      g.facts = factsOf(p)
    }
  }

  private detach(id: string): void {
    const key = this.keyOf.get(id)
    this.keyOf.delete(id)
    if (key === undefined) return
    const g = this.groups.get(key)
    if (!g) return
    g.ids.delete(id)
    if (g.ids.size === 0) {
      this.groups.delete(key)
      return
    }
    if (g.latest.record.id === id) {
      // The newest left: promote the next newest still held.
      let best: PanelRecord | undefined
      for (const other of g.ids) {
        const p = this.records.get(other)
        if (p && (!best || p.record.startedAt > best.record.startedAt)) best = p
      }
      if (best) {
        g.latest = best
        g.haystack = haystackOf(best)
        g.facts = factsOf(best)
      }
    }
  }
}
