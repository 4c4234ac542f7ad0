// The HAR reader and writer: pairing, failure detection, initiator inference, robustness, round trip.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exchangesToHar, type HarReadResult, harToExchanges } from '../../src/core/har/index.ts'
import { diagnose, type Exchange, type HeaderLine, headerValue } from '../../src/core/index.ts'
import { FAILED_NO_REASON } from '../../src/core/net-errors.ts'
import { scenarioIdOf } from '../lab/server.ts'

const FIXTURES = resolve(import.meta.dirname, '../fixtures/har')
const fixture = (name: string): unknown => JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8'))

function read(har: unknown): HarReadResult {
  const r = harToExchanges(har)
  if ('error' in r) throw new Error(r.error)
  return r
}

const h = (...pairs: [string, string][]): HeaderLine[] => pairs.map(([name, value]) => ({ name, value }))

interface E {
  method?: string
  url: string
  req?: [string, string][]
  status?: number
  res?: [string, string][]
  redirectURL?: string
  error?: string
  initiator?: Record<string, string>
  requestId?: string
}
function entry(e: E): Record<string, unknown> {
  return {
    startedDateTime: '2025-01-01T00:00:00.000Z',
    request: { method: e.method ?? 'GET', url: e.url, headers: h(...(e.req ?? [])) },
    response: {
      status: e.status ?? 200,
      headers: h(...(e.res ?? [])),
      redirectURL: e.redirectURL ?? '',
      content: { size: 0, mimeType: 'x-unknown' },
    },
    ...(e.error ? { _error: e.error } : {}),
    ...(e.initiator ? { _initiator: e.initiator } : {}),
    ...(e.requestId ? { _requestId: e.requestId } : {}),
  }
}
const har = (...entries: unknown[]) => ({ log: { version: '1.2', creator: { name: 'test' }, entries } })

const APP = 'https://app.example'
const API = 'https://api.example/items'
const preflightEntry = (method: string, extra: Partial<E> = {}): Record<string, unknown> =>
  entry({
    method: 'OPTIONS',
    url: API,
    req: [
      ['Origin', APP],
      ['Access-Control-Request-Method', method],
    ],
    status: 204,
    res: [['Access-Control-Allow-Origin', APP]],
    ...extra,
  })

describe('harToExchanges: not a HAR', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['an array', []],
    ['no log', { foo: 1 }],
    ['log without entries', { log: {} }],
    ['entries not a list', { log: { entries: {} } }],
  ])('%s → an error, not a throw', (_, value) => {
    const r = harToExchanges(value)
    expect(r).toHaveProperty('error')
  })

  it('skips malformed entries with a warning', () => {
    const r = read(har(null, 3, { request: {} }, entry({ url: API, req: [['Origin', APP]] })))
    expect(r.exchanges).toHaveLength(1)
    expect(r.skipped).toBe(3)
    expect(r.warnings).toHaveLength(3)
  })
})

