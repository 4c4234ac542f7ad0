import { describe, expect, it } from 'vitest'
import {
  compareGroups,
  corsErrorOf,
  endpointOf,
  filterGroups,
  PanelRecords,
  statusText,
  verdictWords,
} from '../../src/panel/model.ts'
import { blocked, live, record } from './fixtures.ts'

describe('PanelRecords grouping and order', () => {
  it('lists blocked first, then at-risk, then the rest; newest first inside a rank', () => {
    const s = new PanelRecords()
    s.add([
      live(
        record({
          exchange: { request: { method: 'GET', url: 'http://api.test/ok', headers: [] } },
          startedAt: 50,
        }),
      ),
      live(blocked('http://api.test/a', 'MissingAllowOriginHeader', 10)),
      live(
        record({
          diagnosis: { verdict: 'at-risk' },
          exchange: { request: { method: 'GET', url: 'http://api.test/r', headers: [] } },
          startedAt: 40,
        }),
      ),
      live(blocked('http://api.test/b', 'AllowOriginMismatch', 20)),
    ])
    const urls = s.list().map((g) => g.latest.record.exchange.request.url)
    expect(urls).toEqual([
      'http://api.test/b',
      'http://api.test/a',
      'http://api.test/r',
      'http://api.test/ok',
    ])
  })

  it('groups repeated failures of one endpoint (query ignored) with a count, showing the newest', () => {
    const s = new PanelRecords()
    s.add([
      live(blocked('http://api.test/a?page=1', 'MissingAllowOriginHeader', 1)),
      live(blocked('http://api.test/a?page=2', 'MissingAllowOriginHeader', 3)),
      live(blocked('http://api.test/a?page=3', 'MissingAllowOriginHeader', 2)),
    ])
    const [g, ...rest] = s.list()
    expect(rest).toHaveLength(0)
    expect(g?.count).toBe(3)
    expect(g?.latest.record.exchange.request.url).toBe('http://api.test/a?page=2')
    expect(s.membersOf(g?.key ?? '').map((m) => m.record.startedAt)).toEqual([3, 2, 1])
  })

  it('keeps different CORS errors, methods and sources of one endpoint apart', () => {
    const s = new PanelRecords()
    const a = blocked('http://api.test/a', 'MissingAllowOriginHeader')
    s.add([live(a), live(blocked('http://api.test/a', 'AllowOriginMismatch'))])
    s.add([{ record: { ...a, id: 'imported-1' }, source: 'imported' }])
    expect(s.list()).toHaveLength(3)
  })

  it('drops duplicates by seq and replaces a record with a newer seq', () => {
    const s = new PanelRecords()
    const r = blocked('http://api.test/a', 'MissingAllowOriginHeader')
    s.add([live(r)])
    const v = s.version
    s.add([live(r)])
    expect(s.version).toBe(v)
    s.add([
      live({
        ...r,
        seq: r.seq + 1,
        analysis: { ...r.analysis, verdict: 'ok', blocked: false, corsError: null },
      }),
    ])
    expect(s.size).toBe(1)
    expect(s.list()).toHaveLength(1)
    expect(s.list()[0]?.latest.record.analysis.verdict).toBe('ok')
  })

  it('clears live records but keeps imported ones; a snapshot replaces the live ones', () => {
    const s = new PanelRecords()
    s.add([live(blocked('http://api.test/a', 'MissingAllowOriginHeader'))])
    s.add([{ record: blocked('http://api.test/i', 'MissingAllowOriginHeader'), source: 'imported' }])
    s.clear('live')
    expect(s.all().map((p) => p.source)).toEqual(['imported'])
    s.replaceLive([live(blocked('http://api.test/b', 'MissingAllowOriginHeader'))])
    expect(s.size).toBe(2)
    expect(s.counts()).toMatchObject({ total: 2, blocked: 2, imported: 1 })
  })

  it('promotes the next newest record when the newest of a group is replaced into another group', () => {
    const s = new PanelRecords()
    const older = blocked('http://api.test/a', 'MissingAllowOriginHeader', 1)
    const newer = blocked('http://api.test/a', 'MissingAllowOriginHeader', 2)
    s.add([live(older), live(newer)])
    s.add([
      live({
        ...newer,
        seq: newer.seq + 10,
        analysis: { ...newer.analysis, corsError: 'AllowOriginMismatch' },
      }),
    ])
    const g = s.list().find((x) => x.latest.record.analysis.corsError === 'MissingAllowOriginHeader')
    expect(g?.count).toBe(1)
    expect(g?.latest.record.id).toBe(older.id)
  })

  it('handles 10,000 records and filters them from the precomputed haystack', () => {
    const s = new PanelRecords()
    const batch = []
    for (let i = 0; i < 10_000; i++)
      batch.push(
        live(
          i % 3 === 0
            ? blocked(`http://api.test/e${i}`, 'MissingAllowOriginHeader', i)
            : record({
                startedAt: i,
                exchange: { request: { method: 'GET', url: `http://api.test/ok${i}`, headers: [] } },
              }),
        ),
      )
    s.add(batch)
    const groups = s.list()
    expect(groups).toHaveLength(10_000)
    // Speed is measured by `npm run bench`, not asserted here; this checks what the filter finds.
    const okTwelve = Array.from({ length: 10_000 }, (_, i) => i).filter(
      (i) => i % 3 !== 0 && String(i).startsWith('12'),
    )
    expect(filterGroups(groups, 'ok12')).toHaveLength(okTwelve.length)
    expect(
      filterGroups(groups, 'e999 missingalloworigin').map((g) => g.latest.record.exchange.request.url),
    ).toEqual(['e9999', 'e9996', 'e9993', 'e9990', 'e999'].map((p) => `http://api.test/${p}`))
  })
})

