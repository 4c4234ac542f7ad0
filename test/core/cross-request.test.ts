import { describe, expect, it } from 'vitest'
import {
  CORS_HEADERS_MISSING_ON_ERRORS,
  type CrossRequestSample,
  crossRequestFindings,
} from '../../src/core/cross-request.ts'
import type { Exchange, Outcome } from '../../src/core/exchange.ts'

const PAGE = 'https://app.example'
const API = 'https://api.example'

function ex(
  path: string,
  status: number,
  responseHeaders: [string, string][],
  options: {
    outcome?: Outcome
    origin?: boolean
    preflight?: [number, [string, string][]]
    browser?: 'firefox'
  } = {},
): Exchange {
  const outcome: Outcome =
    options.outcome ??
    (status >= 400 && !responseHeaders.some(([n]) => n === 'Access-Control-Allow-Origin')
      ? { kind: 'error', error: 'net::ERR_FAILED' }
      : { kind: 'ok' })
  return {
    initiator: PAGE,
    request: {
      method: 'GET',
      url: path.startsWith('http') ? path : API + path,
      headers: options.origin === false ? [] : [{ name: 'Origin', value: PAGE }],
    },
    ...(options.preflight
      ? {
          preflight: {
            request: { method: 'OPTIONS', url: API + path, headers: [] },
            response: {
              status: options.preflight[0],
              headers: options.preflight[1].map(([name, value]) => ({ name, value })),
            },
          },
        }
      : {}),
    response: { status, headers: responseHeaders.map(([name, value]) => ({ name, value })) },
    outcome,
    ...(options.browser ? { browser: options.browser } : {}),
  }
}

const ACAO: [string, string] = ['Access-Control-Allow-Origin', PAGE]
const s = (key: string, exchange: Exchange): CrossRequestSample => ({ key, exchange })

describe('crossRequestFindings', () => {
  it('flags 4xx/5xx responses without ACAO when 2xx responses of the same API had it', () => {
    const out = crossRequestFindings([
      s('ok', ex('/items', 200, [ACAO])),
      s('e500', ex('/items/1', 500, [['Content-Type', 'text/html']])),
      s('e401', ex('/me', 401, [])),
    ])
    expect([...out.keys()].sort()).toEqual(['e401', 'e500'])
    const f = out.get('e500')?.[0]
    expect(f?.code).toBe(CORS_HEADERS_MISSING_ON_ERRORS)
    expect(f?.severity).toBe('error')
    expect(f?.corsError).toBe('MissingAllowOriginHeader')
    expect(f?.explanation).toContain('500')
    expect(f?.explanation).toContain(`GET /items → 200, Access-Control-Allow-Origin: ${PAGE}`)
    expect(f?.links.some((l) => l.url.includes('add_header'))).toBe(true)
  })

  it('names nginx and its always parameter when the error response says Server: nginx', () => {
    const out = crossRequestFindings([
      s('ok', ex('/a', 200, [ACAO])),
      s('err', ex('/b', 502, [['Server', 'nginx/1.27.1']])),
    ])
    const f = out.get('err')?.[0]
    expect(f?.explanation).toContain('always')
    expect(f?.headers).toEqual([{ place: 'response', name: 'Server', value: 'nginx/1.27.1', index: 0 }])
  })

  it("uses the exchange's own preflight as evidence (2xx preflight with ACAO, error without)", () => {
    const out = crossRequestFindings([
      s(
        'put',
        ex('/items/1', 403, [], { preflight: [204, [ACAO, ['Access-Control-Allow-Methods', 'PUT']]] }),
      ),
    ])
    const f = out.get('put')?.[0]
    expect(f?.explanation).toContain('its own preflight was answered 204')
    expect(f?.headers[0]).toMatchObject({
      place: 'preflight-response',
      name: 'Access-Control-Allow-Origin',
      index: 0,
    })
  })

  it('says nothing without a 2xx-with-CORS example, or when errors carry ACAO too', () => {
    expect(crossRequestFindings([s('a', ex('/a', 500, [])), s('b', ex('/b', 404, []))]).size).toBe(0)
    expect(crossRequestFindings([s('a', ex('/a', 200, [ACAO])), s('b', ex('/b', 404, [ACAO]))]).size).toBe(0)
    // A 2xx without ACAO is no evidence either.
    expect(crossRequestFindings([s('a', ex('/a', 200, [])), s('b', ex('/b', 500, []))]).size).toBe(0)
  })

  it('judges each API origin on its own', () => {
    const out = crossRequestFindings([
      s('ok', ex('/a', 200, [ACAO])),
      s('elsewhere', ex('https://other.example/b', 500, [])),
    ])
    expect(out.size).toBe(0)
  })

  it('skips requests that were not in CORS mode (Chromium let them through, no Origin)', () => {
    const out = crossRequestFindings([
      s('ok', ex('/a', 200, [ACAO])),
      s('nocors', ex('/img', 404, [], { origin: false, outcome: { kind: 'ok' } })),
    ])
    expect(out.size).toBe(0)
  })

  it('severity: error when blocked, error on Firefox (no signal), warning when the outcome is unknown', () => {
    const out = crossRequestFindings([
      s('ok', ex('/a', 200, [ACAO])),
      s('ff', ex('/b', 500, [], { outcome: { kind: 'ok' }, browser: 'firefox' })),
      s('har', ex('/c', 500, [], { outcome: { kind: 'unknown' } })),
      s('chrome-ok', ex('/d', 500, [], { outcome: { kind: 'ok' } })),
    ])
    expect(out.get('ff')?.[0]?.severity).toBe('error')
    expect(out.get('har')?.[0]?.severity).toBe('warning')
    expect(out.has('chrome-ok')).toBe(false)
  })

  it('ignores malformed URLs and exchanges without a response', () => {
    const broken: Exchange = {
      ...ex('/a', 500, []),
      request: { method: 'GET', url: 'not a url', headers: [] },
    }
    const noResponse: Exchange = {
      initiator: PAGE,
      request: { method: 'GET', url: `${API}/x`, headers: [] },
      outcome: { kind: 'unknown' },
    }
    expect(
      crossRequestFindings([s('ok', ex('/a', 200, [ACAO])), s('broken', broken), s('none', noResponse)]).size,
    ).toBe(0)
  })
})
