/**
 * The request list's words and order, free of the DOM: Network's filter syntax (one parser), the columns'
 * text (Name, status as the browser saw it, the finding in a few words), sorting, the columns kept as the
 * list narrows, Copy as fetch, and a HAR import that keeps the capture's own times and its file.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyze, type Exchange } from '../../src/core/index.ts'
import {
  compareBy,
  nameHeadTail,
  nextSort,
  problemWords,
  statusCell,
  timeCell,
  urlParts,
  visibleColumns,
} from '../../src/panel/columns.ts'
import { fetchFor } from '../../src/panel/copy.ts'
import { parseFilter } from '../../src/panel/filter.ts'
import { importHar } from '../../src/panel/har-io.ts'
import { compareGroups, filterGroups, type Group, PanelRecords } from '../../src/panel/model.ts'
import type { ExchangeRecord } from '../../src/protocol.ts'
import { blocked, diagnosis, exchange, live, record } from './fixtures.ts'

const FIXTURES = join(import.meta.dirname, '../fixtures/har')

/** A record judged by the engine itself, so the list's words come from real findings. */
function judged(ex: Exchange, startedAt = 1): ExchangeRecord {
  return { ...record({ startedAt }), exchange: ex, analysis: analyze(ex) }
}

const ORIGIN = { name: 'Origin', value: 'http://app.test' }

const dupAcao = judged({
  initiator: 'http://app.test',
  request: { method: 'GET', url: 'http://api.test:8080/api/items?page=2', headers: [ORIGIN] },
  response: {
    status: 200,
    headers: [
      { name: 'Access-Control-Allow-Origin', value: 'http://app.test' },
      { name: 'Access-Control-Allow-Origin', value: '*' },
    ],
  },
  outcome: { kind: 'error', error: 'net::ERR_FAILED' },
})

const headerRefused = judged({
  initiator: 'http://app.test',
  request: {
    method: 'PUT',
    url: 'http://api.test/s/pf-status-404',
    headers: [],
  },
  preflight: {
    request: {
      method: 'OPTIONS',
      url: 'http://api.test/s/pf-status-404',
      headers: [
        ORIGIN,
        { name: 'Access-Control-Request-Method', value: 'PUT' },
        { name: 'Access-Control-Request-Headers', value: 'x-api-key' },
      ],
    },
    response: {
      status: 204,
      headers: [
        { name: 'Access-Control-Allow-Origin', value: 'http://app.test' },
        { name: 'Access-Control-Allow-Methods', value: 'PUT' },
        { name: 'Access-Control-Allow-Headers', value: 'Content-Type' },
      ],
    },
  },
  outcome: { kind: 'error', error: 'net::ERR_FAILED' },
})

const allowedNoVary = judged({
  initiator: 'http://app.test',
  request: { method: 'GET', url: 'https://cdn.example.com/v1/users/', headers: [ORIGIN] },
  response: { status: 200, headers: [{ name: 'Access-Control-Allow-Origin', value: 'http://app.test' }] },
  outcome: { kind: 'ok' },
})

const refused = judged({
  initiator: 'https://app.test',
  request: { method: 'GET', url: 'http://localhost:3000/api', headers: [] },
  outcome: { kind: 'error', error: 'net::ERR_CONNECTION_REFUSED' },
})

function groupsOf(...records: ExchangeRecord[]): readonly Group[] {
  const s = new PanelRecords()
  s.add(records.map(live))
  return s.list()
}

