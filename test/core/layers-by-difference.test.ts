// The attribution by difference (core/layers-by-difference.ts): the proxy's answer against the app's own
// answer to the same request. The real stacks are test/e2e/check-upstream.test.ts's; here, each rule.
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../src/core/diagnose.ts'
import { compareAnswers, measureLayers } from '../../src/core/layers-by-difference.ts'
import { exchange, ORIGIN, preflight, response } from './exchange-builders.ts'

const EXPRESS = ['X-Powered-By', 'Express'] as [string, string]
const ACAO = (v: string): [string, string] => ['Access-Control-Allow-Origin', v]

const senders = (d: ReturnType<typeof compareAnswers>): string[][] =>
  d.lines.map((l) => [l.header.value, l.layer, l.layers.sender])

describe('compareAnswers', () => {
  it("counts identical copies: two ACAO '*' at the proxy, one at the app → one of each, both", () => {
    const d = compareAnswers(
      response(200, ['Server', 'nginx/1.22.1'], EXPRESS, ACAO('*'), ACAO('*')),
      response(200, EXPRESS, ACAO('*')),
      'response',
    )
    expect(d.passedThrough).toBe('yes')
    expect(senders(d)).toEqual([
      ['*', 'app', 'both'],
      ['*', 'proxy', 'both'],
    ])
    expect(d.lines[0]?.layers).toMatchObject({ atApp: 1, atProxy: 2 })
    expect(d.missing).toEqual([])
    // What the proxy wrote itself: its Server line and its extra copy.
    expect(d.proxyOwn.headers.map((l) => l.name)).toEqual(['Server', 'Access-Control-Allow-Origin'])
  })

  it('two different values: each to its sender, exactly', () => {
    const d = compareAnswers(
      response(200, EXPRESS, ACAO('*'), ['X-Varnish', '32770'], ACAO(ORIGIN)),
      response(200, EXPRESS, ACAO('*')),
      'response',
    )
    expect(senders(d)).toEqual([
      ['*', 'app', 'app'],
      [ORIGIN, 'proxy', 'proxy'],
    ])
  })

  it("a line the proxy replaced (proxy_hide_header + add_header): the proxy's, and the app's listed as replaced", () => {
    const d = compareAnswers(
      response(200, EXPRESS, ACAO(ORIGIN)),
      response(200, EXPRESS, ACAO('*')),
      'response',
    )
    expect(senders(d)).toEqual([[ORIGIN, 'proxy', 'proxy']])
    expect(d.lines[0]?.evidence).toMatch(/replaced the app's line/)
    expect(d.missing.map((m) => [m.value, m.evidence])).toEqual([['*', expect.stringMatching(/replaced/)]])
  })

  it('a line the app sends and the proxy lacks: removed', () => {
    const d = compareAnswers(
      response(200, EXPRESS, ['Vary', 'Origin']),
      response(200, EXPRESS, ACAO(ORIGIN), ['Vary', 'Origin']),
      'response',
    )
    expect(senders(d)).toEqual([['Origin', 'app', 'app']])
    expect(d.missing.map((m) => m.name)).toEqual(['Access-Control-Allow-Origin'])
    expect(d.missing[0]?.evidence).toMatch(/removed by the proxy/)
  })

  it('fewer identical copies at the proxy than at the app: the extra app copy dropped', () => {
    const d = compareAnswers(
      response(200, EXPRESS, ACAO('*')),
      response(200, EXPRESS, ACAO('*'), ACAO('*')),
      'response',
    )
    expect(senders(d)).toEqual([['*', 'app', 'app']])
    expect(d.missing.map((m) => m.evidence)).toEqual([
      "the app sends 2 identical lines, the proxy's answer 1: the proxy dropped this copy",
    ])
  })

  it("repeated lines the proxy joined into one (a Node proxy's merged headers): still the app's", () => {
    const d = compareAnswers(
      response(200, EXPRESS, ['Vary', 'Origin, Accept-Encoding']),
      response(200, EXPRESS, ['Vary', 'Origin'], ['Vary', 'Accept-Encoding']),
      'response',
    )
    expect(senders(d)).toEqual([['Origin, Accept-Encoding', 'app', 'app']])
    expect(d.lines[0]?.layers).toMatchObject({ atApp: 2, atProxy: 1 })
    expect(d.missing).toEqual([])
  })

  it('header names compare without case (a proxy may rewrite the case), values exactly', () => {
    const d = compareAnswers(
      response(200, EXPRESS, ['access-control-allow-origin', '*']),
      response(200, EXPRESS, ACAO('*')),
      'response',
    )
    expect(senders(d)).toEqual([['*', 'app', 'app']])
  })

  it('another status: the proxy wrote the answer itself, every line is its own even one the app also sends', () => {
    const d = compareAnswers(
      response(413, ['Server', 'nginx'], ACAO('*')),
      response(200, EXPRESS, ACAO('*')),
      'response',
    )
    expect(d.passedThrough).toBe('no')
    expect(senders(d)).toEqual([['*', 'proxy', 'proxy']])
    expect(d.missing.map((m) => m.evidence)).toEqual([expect.stringMatching(/never reached the page/)])
  })

  it("the same status but none of the app's own lines: the proxy answered (an nginx `if` block's 204)", () => {
    const d = compareAnswers(
      response(204, ['Server', 'nginx'], ['Access-Control-Allow-Methods', 'GET, PUT']),
      response(204, EXPRESS, ACAO(ORIGIN), ['Access-Control-Allow-Methods', 'GET, PUT']),
      'preflight-response',
    )
    expect(d.passedThrough).toBe('no')
    expect(senders(d)).toEqual([['GET, PUT', 'proxy', 'proxy']])
  })

  it("an app answer with no line of its own: 'unknown' whether it passed through", () => {
    const d = compareAnswers(
      response(200, ['Date', 'x'], ['Content-Length', '2'], ACAO('*')),
      response(200, ['Date', 'y'], ['Content-Length', '2'], ACAO('*')),
      'response',
    )
    expect(d.passedThrough).toBe('unknown')
    expect(senders(d)).toEqual([['*', 'app', 'app']])
  })
})

describe('measureLayers: the measured attribution replaces the guess', () => {
  it('the seed case: culprit both, the stacks from each layer’s own lines, fixes for those layers', () => {
    const ex = exchange({
      response: response(200, ['Server', 'nginx/1.22.1'], EXPRESS, ACAO('*'), ACAO('*')),
      outcome: { kind: 'unknown' },
    })
    const guessed = diagnose(ex)
    const m = measureLayers(ex, guessed, { response: response(200, EXPRESS, ACAO('*')) }, guessed.attribution)
    expect(m.attribution).toMatchObject({
      source: 'measured',
      culprit: 'both',
      proxy: 'nginx',
      app: 'express',
    })
    expect(m.attribution.lines.map((l) => [l.layer, l.stack, l.confidence])).toEqual([
      ['app', 'express', 'high'],
      ['proxy', 'nginx', 'high'],
    ])
  })

  it("an upstream's Server passed through never names the proxy (Traefik in front of Apache)", () => {
    const app = response(200, ['Server', 'Apache/2.4.57 (Debian)'], ['X-App', '1'])
    const ex = exchange({
      response: response(200, ['Server', 'Apache/2.4.57 (Debian)'], ['X-App', '1']),
      outcome: { kind: 'unknown' },
    })
    const guessed = diagnose(ex)
    expect(guessed.attribution.proxy).toBe('apache')
    const m = measureLayers(ex, guessed, { response: app }, guessed.attribution)
    expect(m.attribution.proxy).toBeNull()
    // Neither layer sends ACAO: nobody to blame but the setup, said so.
    expect(m.attribution.culprit).toBe('unknown')
    expect(m.attribution.evidence[0]).toMatch(
      /neither the app .* nor the proxy sends access-control-allow-origin/,
    )
  })

  it('a removed ACAO makes the proxy the culprit', () => {
    const ex = exchange({
      response: response(200, EXPRESS, ['Vary', 'Origin']),
      outcome: { kind: 'unknown' },
    })
    const guessed = diagnose(ex)
    const m = measureLayers(
      ex,
      guessed,
      { response: response(200, EXPRESS, ACAO(ORIGIN), ['Vary', 'Origin']) },
      guessed.attribution,
    )
    expect(guessed.corsError).toBe('MissingAllowOriginHeader')
    expect(m.attribution.culprit).toBe('proxy')
    expect(m.attribution.evidence[0]).toMatch(/the proxy removes it/)
  })

  it('the preflight is what is measured when the failure is there', () => {
    const pf = preflight('PUT', 'x-api-key', response(401, EXPRESS, ['Content-Type', 'application/json']))
    const ex = exchange({ method: 'PUT', preflight: pf, outcome: { kind: 'unknown' } })
    const guessed = diagnose(ex)
    const m = measureLayers(
      ex,
      guessed,
      { preflight: response(401, EXPRESS, ['Content-Type', 'application/json']) },
      guessed.attribution,
    )
    expect(m.differences.map((d) => d.place)).toEqual(['preflight-response'])
    expect(m.attribution).toMatchObject({ source: 'measured', culprit: 'app' })
  })

  it('a failure at a later redirect hop is not measured: the guess stays, with a note', () => {
    const ex = exchange({
      redirects: [
        { fromUrl: 'https://api.example/items', status: 302, headers: [], location: 'https://api.example/a' },
        { fromUrl: 'https://api.example/a', status: 302, headers: [], location: 'https://b.example/' },
      ],
      response: response(200),
      outcome: { kind: 'unknown' },
    })
    const guessed = diagnose(ex)
    const m = measureLayers(ex, guessed, { response: response(302) }, guessed.attribution)
    expect(m.attribution.source).not.toBe('measured')
    expect(m.attribution.evidence[0]).toMatch(/later redirect hop/)
  })
})