describe('filterGroups', () => {
  const s = new PanelRecords()
  s.add([
    live(blocked('http://api.test/users', 'MissingAllowOriginHeader')),
    live(record({ exchange: { request: { method: 'PUT', url: 'http://api.test/Items', headers: [] } } })),
  ])
  const groups = s.list()
  it('matches case-insensitively on URL, method, verdict and CORS error; all words must match', () => {
    expect(filterGroups(groups, '')).toBe(groups)
    expect(filterGroups(groups, 'ITEMS')).toHaveLength(1)
    expect(filterGroups(groups, 'put')).toHaveLength(1)
    expect(filterGroups(groups, 'blocked')).toHaveLength(1)
    expect(filterGroups(groups, 'missingalloworiginheader')).toHaveLength(1)
    expect(filterGroups(groups, 'users put')).toHaveLength(0)
    expect(filterGroups(groups, '  api.test   ')).toHaveLength(2)
  })
})

describe('row text', () => {
  it('says the status of the response, else the redirect or the preflight, else that it failed', () => {
    expect(statusText(record().exchange)).toBe('200')
    expect(
      statusText(
        record({
          exchange: {
            response: undefined,
            preflight: {
              request: { method: 'OPTIONS', url: 'u', headers: [] },
              response: { status: 500, headers: [] },
            },
            outcome: { kind: 'error', error: 'net::ERR_FAILED' },
          },
        }).exchange,
      ),
    ).toBe('500 (preflight)')
    expect(statusText(blocked('http://x', 'MissingAllowOriginHeader').exchange)).toBe('(failed)')
  })
  it('has an empty CORS error for requests the browser let through', () => {
    expect(corsErrorOf(record())).toBe('')
    expect(corsErrorOf(blocked('http://x', 'AllowOriginMismatch'))).toBe('AllowOriginMismatch')
  })
  it('names verdicts in words and endpoints without their query', () => {
    expect(verdictWords('blocked')).toBe('Blocked by CORS')
    expect(endpointOf('http://api.test:81/a/b?q=1#x')).toBe('http://api.test:81/a/b')
    expect(endpointOf('not a url')).toBe('not a url')
  })
  it('orders ties by key so the list does not flicker', () => {
    const s = new PanelRecords()
    s.add([
      live(blocked('http://a/1', 'MissingAllowOriginHeader', 5)),
      live(blocked('http://a/2', 'MissingAllowOriginHeader', 5)),
    ])
    const [a, b] = s.list()
    expect(a && b && compareGroups(a, b)).toBeLessThan(0)
  })
})