describe('the filter: Network’s syntax, one parser', () => {
  const groups = groupsOf(dupAcao, headerRefused, allowedNoVary, refused)
  const urls = (q: string): string[] =>
    filterGroups(groups, q).map((g) => g.latest.record.exchange.request.url)

  it('parses keys, negation, regular expressions and free text', () => {
    expect(parseFilter(' status:404  -method:GET /pf-st/ nginx ')).toEqual([
      { kind: 'key', negate: false, key: 'status-code', value: '404' },
      { kind: 'key', negate: true, key: 'method', value: 'get' },
      { kind: 'regex', negate: false, re: /pf-st/i },
      { kind: 'text', negate: false, text: 'nginx' },
    ])
    // An unknown key is text (a pasted URL still matches); a bad expression is looked for as typed.
    expect(parseFilter('http://api.test/x /a(/')).toEqual([
      { kind: 'text', negate: false, text: 'http://api.test/x' },
      { kind: 'text', negate: false, text: '/a(/' },
    ])
    // A key still being typed filters nothing; a lone "-" is text.
    expect(parseFilter('domain: -')).toEqual([
      { kind: 'text', negate: false, text: '' },
      { kind: 'text', negate: false, text: '-' },
    ])
  })

  it('filters by status (any status the browser saw), method, domain with wildcards, and scheme', () => {
    expect(urls('status-code:204')).toEqual(['http://api.test/s/pf-status-404'])
    expect(urls('status:200')).toEqual([
      'http://api.test:8080/api/items?page=2',
      'https://cdn.example.com/v1/users/',
    ])
    expect(urls('method:put')).toEqual(['http://api.test/s/pf-status-404'])
    expect(urls('method:OPTIONS')).toEqual(['http://api.test/s/pf-status-404'])
    expect(urls('domain:*.example.com')).toEqual(['https://cdn.example.com/v1/users/'])
    expect(urls('domain:api.test:8080')).toEqual(['http://api.test:8080/api/items?page=2'])
    expect(urls('domain:api.test')).toHaveLength(2)
    expect(urls('domain:*.test')).toHaveLength(2)
    expect(urls('domain:localhost scheme:http')).toEqual(['http://localhost:3000/api'])
  })

  it('negates with "-", on keys and on text, and ANDs every term', () => {
    expect(urls('-domain:api.test')).toEqual([
      'http://localhost:3000/api',
      'https://cdn.example.com/v1/users/',
    ])
    expect(urls('api -items')).toEqual(['http://api.test/s/pf-status-404', 'http://localhost:3000/api'])
    expect(urls('is:blocked -method:put')).toEqual(['http://api.test:8080/api/items?page=2'])
  })

  it('knows CORS Lens’s own keys: is:, cors-error:, has-response-header:, and /regex/', () => {
    expect(urls('is:allowed')).toEqual(['https://cdn.example.com/v1/users/'])
    expect(urls('is:at-risk')).toEqual([])
    expect(urls('is:failed')).toEqual(['http://localhost:3000/api'])
    expect(urls('is:preflight')).toEqual(['http://api.test/s/pf-status-404'])
    expect(urls('cors-error:headerdisallowed')).toEqual(['http://api.test/s/pf-status-404'])
    expect(urls('error:multiple')).toEqual(['http://api.test:8080/api/items?page=2'])
    expect(urls('has-response-header:access-control-allow-headers')).toEqual([
      'http://api.test/s/pf-status-404',
    ])
    expect(urls('/pf-st.*404/')).toEqual(['http://api.test/s/pf-status-404'])
    expect(urls('-/api/')).toEqual(['https://cdn.example.com/v1/users/'])
    // The few words are searchable too.
    expect(urls('sent twice')).toEqual(['http://api.test:8080/api/items?page=2'])
  })
})

