// Rule-by-rule tests of the engine, written from the rules document (browser-cors-rules.md §1, §4).
import { describe, expect, it } from 'vitest'
import { taintingRedirect } from '../../src/core/analyze.ts'
import { diagnose } from '../../src/core/diagnose.ts'
import type { Exchange } from '../../src/core/exchange.ts'
import { analyze } from '../../src/core/index.ts'
import { API, exchange, FAILED, h, OK, ORIGIN, preflight, response } from './exchange-builders.ts'

const verdict = (ex: Parameters<typeof analyze>[0]) => {
  const a = analyze(ex)
  return { corsError: a.corsError, failedParameter: a.failedParameter, blocked: a.blocked }
}

describe('the CORS check on the response', () => {
  it('no ACAO → MissingAllowOriginHeader with an empty failed parameter', () => {
    expect(verdict(exchange({ response: response(200) }))).toEqual({
      corsError: 'MissingAllowOriginHeader',
      failedParameter: '',
      blocked: true,
    })
  })
  it('two ACAO lines are joined with ", " → MultipleAllowOriginValues (the seed case)', () => {
    const a = analyze(
      exchange({
        response: response(
          200,
          ['Access-Control-Allow-Origin', ORIGIN],
          ['Access-Control-Allow-Origin', '*'],
        ),
      }),
    )
    expect(a.corsError).toBe('MultipleAllowOriginValues')
    expect(a.failedParameter).toBe(`${ORIGIN}, *`)
    expect(a.findings[0]?.headers.map((r) => r.index)).toEqual([0, 1])
    expect(a.consoleMessage).toContain(`contains multiple values '${ORIGIN}, *', but only one is allowed`)
  })
  it('one line with a comma or space → MultipleAllowOriginValues', () => {
    expect(
      verdict(
        exchange({ response: response(200, ['Access-Control-Allow-Origin', `${ORIGIN} https://b.example`]) }),
      ).corsError,
    ).toBe('MultipleAllowOriginValues')
  })
  it.each([
    ['invalid.origin', 'InvalidAllowOriginValue'],
    ['', 'InvalidAllowOriginValue'],
    ['https://', 'InvalidAllowOriginValue'],
    [`${ORIGIN}/`, 'AllowOriginMismatch'],
    ['HTTPS://APP.EXAMPLE', 'AllowOriginMismatch'],
    ['null', 'AllowOriginMismatch'],
    ['https://evil.example', 'AllowOriginMismatch'],
    ['http://app.example', 'AllowOriginMismatch'],
  ])('ACAO %j → %s', (value, error) => {
    const a = verdict(exchange({ response: response(200, ['Access-Control-Allow-Origin', value]) }))
    expect(a.corsError).toBe(error)
    expect(a.failedParameter).toBe(value)
  })
  it('a mismatch by trailing slash says so', () => {
    const a = analyze(exchange({ response: response(200, ['Access-Control-Allow-Origin', `${ORIGIN}/`]) }))
    expect(a.findings[0]?.explanation).toMatch(/trailing slash/)
  })
  it('any status passes the CORS check when the headers are right', () => {
    expect(
      verdict(exchange({ response: response(500, ['Access-Control-Allow-Origin', ORIGIN]), outcome: OK }))
        .blocked,
    ).toBe(false)
  })
})