describe('harToExchanges: pairing preflights', () => {
  it('pairs an OPTIONS preflight with the following request of the method it asked for', () => {
    const r = read(
      har(
        entry({ url: API, req: [['Origin', APP]] }),
        preflightEntry('PUT'),
        entry({ method: 'PUT', url: API, req: [['Origin', APP]] }),
      ),
    )
    expect(r.exchanges).toHaveLength(2)
    expect(r.exchanges[0]?.preflight).toBeUndefined()
    expect(r.exchanges[1]?.request.method).toBe('PUT')
    expect(r.exchanges[1]?.preflight?.response?.status).toBe(204)
  })

  it('takes the closest of two identical requests, and each preflight only once', () => {
    const r = read(
      har(
        preflightEntry('DELETE', { res: [['X-Which', 'first']] }),
        entry({
          method: 'DELETE',
          url: API,
          req: [
            ['Origin', APP],
            ['X-N', '1'],
          ],
        }),
        preflightEntry('DELETE', { res: [['X-Which', 'second']] }),
        entry({
          method: 'DELETE',
          url: API,
          req: [
            ['Origin', APP],
            ['X-N', '2'],
          ],
        }),
      ),
    )
    expect(r.exchanges.map((x) => headerValue(x.request.headers, 'x-n'))).toEqual(['1', '2'])
    expect(r.exchanges.map((x) => headerValue(x.preflight?.response?.headers ?? [], 'x-which'))).toEqual([
      'first',
      'second',
    ])
  })

  it("follows Chrome's _initiator.requestId when entries carry ids", () => {
    const r = read(
      har(
        entry({
          method: 'PUT',
          url: API,
          req: [
            ['Origin', APP],
            ['X-N', 'a'],
          ],
          requestId: 'r1',
        }),
        entry({
          method: 'PUT',
          url: API,
          req: [
            ['Origin', APP],
            ['X-N', 'b'],
          ],
          requestId: 'r2',
        }),
        preflightEntry('PUT', { initiator: { type: 'preflight', url: API, requestId: 'r1' } }),
      ),
    )
    const withPreflight = r.exchanges.filter((x) => x.preflight)
    expect(withPreflight.map((x) => headerValue(x.request.headers, 'x-n'))).toEqual(['a'])
  })

  it('pairs with a preceding request when DevTools lists the request first', () => {
    const r = read(
      har(
        entry({
          method: 'PATCH',
          url: API,
          req: [['Referer', `${APP}/`]],
          status: 0,
          error: 'net::ERR_FAILED',
        }),
        preflightEntry('PATCH', { status: 404 }),
      ),
    )
    expect(r.exchanges).toHaveLength(1)
    expect(r.exchanges[0]?.preflight?.response?.status).toBe(404)
    expect(r.exchanges[0]?.initiator).toBe(APP)
  })

  it('a preflight whose request is missing still becomes an exchange (request never sent)', () => {
    const r = read(har(preflightEntry('PUT', { status: 401 })))
    expect(r.exchanges).toHaveLength(1)
    const x = r.exchanges[0] as Exchange
    expect(x.request).toEqual({ method: 'PUT', url: API, headers: [] })
    // The export says it failed (401), not with which error: none is invented.
    expect(x.outcome).toEqual({ kind: 'error', error: FAILED_NO_REASON })
  })
})

describe('harToExchanges: failures, outcomes, initiators', () => {
  it('status 0 or _error is a failure; Playwright -1 + _failureText too', () => {
    const r = read(
      har(
        entry({ url: `${API}/a`, req: [['Origin', APP]], status: 0 }),
        entry({ url: `${API}/b`, req: [['Origin', APP]], status: 200, error: 'net::ERR_FAILED' }),
        {
          ...entry({ url: `${API}/c`, req: [['Origin', APP]], status: -1 }),
          response: { status: -1, headers: [], _failureText: 'net::ERR_FAILED' },
        },
      ),
    )
    expect(r.exchanges.map((x) => x.outcome)).toEqual([
      { kind: 'error', error: FAILED_NO_REASON },
      { kind: 'error', error: 'net::ERR_FAILED' },
      { kind: 'error', error: 'net::ERR_FAILED' },
    ])
    expect(r.exchanges[0]?.response).toBeUndefined()
    expect(r.exchanges[1]?.response?.status).toBe(200)
  })

  it('a delivered response is unknown unless the exporter marks failures (DevTools)', () => {
    const e = entry({ url: API, req: [['Origin', APP]], res: [['Access-Control-Allow-Origin', '*']] })
    expect(read(har(e)).exchanges[0]?.outcome).toEqual({ kind: 'unknown' })
    const devtools = { log: { creator: { name: 'WebInspector' }, entries: [e] } }
    expect(read(devtools).exchanges[0]?.outcome).toEqual({ kind: 'ok' })
  })

  it('initiator: Origin, else Referer, else _initiator.url; same-origin and not-CORS entries skipped', () => {
    const r = read(
      har(
        entry({ url: `${API}/1`, req: [['Origin', APP]] }),
        entry({ url: `${API}/2`, req: [['Referer', `${APP}/page`]], status: 0 }),
        entry({ url: `${API}/3`, status: 0, initiator: { type: 'script', url: `${APP}/app.js` } }),
        entry({ url: `${APP}/same`, req: [['Origin', APP]] }),
        entry({ url: `${API}/img`, req: [['Referer', `${APP}/`]] }),
      ),
    )
    expect(r.exchanges.map((x) => x.initiator)).toEqual([APP, APP, APP])
    expect(r.skipped).toBe(2)
  })

  it('chains redirect hops, resolving the location, and keeps header lines as they were', () => {
    const r = read(
      har(
        entry({
          url: API,
          req: [['Origin', APP]],
          status: 302,
          res: [
            ['Location', '/moved'],
            ['Access-Control-Allow-Origin', APP],
          ],
          redirectURL: '/moved',
        }),
        entry({
          url: 'https://api.example/moved',
          req: [['Origin', APP]],
          res: [
            ['Access-Control-Allow-Origin', APP],
            ['access-control-allow-origin', APP],
          ],
        }),
      ),
    )
    expect(r.exchanges).toHaveLength(1)
    const x = r.exchanges[0] as Exchange
    expect(x.request.url).toBe(API)
    expect(x.redirects).toEqual([
      {
        fromUrl: API,
        status: 302,
        headers: h(['Location', '/moved'], ['Access-Control-Allow-Origin', APP]),
        location: 'https://api.example/moved',
      },
    ])
    expect(x.response?.headers).toHaveLength(2)
  })
})