describe('the columns', () => {
  it('names a request by its last path segment and query, the host apart', () => {
    expect(urlParts('http://api.test:8080/api/items?page=2')).toEqual({
      name: 'items?page=2',
      dir: '/api/',
      host: 'api.test:8080',
      scheme: 'http',
    })
    expect(urlParts('https://cdn.example.com/v1/users/').name).toBe('users/')
    expect(urlParts('https://cdn.example.com').name).toBe('/')
    expect(urlParts('%%%')).toEqual({ name: '%%%', dir: '', host: '', scheme: '' })
  })

  it('cuts a long name in the middle, keeping the end that tells rows apart', () => {
    expect(nameHeadTail('items')).toEqual({ head: '', tail: 'items' })
    const { head, tail } = nameHeadTail('pf-status-redirect-404?x=1')
    expect(head + tail).toBe('pf-status-redirect-404?x=1')
    expect(tail).toBe('ct-404?x=1')
  })

  it('shows the status as the browser saw it: never a bare blocked 200, never a preflight’s 204', () => {
    expect(statusCell(dupAcao.exchange, dupAcao.analysis).text).toBe('(blocked) 200')
    const pf = statusCell(headerRefused.exchange, headerRefused.analysis)
    expect(pf.text).toBe('(preflight failed)')
    expect(pf.title).toContain('OPTIONS answered 204')
    expect(pf.title).toContain('PUT was never sent')
    expect(statusCell(allowedNoVary.exchange, allowedNoVary.analysis).text).toBe('200')
    const down = statusCell(refused.exchange, refused.analysis)
    expect(down).toMatchObject({ text: '(failed)', title: 'net::ERR_CONNECTION_REFUSED' })
    const lna = blocked('http://printer.local/', 'LocalNetworkAccessPermissionDenied')
    expect(statusCell(lna.exchange, lna.analysis).text).toBe('(blocked)')
  })

  it('says the finding in a few words, from the engine’s own finding', () => {
    expect(problemWords(dupAcao.analysis)).toBe('ACAO sent twice')
    expect(problemWords(headerRefused.analysis)).toBe('x-api-key not allowed')
    expect(problemWords(allowedNoVary.analysis)).toBe('Vary: Origin missing')
    // A finding without words of its own: its title.
    expect(problemWords(refused.analysis)).toBe(refused.analysis.findings[0]?.title)
    expect(problemWords(diagnosis())).toBe('')
    const pf404: Exchange = {
      initiator: 'http://app.test',
      request: { method: 'PUT', url: 'http://api.test/s/pf-status-404', headers: [] },
      preflight: {
        request: {
          method: 'OPTIONS',
          url: 'http://api.test/s/pf-status-404',
          headers: [ORIGIN, { name: 'Access-Control-Request-Method', value: 'PUT' }],
        },
        response: {
          status: 404,
          headers: [{ name: 'Access-Control-Allow-Origin', value: 'http://app.test' }],
        },
      },
      outcome: { kind: 'error', error: 'net::ERR_FAILED' },
    }
    const a = analyze(pf404)
    expect(a.corsError).toBe('PreflightInvalidStatus')
    expect(problemWords(a, pf404)).toBe('preflight got 404')
  })

  it('keeps the verdict, name, status and problem as the list narrows, then the rest by priority', () => {
    const ids = (w: number): string[] => visibleColumns(w).map((c) => c.id)
    expect(ids(1500)).toEqual(['verdict', 'name', 'host', 'method', 'status', 'problem', 'error', 'time'])
    expect(ids(520)).toEqual(['verdict', 'name', 'status', 'problem'])
    expect(ids(300)).toEqual(['verdict', 'name'])
    // A column the user widened leaves room for fewer others.
    expect(ids(900)).toContain('error')
    expect(visibleColumns(900, { problem: 400 }).map((c) => c.id)).not.toContain('error')
  })

  it('shows the time of day, and the date for another day', () => {
    const at = new Date(2024, 5, 30, 4, 14, 55).getTime()
    expect(timeCell(at, at + 1000)).toBe('04:14:55')
    expect(timeCell(at, new Date(2026, 11, 8).getTime())).toBe('2024-06-30 04:14:55')
    expect(timeCell(Number.NaN)).toBe('')
  })
})