describe('credentials', () => {
  it("'*' with credentials include → WildcardOriginNotAllowed, even with ACAC true", () => {
    const ex = exchange({
      credentials: 'include',
      response: response(
        200,
        ['Access-Control-Allow-Origin', '*'],
        ['Access-Control-Allow-Credentials', 'true'],
      ),
    })
    expect(verdict(ex)).toEqual({ corsError: 'WildcardOriginNotAllowed', failedParameter: '', blocked: true })
  })
  it("'*' without credentials passes, ACAC ignored, with a warning for the pair", () => {
    const a = analyze(
      exchange({
        outcome: OK,
        response: response(
          200,
          ['Access-Control-Allow-Origin', '*'],
          ['Access-Control-Allow-Credentials', 'true'],
        ),
      }),
    )
    expect(a.blocked).toBe(false)
    expect(a.verdict).toBe('at-risk')
    expect(a.findings.map((f) => f.code)).toContain('credentials-with-wildcard-origin')
  })
  it.each([
    [null, ''],
    ['True', 'True'],
    ['false', 'false'],
  ])('ACAC %j with credentials → InvalidAllowCredentials', (value, param) => {
    const pairs: [string, string][] = [['Access-Control-Allow-Origin', ORIGIN]]
    if (value !== null) pairs.push(['Access-Control-Allow-Credentials', value])
    expect(verdict(exchange({ credentials: 'include', response: response(200, ...pairs) }))).toEqual({
      corsError: 'InvalidAllowCredentials',
      failedParameter: param,
      blocked: true,
    })
  })
  it('infers include from a Cookie header', () => {
    const a = analyze(
      exchange({
        requestHeaders: [
          ['Origin', ORIGIN],
          ['Cookie', 'sid=1'],
        ],
        response: response(200, ['Access-Control-Allow-Origin', '*']),
      }),
    )
    expect(a.corsError).toBe('WildcardOriginNotAllowed')
    expect(a.credentials).toMatchObject({ mode: 'include', inferred: true })
  })
  it('infers include from the failure itself when only credentials explain it', () => {
    const a = analyze(
      exchange({ response: response(200, ['Access-Control-Allow-Origin', '*']), outcome: FAILED }),
    )
    expect(a.corsError).toBe('WildcardOriginNotAllowed')
    expect(a.credentials.mode).toBe('include')
    expect(a.credentials.inferred).toBe(true)
    expect(a.findings.map((f) => f.code)).toContain('credentials-inferred')
  })
  it('infers omit from success when credentials would have failed', () => {
    const a = analyze(
      exchange({ response: response(200, ['Access-Control-Allow-Origin', '*']), outcome: OK }),
    )
    expect(a.credentials).toMatchObject({ mode: 'omit', inferred: true })
  })
})

