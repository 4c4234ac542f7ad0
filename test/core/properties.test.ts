// Property tests: whatever the headers, the engine answers (never throws) with a well-formed analysis,
// and a second Access-Control-Allow-Origin line never turns a blocked verdict into an allowed one.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { analyze, CORS_ERROR_NAMES, type Exchange } from '../../src/core/index.ts'

const CORS_NAMES = [
  'Access-Control-Allow-Origin',
  'access-control-allow-credentials',
  'Access-Control-Allow-Methods',
  'Access-Control-Allow-Headers',
  'Access-Control-Max-Age',
  'Access-Control-Expose-Headers',
  'Vary',
  'Location',
  'Cookie',
  'Origin',
]
const value = fc.oneof(
  fc.constantFrom(
    '*',
    'https://app.example',
    'https://app.example/',
    'null',
    'true',
    'True',
    'GET, PUT',
    '',
    ' , ,',
    'x-a, *',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
)
const line = fc.record({
  name: fc.oneof(fc.constantFrom(...CORS_NAMES), fc.string({ minLength: 1, maxLength: 12 })),
  value,
})
const lines = fc.array(line, { maxLength: 8 })
const status = fc.oneof(
  fc.constantFrom(0, 200, 204, 301, 302, 304, 401, 404, 500),
  fc.integer({ min: -5, max: 1000 }),
)
const url = fc.oneof(
  fc.constantFrom(
    'https://api.example/x',
    'http://api.example/x',
    'https://app.example/x',
    'not a url',
    'https://u:p@api.example/',
  ),
  fc.webUrl(),
)
const outcome = fc.oneof(
  fc.constant({ kind: 'ok' as const }),
  fc.constant({ kind: 'unknown' as const }),
  fc
    .constantFrom('net::ERR_FAILED', 'net::ERR_CONNECTION_REFUSED', 'weird')
    .map((error) => ({ kind: 'error' as const, error })),
)
const exchangeArb: fc.Arbitrary<Exchange> = fc.record(
  {
    initiator: fc.oneof(fc.constant('https://app.example'), fc.constant(null), fc.string({ maxLength: 10 })),
    request: fc.record({
      method: fc.constantFrom('GET', 'PUT', 'patch', 'OPTIONS', ''),
      url,
      headers: lines,
    }),
    preflight: fc.record({
      request: fc.record({ method: fc.constant('OPTIONS'), url, headers: lines }),
      response: fc.record({ status, headers: lines }),
    }),
    redirects: fc.array(fc.record({ fromUrl: url, status, headers: lines, location: url }), { maxLength: 2 }),
    response: fc.record({ status, headers: lines }),
    outcome,
    credentials: fc.constantFrom('omit' as const, 'include' as const, 'same-origin' as const),
  },
  { requiredKeys: ['initiator', 'request', 'outcome'] },
)

describe('engine properties', () => {
  it('never throws, and the analysis is well-formed', () => {
    fc.assert(
      fc.property(exchangeArb, (ex) => {
        const a = analyze(ex)
        expect(['blocked', 'at-risk', 'ok', 'not-cors', 'unknown']).toContain(a.verdict)
        expect(a.blocked).toBe(a.verdict === 'blocked')
        if (a.blocked) {
          expect(CORS_ERROR_NAMES).toContain(a.corsError)
          expect(typeof a.failedParameter).toBe('string')
          expect(a.consoleMessage).toMatch(/has been blocked by CORS policy/)
          expect(a.findings.some((f) => f.severity === 'error' && f.corsError === a.corsError)).toBe(true)
        } else {
          expect(a.corsError).toBeNull()
          expect(a.failedParameter).toBeNull()
        }
        expect(['omit', 'include', 'unknown']).toContain(a.credentials.mode)
        for (const f of a.findings) {
          expect(f.code).toMatch(/^[a-z0-9-]+$/)
          expect(['error', 'warning', 'info']).toContain(f.severity)
          expect(f.title.length).toBeGreaterThan(0)
          expect(f.explanation.length).toBeGreaterThan(0)
        }
        if (ex.outcome.kind === 'ok') expect(a.blocked).toBe(false)
        expect(() => JSON.stringify(a)).not.toThrow()
      }),
      { numRuns: 2000 },
    )
  })

  it('adding a second ACAO line never turns a blocked verdict into ok', () => {
    fc.assert(
      fc.property(exchangeArb, value, fc.boolean(), (ex, extra, onPreflight) => {
        const before = analyze(ex)
        fc.pre(before.blocked)
        const add = { name: 'Access-Control-Allow-Origin', value: extra }
        const hasAcao = (hs: readonly { name: string }[] | undefined) =>
          !!hs?.some((h) => h.name.toLowerCase() === 'access-control-allow-origin')
        const target =
          onPreflight && ex.preflight?.response ? ex.preflight.response.headers : ex.response?.headers
        // "Second": the line goes where one already is (adding the first one may legitimately cure it).
        fc.pre(hasAcao(target))
        const after: Exchange =
          onPreflight && ex.preflight?.response
            ? {
                ...ex,
                preflight: {
                  ...ex.preflight,
                  response: { ...ex.preflight.response, headers: [...ex.preflight.response.headers, add] },
                },
              }
            : ex.response
              ? { ...ex, response: { ...ex.response, headers: [...ex.response.headers, add] } }
              : ex
        expect(analyze(after).blocked).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})