describe('sorting', () => {
  const groups = groupsOf(dupAcao, headerRefused, allowedNoVary, refused)
  const sorted = (column: Parameters<typeof nextSort>[1], direction: 'ascending' | 'descending') =>
    [...groups]
      .sort(compareBy({ column, direction }, compareGroups))
      .map((g) => urlParts(g.latest.record.exchange.request.url).name)

  it('sorts by any column both ways, ties in the default order', () => {
    expect(sorted('name', 'ascending')).toEqual(['api', 'items?page=2', 'pf-status-404', 'users/'])
    expect(sorted('name', 'descending')).toEqual(['users/', 'pf-status-404', 'items?page=2', 'api'])
    expect(sorted('method', 'descending')[0]).toBe('pf-status-404')
    // Statuses: failures below every code, the preflight failure above a plain network failure.
    expect(sorted('status', 'ascending')).toEqual(['api', 'pf-status-404', 'items?page=2', 'users/'])
    expect(sorted('verdict', 'ascending').slice(0, 2).sort()).toEqual(['items?page=2', 'pf-status-404'])
  })

  it('cycles a header: ascending, descending, back to the default order', () => {
    const a = nextSort(null, 'status')
    expect(a).toEqual({ column: 'status', direction: 'ascending' })
    const d = nextSort(a, 'status')
    expect(d).toEqual({ column: 'status', direction: 'descending' })
    expect(nextSort(d, 'status')).toBeNull()
    expect(nextSort(d, 'name')).toEqual({ column: 'name', direction: 'ascending' })
  })
})

describe('Copy as fetch', () => {
  it('writes a fetch() with the page’s own headers, the credentials mode, and secrets redacted', () => {
    const ex = exchange({
      request: {
        method: 'PUT',
        url: 'http://api.test/x?token=s3cr3t',
        headers: [
          ORIGIN,
          { name: 'X-Trace', value: 'k"1' },
          { name: 'Authorization', value: 'Bearer t0ken' },
          { name: 'Sec-Fetch-Mode', value: 'cors' },
          { name: 'Content-Type', value: 'application/json' },
        ],
      },
    })
    const text = fetchFor(ex, diagnosis({ credentials: { mode: 'include', inferred: true, basis: '' } }), {
      includeSecrets: false,
    })
    const call = /^fetch\((".*?"), ([\s\S]*)\);$/.exec(text)
    expect(call).not.toBeNull()
    const init = JSON.parse(call?.[2] ?? '{}')
    expect(init).toMatchObject({ method: 'PUT', mode: 'cors', credentials: 'include' })
    expect(Object.keys(init.headers)).toEqual(['X-Trace', 'Authorization', 'Content-Type'])
    expect(init.headers['X-Trace']).toBe('k"1')
    expect(text).not.toContain('t0ken')
    expect(text).not.toContain('s3cr3t')
    expect(fetchFor(ex, diagnosis(), { includeSecrets: true })).toContain('Bearer t0ken')
  })
})

describe('HAR import', () => {
  it('keeps the capture’s own times (Edge 126, 2024-06-30) and the file each row came from', async () => {
    const edge = readFileSync(join(FIXTURES, 'edge-126-api-gateway.har'), 'utf8')
    const firefox = readFileSync(join(FIXTURES, 'firefox.har'), 'utf8')
    const a = await importHar(edge, 'edge.har')
    const b = await importHar(firefox, 'firefox.har')
    expect(a.records.length).toBeGreaterThan(0)
    for (const p of a.records) {
      expect(new Date(p.record.startedAt).toISOString()).toBe('2024-06-30T04:14:55.736Z')
      expect(p.file?.name).toBe('edge.har')
    }
    const firefoxTimes = (
      JSON.parse(firefox) as { log: { entries: { startedDateTime: string }[] } }
    ).log.entries.map((e) => Date.parse(e.startedDateTime))
    for (const p of b.records) expect(firefoxTimes).toContain(p.record.startedAt)

    // Rows group by file: the live ones first, then each file in import order, whatever their times.
    const s = new PanelRecords()
    s.add([...b.records, ...a.records, live(blocked('http://api.test/live', 'MissingAllowOriginHeader', 5))])
    const files = s.list().map((g) => g.latest.file?.name ?? 'live')
    expect(files[0]).toBe('live')
    expect(files.indexOf('firefox.har')).toBeGreaterThan(files.lastIndexOf('edge.har'))
    expect(filterGroups(s.list(), 'file:edge').length).toBe(new Set(a.records.map((p) => p.record.id)).size)
  })
})