describe('the preflight', () => {
  const okPre = (...extra: [string, string][]) =>
    response(204, ['Access-Control-Allow-Origin', ORIGIN], ...extra)
  it('the CORS check runs before the status: 404 without ACAO → PreflightMissingAllowOriginHeader', () => {
    expect(
      verdict(exchange({ method: 'PUT', preflight: preflight('PUT', null, response(404)) })).corsError,
    ).toBe('PreflightMissingAllowOriginHeader')
  })
  it('500 with a good ACAO → PreflightInvalidStatus, and the explanation quotes the status', () => {
    const a = analyze(
      exchange({
        method: 'PUT',
        preflight: preflight('PUT', null, response(500, ['Access-Control-Allow-Origin', ORIGIN])),
      }),
    )
    expect(a.corsError).toBe('PreflightInvalidStatus')
    expect(a.failedParameter).toBe('')
    expect(a.findings[0]?.explanation).toContain('500')
    expect(a.consoleMessage).toContain(
      "Response to preflight request doesn't pass access control check: It does not have HTTP ok status.",
    )
  })
  it('a redirected preflight → PreflightDisallowedRedirect', () => {
    expect(
      verdict(
        exchange({
          method: 'PUT',
          preflight: preflight('PUT', null, response(301, ['Location', `${API}/`])),
        }),
      ).corsError,
    ).toBe('PreflightDisallowedRedirect')
  })
  it.each([
    [
      'Preflight twin of Multiple',
      [
        ['Access-Control-Allow-Origin', '*'],
        ['Access-Control-Allow-Origin', ORIGIN],
      ],
      'PreflightMultipleAllowOriginValues',
    ],
    [
      'Preflight mismatch',
      [['Access-Control-Allow-Origin', 'https://x.example']],
      'PreflightAllowOriginMismatch',
    ],
    ['Preflight invalid', [['Access-Control-Allow-Origin', 'nope']], 'PreflightInvalidAllowOriginValue'],
  ] as [string, [string, string][], string][])('%s', (_t, pairs, error) => {
    expect(
      verdict(exchange({ method: 'PUT', preflight: preflight('PUT', null, response(204, ...pairs)) }))
        .corsError,
    ).toBe(error)
  })
  it('unparseable ACAM → InvalidAllowMethodsPreflightResponse, checked before ACAH', () => {
    const ex = exchange({
      method: 'PUT',
      preflight: preflight(
        'PUT',
        'x-a',
        okPre(['Access-Control-Allow-Methods', 'PUT DELETE'], ['Access-Control-Allow-Headers', 'x a']),
      ),
    })
    expect(verdict(ex).corsError).toBe('InvalidAllowMethodsPreflightResponse')
  })
  it('unparseable ACAH → InvalidAllowHeadersPreflightResponse', () => {
    const ex = exchange({
      method: 'PUT',
      preflight: preflight(
        'PUT',
        'x-a',
        okPre(['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'x-a;']),
      ),
    })
    expect(verdict(ex).corsError).toBe('InvalidAllowHeadersPreflightResponse')
  })
  it('ACAM with empty elements and spaces still parses', () => {
    const ex = exchange({
      method: 'PUT',
      outcome: OK,
      preflight: preflight('PUT', null, okPre(['Access-Control-Allow-Methods', ' GET, ,PUT ,'])),
    })
    expect(verdict(ex).blocked).toBe(false)
  })
  it('method missing → MethodDisallowedByPreflightResponse with the method as parameter', () => {
    const ex = exchange({
      method: 'DELETE',
      preflight: preflight('DELETE', null, okPre(['Access-Control-Allow-Methods', 'GET, PUT'])),
    })
    expect(verdict(ex)).toEqual({
      corsError: 'MethodDisallowedByPreflightResponse',
      failedParameter: 'DELETE',
      blocked: true,
    })
  })
  it("methods compare case-sensitively: 'patch' against 'PATCH' fails, and the explanation says why", () => {
    const a = analyze(
      exchange({
        method: 'patch',
        preflight: preflight('patch', null, okPre(['Access-Control-Allow-Methods', 'PATCH'])),
      }),
    )
    expect(a.corsError).toBe('MethodDisallowedByPreflightResponse')
    expect(a.findings[0]?.explanation).toMatch(/lower case/)
  })
  it("'*' in ACAM covers any method without credentials, not with them", () => {
    const pre = preflight(
      'DELETE',
      null,
      okPre(['Access-Control-Allow-Methods', '*'], ['Access-Control-Allow-Credentials', 'true']),
    )
    expect(verdict(exchange({ method: 'DELETE', outcome: OK, preflight: pre })).blocked).toBe(false)
    expect(verdict(exchange({ method: 'DELETE', credentials: 'include', preflight: pre })).corsError).toBe(
      'MethodDisallowedByPreflightResponse',
    )
  })
  it('header missing → HeaderDisallowedByPreflightResponse, the first missing name in sorted order', () => {
    const ex = exchange({
      method: 'PUT',
      preflight: preflight(
        'PUT',
        'content-type,x-b,x-c',
        okPre(['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'Content-Type, X-C']),
      ),
    })
    expect(verdict(ex)).toEqual({
      corsError: 'HeaderDisallowedByPreflightResponse',
      failedParameter: 'x-b',
      blocked: true,
    })
  })
  it("'*' in ACAH lets Authorization through in Chromium 156 (not per the spec): a warning, not a block", () => {
    const a = analyze(
      exchange({
        method: 'GET',
        outcome: { kind: 'unknown' },
        preflight: preflight('GET', 'authorization', okPre(['Access-Control-Allow-Headers', '*'])),
      }),
    )
    expect(a.blocked).toBe(false)
    expect(a.verdict).toBe('at-risk')
    expect(a.findings.map((f) => f.code)).toContain('wildcard-allow-headers-authorization')
  })
  it("'*' in ACAH does not count with credentials", () => {
    const ex = exchange({
      credentials: 'include',
      preflight: preflight(
        'GET',
        'x-a',
        okPre(['Access-Control-Allow-Headers', '*'], ['Access-Control-Allow-Credentials', 'true']),
      ),
    })
    expect(verdict(ex).corsError).toBe('HeaderDisallowedByPreflightResponse')
  })
  it('credentials on the preflight use the actual request mode', () => {
    const ex = exchange({
      credentials: 'include',
      preflight: preflight('PUT', null, response(204, ['Access-Control-Allow-Origin', '*'])),
      method: 'PUT',
    })
    expect(verdict(ex).corsError).toBe('PreflightWildcardOriginNotAllowed')
  })
  it('says when the request headers came from the preflight', () => {
    const a = analyze(exchange({ requestHeaders: [], preflight: preflight('GET', 'x-a', okPre()) }))
    expect(a.findings.map((f) => f.code)).toContain('request-headers-from-preflight')
  })
})

describe('redirects of the actual request', () => {
  it('a redirect response without ACAO fails the CORS check', () => {
    const ex = exchange({
      redirects: [
        {
          fromUrl: API,
          status: 302,
          headers: h(['Location', 'https://other.example/x']),
          location: 'https://other.example/x',
        },
      ],
      response: response(200, ['Access-Control-Allow-Origin', '*']),
    })
    expect(verdict(ex)).toMatchObject({ corsError: 'MissingAllowOriginHeader', failedParameter: '' })
    expect(analyze(ex).stage).toBe('redirect')
  })
  it("after a cross-origin redirect the origin is 'null'", () => {
    const ex = exchange({
      redirects: [
        {
          fromUrl: API,
          status: 302,
          headers: h(['Location', 'https://other.example/x'], ['Access-Control-Allow-Origin', ORIGIN]),
          location: 'https://other.example/x',
        },
      ],
      response: response(200, ['Access-Control-Allow-Origin', ORIGIN]),
    })
    expect(verdict(ex)).toMatchObject({ corsError: 'AllowOriginMismatch', failedParameter: ORIGIN })
    const passes = exchange({
      outcome: OK,
      redirects: [
        {
          fromUrl: API,
          status: 302,
          headers: h(['Access-Control-Allow-Origin', ORIGIN]),
          location: 'https://other.example/x',
        },
      ],
      response: response(200, ['Access-Control-Allow-Origin', 'null']),
    })
    expect(verdict(passes).blocked).toBe(false)
  })
  it('a redirect from one cross-origin URL to another: the finding names the opaque origin it compared', () => {
    const ex = exchange({
      url: 'https://b.example/y',
      redirects: [
        {
          fromUrl: API,
          status: 302,
          headers: h(['Access-Control-Allow-Origin', ORIGIN]),
          location: 'https://b.example/y',
        },
      ],
      response: response(200, ['Access-Control-Allow-Origin', ORIGIN]),
    })
    const a = analyze(ex)
    expect(a.corsError).toBe('AllowOriginMismatch')
    // The cause is the redirect, not the allow-list: the page's origin is never the compared value.
    expect(a.findings[0]?.title).toBe("Origin became 'null' after the cross-origin redirect to b.example")
    expect(a.findings[0]?.explanation).toContain('The redirect from api.example to b.example crossed origins')
    expect(a.findings[0]?.explanation).toContain("compared with 'null'")
    expect(a.findings[0]?.explanation).not.toContain('allow-list does not include')
    // The cures that work: call the target directly (recommended), or '*' there; never the header already sent.
    const d = diagnose(ex)
    expect(d.fixes.map((f) => f.label)).toEqual(['Call the final URL', "'*' at the target"])
    expect(d.fixes.filter((f) => f.recommended).map((f) => f.label)).toEqual(['Call the final URL'])
    expect(d.fixes[0]?.snippet).toContain("fetch('https://b.example/y'")
    expect(d.fixes.some((f) => f.snippet.includes(`Access-Control-Allow-Origin: ${ORIGIN}`))).toBe(false)
    expect(taintingRedirect(ex)).toEqual({ index: 0, from: API, to: 'https://b.example/y' })
  })
  it('a same-origin redirect taints nothing', () => {
    const ex = exchange({
      url: `${API}/next`,
      redirects: [
        {
          fromUrl: API,
          status: 302,
          headers: h(['Access-Control-Allow-Origin', ORIGIN]),
          location: `${API}/next`,
        },
      ],
      response: response(200, ['Access-Control-Allow-Origin', 'https://other.example']),
    })
    expect(taintingRedirect(ex)).toBeNull()
    expect(analyze(ex).findings[0]?.explanation).toContain("the request's origin is")
  })
  it('a Location with user:pass → RedirectContainsCredentials', () => {
    const loc = 'https://u:p@api.example/next'
    const ex = exchange({
      redirects: [
        { fromUrl: API, status: 302, headers: h(['Access-Control-Allow-Origin', ORIGIN]), location: loc },
      ],
    })
    expect(verdict(ex).corsError).toBe('RedirectContainsCredentials')
  })
})

describe('not CORS', () => {
  it.each([
    ['net::ERR_CONNECTION_REFUSED', 'not-cors-connection'],
    ['net::ERR_BLOCKED_BY_CLIENT', 'not-cors-blocked-by-client'],
    ['net::ERR_NAME_NOT_RESOLVED', 'not-cors-dns'],
    ['net::ERR_BLOCKED_BY_CSP', 'not-cors-csp'],
  ])('%s is not a CORS failure', (error, code) => {
    const a = analyze(exchange({ outcome: { kind: 'error', error } }))
    expect(a.verdict).toBe('not-cors')
    expect(a.blocked).toBe(false)
    expect(a.findings[0]?.code).toBe(code)
  })
  it('mixed content', () => {
    const a = analyze({
      ...exchange({}),
      request: { method: 'GET', url: 'http://api.example/x', headers: [] },
    })
    expect(a.findings[0]?.code).toBe('not-cors-mixed-content')
  })
  it('same-origin requests are not CORS at all', () => {
    const a = analyze(exchange({ url: `${ORIGIN}/api`, response: response(200) }))
    expect(a.crossOrigin).toBe(false)
    expect(a.blocked).toBe(false)
  })
  it('a failure that only credentials explain is InvalidAllowCredentials, inferred', () => {
    const a = analyze(exchange({ response: response(200, ['Access-Control-Allow-Origin', ORIGIN]) }))
    expect(a.corsError).toBe('InvalidAllowCredentials')
    expect(a.credentials.inferred).toBe(true)
  })
  it('a failure with clean headers is unknown, not blamed on CORS', () => {
    const a = analyze(
      exchange({
        response: response(
          200,
          ['Access-Control-Allow-Origin', ORIGIN],
          ['Access-Control-Allow-Credentials', 'true'],
        ),
      }),
    )
    expect(a.verdict).toBe('unknown')
    expect(a.blocked).toBe(false)
  })
})

describe('warnings never block', () => {
  it('a CORS header sent twice that still passes is a warning naming both lines', () => {
    const a = analyze(
      exchange({
        outcome: OK,
        response: response(
          200,
          ['Access-Control-Allow-Origin', ORIGIN],
          ['access-control-expose-headers', 'X-Total'],
          ['Access-Control-Expose-Headers', 'X-Total'],
          ['Vary', 'Origin'],
        ),
      }),
    )
    expect(a.verdict).toBe('at-risk')
    const dup = a.findings.find((f) => f.code === 'duplicate-cors-header')
    expect(dup?.title).toBe('access-control-expose-headers is sent 2 times')
    expect(dup?.headers.map((r) => r.index)).toEqual([1, 2])
  })
  it('Vary: Origin missing is an info', () => {
    const a = analyze(
      exchange({ outcome: OK, response: response(200, ['Access-Control-Allow-Origin', ORIGIN]) }),
    )
    expect(a.verdict).toBe('ok')
    expect(a.findings.find((f) => f.code === 'vary-origin-missing')?.severity).toBe('info')
  })
  it('Max-Age above the caps is an info naming both caps: the browser caps it and lets the request through', () => {
    const a = analyze(
      exchange({
        method: 'PUT',
        outcome: OK,
        preflight: preflight(
          'PUT',
          null,
          response(
            204,
            ['Access-Control-Allow-Origin', '*'],
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Max-Age', '100000'],
          ),
        ),
        response: response(200, ['Access-Control-Allow-Origin', '*']),
      }),
    )
    expect(a.verdict).toBe('ok')
    const info = a.findings.find((f) => f.code === 'max-age-above-cap')
    expect(info?.severity).toBe('info')
    expect(info?.explanation).toMatch(/7200.*86400/)
  })
  it('a preflight that was needed but not seen was probably cached', () => {
    const a = analyze(
      exchange({ method: 'PUT', outcome: OK, response: response(200, ['Access-Control-Allow-Origin', '*']) }),
    )
    expect(a.preflight).toEqual({ required: true, seen: false, probablyCached: true })
  })
})

describe('safelisted request headers', () => {
  const pre = (acrh: string) =>
    preflight('POST', acrh, response(204, ['Access-Control-Allow-Origin', ORIGIN]))
  it('JSON content-type needs to be allowed', () => {
    expect(verdict(exchange({ method: 'POST', preflight: pre('content-type') })).failedParameter).toBe(
      'content-type',
    )
  })
  it('without a preflight, request headers decide what is unsafe (wire headers the browser adds are ignored)', () => {
    const a = analyze(
      exchange({
        method: 'POST',
        outcome: OK,
        requestHeaders: [
          ['Origin', ORIGIN],
          ['User-Agent', 'x'],
          ['Accept-Language', 'en'],
          ['Content-Type', 'text/plain;charset=UTF-8'],
          ['Sec-Fetch-Mode', 'cors'],
        ],
        response: response(200, ['Access-Control-Allow-Origin', '*']),
      }),
    )
    expect(a.preflight.required).toBe(false)
  })
})

it('the console sentence names the page origin and URL like Chromium', () => {
  const a = analyze(exchange({ response: response(200) }))
  expect(a.consoleMessage).toBe(
    `Access to fetch at '${API}' from origin '${ORIGIN}' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.`,
  )
})

it('an image seen only by its failure is not called blocked, and says how to re-test it', () => {
  const ex: Exchange = { ...exchange({ requestHeaders: [] }), observed: 'outcome-only' }
  const a = analyze(ex)
  expect(a.blocked).toBe(false)
  expect(a.verdict).toBe('unknown')
  expect(a.findings[0]?.code).toBe('headers-not-captured')
  // Quoted for a shell: the URL is the page's.
  expect(a.findings[0]?.explanation).toContain(`cors-lens check '${API}' --origin '${ORIGIN}'`)
  const hostile = analyze({ ...ex, request: { ...ex.request, url: `${API}?a=1&b=$(id)'` } })
  expect(hostile.findings[0]?.explanation).toContain(`cors-lens check '${API}?a=1&b=$(id)'\\''' --origin`)
})