describe('harToExchanges: real-world exports', () => {
  it('Firefox ESR netmonitor (no error field, status 0 for a request never sent)', () => {
    const r = read(fixture('firefox.har'))
    expect(r.exchanges).toHaveLength(2)
    // The page's own same-origin requests: the runner, /hold, /release, the favicon.
    expect(r.skipped).toBe(4)
    const [del, profile] = r.exchanges as [Exchange, Exchange]
    expect(del.browser).toBe('firefox')
    expect(del.request.method).toBe('DELETE')
    // Firefox lists the preflight after its request; paired all the same.
    expect(del.preflight?.response?.status).toBe(204)
    expect(del.outcome.kind).toBe('error')
    expect(profile.outcome).toEqual({ kind: 'unknown' })
  })
})

describe('harToExchanges never throws', () => {
  const headerish = fc.array(
    fc.oneof(fc.record({ name: fc.string(), value: fc.oneof(fc.string(), fc.integer()) }), fc.anything()),
    { maxLength: 4 },
  )
  const entryish = fc.oneof(
    fc.anything(),
    fc.record(
      {
        request: fc.oneof(
          fc.anything(),
          fc.record(
            {
              method: fc.oneof(fc.constantFrom('GET', 'OPTIONS', 'PUT'), fc.anything()),
              url: fc.oneof(fc.constantFrom(API, `${API}/x`, `${APP}/y`, 'not a url', ''), fc.anything()),
              headers: fc.oneof(
                headerish,
                fc.constant(h(['Origin', APP], ['Access-Control-Request-Method', 'PUT'])),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
        response: fc.oneof(
          fc.anything(),
          fc.record(
            {
              status: fc.oneof(fc.constantFrom(0, -1, 200, 204, 302, 404), fc.anything()),
              headers: headerish,
              redirectURL: fc.oneof(fc.constantFrom('', '/x', `${API}/x`, 'http://[bad'), fc.anything()),
              content: fc.anything(),
            },
            { requiredKeys: [] },
          ),
        ),
        _error: fc.oneof(fc.string(), fc.anything()),
        _initiator: fc.anything(),
        _corsLens: fc.anything(),
        pageref: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  )

  it('any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        harToExchanges(v)
      }),
      { numRuns: 300 },
    )
  })

  it('HAR-shaped values with anything inside', () => {
    fc.assert(
      fc.property(fc.array(entryish, { maxLength: 8 }), fc.anything(), (entries, pages) => {
        const r = harToExchanges({ log: { creator: { name: 'x' }, pages, entries } })
        expect('exchanges' in r).toBe(true)
        // Every exchange is something the engine accepts.
        if ('exchanges' in r) for (const x of r.exchanges) diagnose(x)
      }),
      { numRuns: 300 },
    )
  })
})

describe('exchangesToHar', () => {
  const pf = {
    request: {
      method: 'OPTIONS',
      url: API,
      headers: h(
        ['Origin', APP],
        ['Access-Control-Request-Method', 'PUT'],
        ['Access-Control-Request-Headers', 'x-a'],
      ),
    },
    response: {
      status: 204,
      headers: h(['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Methods', 'PUT']),
    },
  }
  const samples: Exchange[] = [
    {
      initiator: APP,
      request: { method: 'PUT', url: API, headers: h(['Origin', APP], ['X-A', '1'], ['Cookie', 'a=b']) },
      preflight: pf,
      response: {
        status: 200,
        statusText: 'OK',
        headers: h(['Set-Cookie', 's=1'], ['Access-Control-Allow-Origin', APP]),
      },
      outcome: { kind: 'ok' },
      credentials: 'include',
      browser: 'chromium',
    },
    {
      initiator: APP,
      request: { method: 'PUT', url: API, headers: [] },
      preflight: { request: pf.request, error: 'net::ERR_CONNECTION_REFUSED' },
      outcome: { kind: 'error', error: 'net::ERR_FAILED' },
    },
    {
      initiator: APP,
      request: { method: 'POST', url: API, headers: h(['Origin', APP]) },
      redirects: [
        {
          fromUrl: API,
          status: 302,
          headers: h(['Location', 'https://other.example/x']),
          location: 'https://other.example/x',
        },
        {
          fromUrl: 'https://other.example/x',
          status: 307,
          headers: h(['Location', 'https://other.example/y']),
          location: 'https://other.example/y',
        },
      ],
      response: { status: 200, headers: h(['Access-Control-Allow-Origin', 'null']) },
      outcome: { kind: 'unknown' },
    },
  ]
  const records = samples.map((exchange, i) => ({
    exchange,
    diagnosis: diagnose(exchange),
    startedAt: 1e12 + i,
  }))

  it('writes HAR 1.2 with one entry per preflight, redirect hop and request, and _corsLens on requests', () => {
    const out = exchangesToHar(records, { redact: false }) as {
      log: { version: string; creator: { name: string }; entries: Record<string, unknown>[] }
    }
    expect(out.log.version).toBe('1.2')
    expect(out.log.creator.name).toBe('CORS Lens')
    expect(out.log.entries).toHaveLength(2 + 2 + 3)
    const annotated = out.log.entries.filter((e) => e._corsLens)
    expect(annotated).toHaveLength(3)
    expect(Object.keys(annotated[0]?._corsLens as object)).toEqual(
      expect.arrayContaining([
        'verdict',
        'blocked',
        'corsError',
        'failedParameter',
        'credentials',
        'findings',
        'fixes',
      ]),
    )
    // The 302 turned the POST into a GET, and the final entry is at the final URL.
    const lastRequest = out.log.entries.at(-1)?.request as { method: string; url: string } | undefined
    expect(lastRequest?.method).toBe('GET')
    expect(lastRequest?.url).toBe('https://other.example/y')
  })

  it('round trip keeps a WebSocket LNA refused (Chrome 147+): read back and named again', () => {
    const ws: Exchange = {
      initiator: 'http://shop.example',
      request: { method: 'GET', url: 'ws://127.0.0.1:9000/live', headers: [] },
      outcome: { kind: 'error', error: 'net::ERR_FAILED' },
      api: 'websocket',
      browser: 'chromium',
    }
    const har = exchangesToHar([{ exchange: ws, diagnosis: diagnose(ws), startedAt: 1e12 }], {
      redact: false,
    })
    const back = read(JSON.parse(JSON.stringify(har)))
    expect(back.exchanges).toEqual([ws])
    expect(diagnose(back.exchanges[0] as Exchange).corsError).toBe('InsecureLocalNetwork')
  })

  it('round trip: reading the written HAR gives the same exchanges', () => {
    const back = read(JSON.parse(JSON.stringify(exchangesToHar(records, { redact: false }))))
    expect(back.exchanges).toEqual(samples)
    expect(back.skipped).toBe(0)
  })

  it('redacts Cookie, Authorization, Proxy-Authorization and Set-Cookie values by default', () => {
    const text = JSON.stringify(exchangesToHar(records))
    expect(text).not.toContain('a=b')
    expect(text).not.toContain('s=1')
    const back = read(JSON.parse(text))
    expect(headerValue(back.exchanges[0]?.request.headers ?? [], 'cookie')).toMatch(/redacted/)
    // Everything else survives redaction.
    expect(back.exchanges[2]).toEqual(samples[2])
  })

  it('round trip holds for generated exchanges', () => {
    const line = fc.record({
      name: fc.constantFrom(
        'Origin',
        'Access-Control-Allow-Origin',
        'Vary',
        'X-A',
        'access-control-allow-origin',
      ),
      value: fc.constantFrom(APP, '*', 'null', '', 'a, b'),
    })
    const lines = fc.array(line, { maxLength: 4 })
    const exchangeArb: fc.Arbitrary<Exchange> = fc
      .record({
        initiator: fc.constantFrom(APP, null),
        request: fc.record({
          method: fc.constantFrom('GET', 'PUT', 'DELETE'),
          url: fc.constantFrom(API, 'https://api.example/b?q=1'),
          headers: lines,
        }),
        preflight: fc.option(
          fc.record({
            request: fc.record({ method: fc.constant('OPTIONS'), url: fc.constant(API), headers: lines }),
            response: fc.record({ status: fc.constantFrom(200, 204, 403), headers: lines }),
          }),
          { nil: undefined },
        ),
        response: fc.option(fc.record({ status: fc.constantFrom(200, 404, 500), headers: lines }), {
          nil: undefined,
        }),
        outcome: fc.constantFrom<Exchange['outcome']>(
          { kind: 'ok' },
          { kind: 'unknown' },
          { kind: 'error', error: 'net::ERR_FAILED' },
        ),
        credentials: fc.constantFrom('omit' as const, 'include' as const, undefined),
      })
      .map((x) => {
        // Optional fields are absent rather than undefined, as the reader builds them.
        const clean: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(x)) if (v !== undefined) clean[k] = v
        return clean as unknown as Exchange
      })
    fc.assert(
      fc.property(fc.array(exchangeArb, { maxLength: 4 }), (xs) => {
        const recs = xs.map((exchange) => ({ exchange, diagnosis: diagnose(exchange), startedAt: 0 }))
        const back = read(JSON.parse(JSON.stringify(exchangesToHar(recs, { redact: false }))))
        expect(back.exchanges).toEqual(xs)
      }),
      { numRuns: 150 },
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// Real exports (test/fixtures/har/record-exports.ts): what Chromium's DevTools front end and Firefox's
// netmonitor wrote for lab scenarios, beside each browser's own verdict recorded in the same run.

interface RecordedVerdicts {
  chromium: Record<string, { corsError: string | null; failedParameter: string | null }>
  firefox: Record<string, { reasons: string[] }>
}
const VERDICTS = fixture('exports-verdicts.json') as RecordedVerdicts

/** Each scenario's diagnoses, in file order, from a real export. */
function byScenario(name: string): Map<string, ReturnType<typeof diagnose>[]> {
  const out = new Map<string, ReturnType<typeof diagnose>[]>()
  for (const x of read(fixture(name)).exchanges) {
    const id = scenarioIdOf(x.redirects?.[0]?.fromUrl ?? x.request.url)
    if (id) out.set(id, [...(out.get(id) ?? []), diagnose(x)])
  }
  return out
}

describe('a real Chromium DevTools export ("Save all as HAR", chrome-devtools.har)', () => {
  const d = byScenario('chrome-devtools.har')
  const raw = fixture('chrome-devtools.har') as { log: { entries: Record<string, unknown>[] } }
  const first = (id: string) => d.get(id)?.[0]
  /** The raw entry of a scenario's (first) request, as DevTools wrote it. */
  const rawEntry = (
    id: string,
    log = raw.log,
  ): { request: { headers: unknown[] }; response: Record<string, unknown>; _error?: unknown } => {
    const e = log.entries.find((x) => scenarioIdOf((x.request as { url: string }).url) === id)
    if (!e) throw new Error(`no entry for ${id}`)
    return e as never
  }

  it("gives every recorded scenario Chromium's own verdict (CDP corsErrorStatus)", () => {
    for (const [id, v] of Object.entries(VERDICTS.chromium)) {
      if (id === 'ok-no-cors') continue // not a CORS request: not listed
      if (id === 'refused') continue // not CORS: below
      const got = first(id)
      expect(got?.corsError ?? null, id).toBe(v.corsError)
      if (v.corsError) expect(got?.failedParameter, id).toBe(v.failedParameter)
    }
    expect(d.has('ok-no-cors')).toBe(false)
  })

  it('reads the failure where DevTools writes it: response._error, never on the entry', () => {
    const entry = rawEntry('missing-acao')
    expect(entry._error).toBeUndefined()
    expect(entry.response._error).toBe('net::ERR_FAILED')
    expect(first('missing-acao')?.corsError).toBe('MissingAllowOriginHeader')
  })

  it("pairs the preflight DevTools lists after its request, and not with the client's retry", () => {
    // The failed GET, its preflight and the retry sit side by side (DevTools orders them by its own clock).
    const ids = raw.log.entries.map(
      (e) =>
        `${(e.request as { method: string }).method} ${scenarioIdOf((e.request as { url: string }).url)}`,
    )
    const at = ids.indexOf('OPTIONS retry-without-header')
    const around = ids.slice(Math.max(0, at - 2), at + 3).filter((x) => x.endsWith(' retry-without-header'))
    expect(around.sort()).toEqual([
      'GET retry-without-header',
      'GET retry-without-header',
      'OPTIONS retry-without-header',
    ])
    const [failedGet, retry] = d.get('retry-without-header') ?? []
    expect(failedGet?.corsError).toBe('HeaderDisallowedByPreflightResponse')
    expect(failedGet?.failedParameter).toBe('x-custom')
    expect(retry?.blocked).toBe(false)
    expect(retry?.verdict).toBe('ok')
  })

  it('names a failure that is not CORS with the real error', () => {
    const error = String(rawEntry('refused').response._error)
    expect(error).toMatch(/^net::ERR_(?!FAILED)/)
    const refused = first('refused')
    expect(refused?.verdict).toBe('not-cors')
    expect(refused?.findings[0]?.explanation).toContain(error)
  })

  it('words: XMLHttpRequest for XHR; a refused redirect; Max-Age above the cap is info', () => {
    expect(first('multi-xhr')?.consoleMessage).toMatch(/^Access to XMLHttpRequest at /)
    expect(first('missing-acao')?.consoleMessage).toMatch(/^Access to fetch at /)
    expect(first('redir-userinfo')?.corsError).toBe('RedirectContainsCredentials')
    const maxAge = first('ok-preflight-max-age-big')
    expect(maxAge?.verdict).toBe('ok')
    expect(maxAge?.findings.find((f) => f.code === 'max-age-above-cap')?.severity).toBe('info')
  })

  it('one malformed entry never takes the others down', () => {
    const broken = structuredClone(raw)
    rawEntry('ok-star', broken.log).request.headers.push({ name: 'X-Odd', value: { toString: 'x' } })
    broken.log.entries.push({ request: { headers: { 0: 1 } }, response: 7 })
    const r = read(broken)
    expect(r.exchanges.length).toBe(read(raw).exchanges.length)
    for (const x of r.exchanges) diagnose(x)
  })
})

describe("a real Firefox netmonitor export (firefox-netmonitor.har), beside Firefox's console reasons", () => {
  const d = byScenario('firefox-netmonitor.har')
  const first = (id: string) => d.get(id)?.[0]

  it('blocks what Firefox blocked and nothing it let through', () => {
    for (const [id, v] of Object.entries(VERDICTS.firefox)) {
      if (id === 'ok-no-cors' || id === 'refused') continue
      expect(first(id)?.blocked ?? false, `${id}: ${v.reasons.join(' / ')}`).toBe(v.reasons.length > 0)
    }
    // The client's retry went through in Firefox too.
    expect(d.get('retry-without-header')?.[1]?.blocked).toBe(false)
  })

  it('status 0 with no error: failed, the export does not say why — never an invented net::ERR_FAILED', () => {
    const refused = first('refused')
    expect(refused?.verdict).toBe('unknown')
    expect(refused?.findings[0]?.code).toBe('failed-cause-not-recorded')
    expect(JSON.stringify(refused)).not.toContain('ERR_FAILED')
    // Stopped by its preflight (status 0, no error): the preflight names the cause.
    expect(first('header-xhr')?.corsError).toBe('HeaderDisallowedByPreflightResponse')
  })
})

describe('real exports of requests that are not CORS (*-not-cors.har, test/lab/not-cors.ts)', () => {
  const verdicts = fixture('not-cors-verdicts.json') as {
    chromium: Record<string, { corsError: string | null; errorText: string | null }>
    firefox: Record<string, { reasons: string[]; failed: boolean }>
  }
  const entriesOf = (name: string, id: string): Record<string, unknown>[] =>
    (fixture(name) as { log: { entries: Record<string, unknown>[] } }).log.entries.filter(
      (e) => scenarioIdOf((e.request as { url: string }).url) === id,
    )
  const NOT_CHECKED = ['ws-handshake', 'nocors-img', 'nocors-post', 'navigate-iframe']
  const NET_ERRORS = ['conn-refused', 'fetch-aborted', 'name-not-resolved', 'refused']

  it('DevTools: no CORS row for a WebSocket, no-cors or navigation request; the net error as not-CORS', () => {
    const d = byScenario('chrome-devtools-not-cors.har')
    for (const id of NOT_CHECKED) {
      expect(entriesOf('chrome-devtools-not-cors.har', id), id).not.toEqual([])
      expect(verdicts.chromium[id]?.errorText, id).toBeNull()
      expect(d.has(id), id).toBe(false)
    }
    for (const id of NET_ERRORS) {
      const error = verdicts.chromium[id]?.errorText ?? ''
      expect(error, id).toMatch(/^net::ERR_(?!FAILED)/)
      expect(d.get(id)?.[0]?.verdict, id).toBe('not-cors')
      expect(d.get(id)?.[0]?.findings[0]?.explanation, id).toContain(error)
    }
    expect(d.get('missing-acao')?.[0]?.corsError).toBe('MissingAllowOriginHeader')
  })

  it('DevTools: HTTP/2 pseudo-headers make no preflight and no unsafe header', () => {
    const d = byScenario('chrome-devtools-not-cors.har')
    const h2 = entriesOf('chrome-devtools-not-cors.har', 'h2-ok')[0]?.request as { headers: HeaderLine[] }
    expect(headerValue(h2.headers, ':authority')).toMatch(/^h2\.app\.test:/)
    expect(d.get('h2-ok')?.[0]?.preflight.required).toBe(false)
    expect(d.get('h2-ok')?.[0]?.verdict).toBe('ok')
    expect(d.get('h2-preflight-ok')?.[0]?.unsafeRequestHeaders).toEqual(['x-custom'])
    expect(d.get('h2-missing-acao')?.[0]?.corsError).toBe('MissingAllowOriginHeader')
  })

  it('Firefox: an opaque response (body withheld) is no CORS row; a CORS-blocked one, empty body or not, is', () => {
    const d = byScenario('firefox-netmonitor-not-cors.har')
    // Firefox's netmonitor export leaves WebSocket connections out.
    expect(entriesOf('firefox-netmonitor-not-cors.har', 'ws-handshake')).toEqual([])
    for (const id of NOT_CHECKED) {
      expect(verdicts.firefox[id], id).toEqual({ reasons: [], failed: false })
      expect(d.has(id), id).toBe(false)
    }
    for (const id of ['missing-acao', 'lower-patch-star-node-400', 'h2-missing-acao']) {
      expect(verdicts.firefox[id]?.reasons.length, id).toBeGreaterThan(0)
      expect(d.get(id)?.[0]?.corsError, id).toBe('MissingAllowOriginHeader')
    }
    for (const id of NET_ERRORS) {
      expect(verdicts.firefox[id]?.failed, id).toBe(true)
      expect(d.get(id)?.[0]?.verdict, id).toBe('unknown')
    }
  })
})

describe('HAR reader: not CORS, bogus values, size', () => {
  const ORIGIN: [string, string] = ['Origin', APP]

  it('WebSocket handshakes, no-cors and navigations are not CORS-checked; pseudo-headers are not headers', () => {
    const r = read(
      har(
        entry({ url: 'https://api.example/ws', req: [ORIGIN, ['Upgrade', 'websocket']], status: 101 }),
        entry({
          url: `${API}/img`,
          req: [ORIGIN, ['Sec-Fetch-Mode', 'no-cors']],
          status: 0,
          error: 'net::ERR_FAILED',
        }),
        entry({ url: `${API}/nav`, req: [ORIGIN, ['Sec-Fetch-Mode', 'navigate']] }),
        entry({
          url: `${API}/h2`,
          req: [
            [':authority', 'api.example'],
            [':method', 'GET'],
            [':path', '/items/h2'],
            [':scheme', 'https'],
            ORIGIN,
          ],
          res: [['Access-Control-Allow-Origin', '*']],
        }),
      ),
    )
    expect(r.exchanges.map((x) => x.request.url)).toEqual([`${API}/h2`])
    const h2 = diagnose(r.exchanges[0] as Exchange)
    expect(h2.preflight.required).toBe(false)
    expect(h2.blocked).toBe(false)
  })

  it('a status that is not an HTTP status is not taken for one', () => {
    const statuses = [99, 600, 2.5, 1e308]
    const r = read(
      har(
        ...statuses.map((status, i) =>
          entry({ url: `${API}/${i}`, req: [ORIGIN], status, res: [['Access-Control-Allow-Origin', APP]] }),
        ),
      ),
    )
    expect(r.exchanges.every((x) => x.response === undefined)).toBe(true)
    expect(r.warnings.filter((w) => /not an HTTP status/.test(w))).toHaveLength(4)
  })

  it('file:, chrome-extension: and not-a-URL entries reach no server: no exchange, no server fix', () => {
    const r = read(
      har(
        entry({ url: 'file:///etc/hosts', req: [ORIGIN], status: 0, error: 'net::ERR_FAILED' }),
        entry({ url: 'chrome-extension://abc/x.js', req: [ORIGIN], status: 0, error: 'net::ERR_FAILED' }),
        entry({ url: 'not a url', req: [ORIGIN], status: 0, error: 'net::ERR_FAILED' }),
      ),
    )
    expect(r.exchanges).toEqual([])
    expect(r.skipped).toBe(3)
    expect(r.warnings.some((w) => /not a URL/.test(w))).toBe(true)
  })

  it('a redirect chain longer than 20 hops loses no entry', () => {
    const hops = Array.from({ length: 30 }, (_, i) =>
      entry({
        url: `${API}/${i}`,
        req: [ORIGIN],
        status: i < 29 ? 302 : 200,
        redirectURL: i < 29 ? `${API}/${i + 1}` : '',
        res: [['Access-Control-Allow-Origin', APP]],
      }),
    )
    const r = read(har(...hops))
    // Each entry is a redirect hop or a response; a chain cut at 20 hops ends in a redirect, not a response.
    const covered = r.exchanges.reduce(
      (n, x) => n + (x.redirects?.length ?? 0) + (x.response || !x.redirects?.length ? 1 : 0),
      0,
    )
    expect(covered).toBe(30)
    expect(r.warnings.some((w) => /longer than 20 hops/.test(w))).toBe(true)
  })

  it('a redirect whose next hop is missing from the record is a redirect, not the response (Firefox leaves out the one it refused)', () => {
    // The shape of a real Firefox netmonitor export of the lab's redir-userinfo-same-origin, its second entry gone.
    const hop = entry({
      url: `${API}/r`,
      req: [ORIGIN],
      status: 302,
      redirectURL: 'http://user:pass@api.example/next',
      res: [
        ['Location', 'http://user:pass@api.example/next'],
        ['Access-Control-Allow-Origin', APP],
      ],
    })
    const x = read(har(hop)).exchanges[0] as Exchange
    expect(x.response).toBeUndefined()
    expect(diagnose(x).corsError).toBe('RedirectContainsCredentials')
  })

  it("a non-browser tool's row without a response is not a CORS failure", () => {
    const tool = {
      log: { creator: { name: 'OWASP ZAP' }, entries: [entry({ url: API, req: [ORIGIN], status: 0 })] },
    }
    expect(diagnose(read(tool).exchanges[0] as Exchange).verdict).toBe('not-cors')
  })

  it('pairs 20,000 preflights with their requests (the pairing is linear: each looks at a bounded window)', () => {
    const entries: unknown[] = []
    for (let i = 0; i < 20_000; i++) {
      const url = `${API}/${i % 50}`
      entries.push(
        entry({ method: 'PUT', url, req: [ORIGIN, ['X-N', String(i)]], status: 0, error: 'net::ERR_FAILED' }),
        entry({
          method: 'OPTIONS',
          url,
          req: [ORIGIN, ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'x-n']],
          status: 204,
          res: [['X-Pair', String(i)]],
        }),
      )
    }
    const r = read(har(...entries))
    expect(r.exchanges).toHaveLength(20_000)
    expect(
      r.exchanges.every(
        (x) =>
          headerValue(x.request.headers, 'x-n') ===
          headerValue(x.preflight?.response?.headers ?? [], 'x-pair'),
      ),
    ).toBe(true)
  })
})

describe('real exports of tools that cannot run here (test/fixtures/har/README.md)', () => {
  it('Edge 126 DevTools, AWS API Gateway: the XHR blocked for its 400 without ACAO, as its console said', () => {
    const r = read(fixture('edge-126-api-gateway.har'))
    expect(r.exchanges).toHaveLength(1)
    const x = r.exchanges[0] as Exchange
    expect(x.preflight?.response?.status).toBe(204) // listed after its request, paired
    const d = diagnose(x)
    expect(d.preflight.required).toBe(true) // content-type: application/json, not the pseudo-headers
    expect(d.unsafeRequestHeaders).toEqual(['content-type'])
    expect(d.corsError).toBe('MissingAllowOriginHeader')
    expect(d.consoleMessage).toBe(
      "Access to XMLHttpRequest at 'https://u4ceo7qshi.execute-api.us-east-1.amazonaws.com/prod/signup' from origin 'http://localhost:5173' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
    )
  })

  it.each(['insomnia.har', 'charles.har'])(
    '%s: a tool, not a browser — nothing CORS-checked, nothing rejected',
    (name) => {
      const r = read(fixture(name))
      expect(r.exchanges).toEqual([])
      expect(r.skipped).toBe(1)
      expect(r.warnings).toEqual([])
    },
  )
})
