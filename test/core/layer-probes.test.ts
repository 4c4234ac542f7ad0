// What each layer probe's answer shows (core/layer-probes.ts), read against the real answer. The real
// servers' pages and answers are test/e2e/check-upstream.test.ts's; here, each reading.
import { describe, expect, it } from 'vitest'
import type { ResponseSide } from '../../src/core/exchange.ts'
import { type LayerProbeKind, readLayerProbe } from '../../src/core/layer-probes.ts'
import { API, exchange, ORIGIN, preflight, response } from './exchange-builders.ts'

const PROBE = 'https://cors-lens-probe.invalid'
const answer = (kind: LayerProbeKind, method: string, r: ResponseSide, origin = ORIGIN) => ({
  kind,
  method,
  url: kind === 'missing-path' ? 'https://api.example/cors-lens-no-such-path' : API,
  origin,
  response: r,
})
const ACAO = (v: string): [string, string] => ['Access-Control-Allow-Origin', v]

describe('another origin', () => {
  const real = exchange({ response: response(200, ACAO(ORIGIN)), outcome: { kind: 'unknown' } })
  it.each([
    [[ACAO(PROBE)], /any origin is reflected/],
    [[ACAO('*')], /a fixed line, whatever the Origin/],
    [[], /the sender checks the Origin against a list/],
    [[ACAO('*'), ACAO(PROBE)], /two senders, one reflecting and one with a fixed value/],
  ] as const)('%j', (lines, showed) => {
    const r = readLayerProbe(real, answer('other-origin', 'GET', response(200, ...lines), PROBE))
    expect(r.showed).toMatch(showed)
  })
})

describe('a path the app does not have', () => {
  const real = exchange({
    response: response(200, ACAO('*'), ACAO('*')),
    outcome: { kind: 'unknown' },
  })
  it('names the error page by its phrase, and counts the CORS lines an error keeps', () => {
    const r = readLayerProbe(real, {
      ...answer('missing-path', 'GET', {
        ...response(404, ACAO('*')),
        bodySnippet: '<pre>Cannot GET /x</pre>',
      }),
    })
    expect(r.page).toMatch(/^Express/)
    expect(r.showed).toMatch(
      /keeps 'Access-Control-Allow-Origin: \*' and lacks 'Access-Control-Allow-Origin: \*'/,
    )
  })
  it('an unknown page is said so, with its Server line', () => {
    const r = readLayerProbe(real, answer('missing-path', 'GET', response(404, ['Server', 'Kestrel'])))
    expect(r.page).toBeNull()
    expect(r.showed).toMatch(/no error page this list knows \(Server: Kestrel\); it carries none/)
  })
})

describe('OPTIONS without Access-Control-Request-Method', () => {
  const pf = response(204, ['Access-Control-Allow-Methods', 'GET, PUT'])
  const real = exchange({
    method: 'PUT',
    preflight: preflight('PUT', null, pf),
    outcome: { kind: 'unknown' },
  })
  it('answered like the preflight: whatever answers preflights does not look at that header', () => {
    expect(readLayerProbe(real, answer('bare-options', 'OPTIONS', pf)).showed).toMatch(
      /exactly like the preflight/,
    )
  })
  it('answered otherwise: the router got it', () => {
    const r = readLayerProbe(real, answer('bare-options', 'OPTIONS', response(405, ['Allow', 'GET, PUT'])))
    expect(r.showed).toMatch(/unlike the preflight \(204\).*router \(Allow: GET, PUT\)/)
  })
})
