/**
 * Firefox's words. The console lines below are verbatim from Firefox ESR 153.8 running the lab (BiDi
 * log entries, collected by test/harness/firefox.ts); the live comparison is test/e2e/firefox.test.ts.
 */
import { describe, expect, it } from 'vitest'
import type { Exchange } from '../../src/core/exchange.ts'
import {
  FIREFOX_REASON_FOR,
  FIREFOX_REASON_KEYS,
  FIREFOX_REASONS,
  firefoxConsoleMessage,
  firefoxReason,
  firefoxReasonKey,
  firstInvalidToken,
} from '../../src/core/firefox-reasons.ts'
import { analyze } from '../../src/core/index.ts'
import { parseFirefoxCorsMessage } from '../harness/firefox.ts'

const REAL = [
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:43933/s/missing-acao. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.',
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘http://api.app.test:42027/s/cred-star’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).',
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:43933/s/pf-missing-acao. (Reason: CORS request did not succeed). Status code: (null).',
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:43933/s/acah-invalid-colon. (Reason: invalid token ‘X-Custom: yes’ in CORS header ‘Access-Control-Allow-Headers’).',
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:43933/s/header-xhr. (Reason: header ‘x-requested-with’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).',
]

describe("Firefox's console reasons", () => {
  it('has the 16 reasons of security.properties, each matched back from its own text', () => {
    expect(FIREFOX_REASON_KEYS).toHaveLength(16)
    for (const key of FIREFOX_REASON_KEYS)
      expect(firefoxReasonKey(FIREFOX_REASONS[key].reason.replace('%2$S', 'x'))).toBe(key)
    expect(firefoxReasonKey('something else')).toBeNull()
  })

  it('parses real console lines and rebuilds each one exactly', () => {
    for (const line of REAL) {
      const parsed = parseFirefoxCorsMessage(`Error: ${line}`)
      expect(parsed?.text).toBe(line)
      const key = firefoxReasonKey(parsed?.reason ?? '')
      expect(key, line).not.toBeNull()
      if (!key || !parsed) continue
      const status = parsed.status === null || parsed.status === '(null)' ? null : Number(parsed.status)
      expect(firefoxConsoleMessage({ key, text: parsed.reason, mdn: '' }, parsed.url, status)).toBe(line)
    }
  })

  it('maps every CorsError Firefox can report to a reason with the MDN page Firefox links', () => {
    expect(firefoxReason('MultipleAllowOriginValues')).toEqual({
      key: 'CORSMultipleAllowOriginNotAllowed',
      text: 'Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed',
      mdn: 'https://developer.mozilla.org/docs/Web/HTTP/Guides/CORS/Errors/CORSMultipleAllowOriginNotAllowed',
    })
    expect(firefoxReason('InvalidAllowCredentials')?.mdn).toMatch(/CORSMissingAllowCredentials$/)
    expect(FIREFOX_REASON_FOR.InsecureLocalNetwork).toBeNull()
  })
})

describe('the engine speaks Firefox for a Firefox exchange', () => {
  const base: Exchange = {
    initiator: 'http://app.test:8001',
    request: {
      method: 'GET',
      url: 'http://api.test:8080/x',
      headers: [{ name: 'Origin', value: 'http://app.test:8001' }],
    },
    outcome: { kind: 'ok' },
    browser: 'firefox',
  }
  it('a completion with merged duplicate ACAO is still MultipleAllowOriginValues, in Firefox words', () => {
    const a = analyze({
      ...base,
      response: {
        status: 200,
        headers: [{ name: 'Access-Control-Allow-Origin', value: '*, http://app.test:8001' }],
      },
    })
    expect(a.corsError).toBe('MultipleAllowOriginValues')
    // One line with a space and no comma is one value to Firefox: it does not match (Chromium: multiple).
    const spaced = {
      ...base,
      response: {
        status: 200,
        headers: [{ name: 'Access-Control-Allow-Origin', value: 'http://app.test:8001 http://b.test' }],
      },
    }
    expect(FIREFOX_REASON_FOR[analyze(spaced).corsError ?? 'DisallowedByMode']).toBe(
      'CORSAllowOriginNotMatchingOrigin',
    )
    expect(
      analyze({ ...spaced, browser: 'chromium', outcome: { kind: 'error', error: 'net::ERR_FAILED' } })
        .corsError,
    ).toBe('MultipleAllowOriginValues')
    expect(a.consoleMessage).toBe(
      'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:8080/x. (Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).',
    )
  })
  it('names the ACAO value and the status as Firefox prints them', () => {
    const mismatch = analyze({
      ...base,
      response: {
        status: 200,
        headers: [{ name: 'Access-Control-Allow-Origin', value: 'http://evil.test' }],
      },
    })
    expect(mismatch.consoleMessage).toContain(
      '(Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘http://evil.test’).',
    )
    const missing = analyze({ ...base, response: { status: 404, headers: [] } })
    expect(missing.consoleMessage).toMatch(/missing\)\. Status code: 404\.$/)
    // The same completion in Chromium is final: the browser let it through.
    expect(analyze({ ...base, browser: 'chromium', response: { status: 404, headers: [] } }).blocked).toBe(
      false,
    )
  })
  it('a refused cross-origin redirect (NS_ERROR_NET_ON_RECEIVING_FROM at the next URL) is a CORS failure', () => {
    const a = analyze({
      ...base,
      request: { method: 'GET', url: 'http://other.test:1/next', headers: [] },
      redirects: [
        {
          fromUrl: 'http://api.test:8080/x',
          status: 302,
          headers: [{ name: 'Location', value: 'http://other.test:1/next' }],
          location: 'http://other.test:1/next',
        },
      ],
      outcome: { kind: 'error', error: 'NS_ERROR_NET_ON_RECEIVING_FROM' },
    })
    expect(a.corsError).toBe('MissingAllowOriginHeader')
    expect(a.stage).toBe('redirect')
  })
  it('the refusal error varies (NS_ERROR_UNEXPECTED too); a user:pass Location is RedirectContainsCredentials', () => {
    const a = analyze({
      ...base,
      request: { method: 'GET', url: 'http://u:p@other.test:1/next', headers: [] },
      redirects: [
        {
          fromUrl: 'http://api.test:8080/x',
          status: 302,
          headers: [
            { name: 'Location', value: 'http://u:p@other.test:1/next' },
            { name: 'Access-Control-Allow-Origin', value: 'http://app.test:8001' },
          ],
          location: 'http://u:p@other.test:1/next',
        },
      ],
      outcome: { kind: 'error', error: 'NS_ERROR_UNEXPECTED' },
    })
    expect(a.corsError).toBe('RedirectContainsCredentials')
    expect(a.consoleMessage).toMatch(/\(Reason: CORS request did not succeed\)\. Status code: \(null\)\.$/)
  })
  it("reads a redirected preflight's ACAO first, as Firefox does (Chromium refuses the redirect first)", () => {
    const ex: Exchange = {
      ...base,
      request: { method: 'PUT', url: 'http://api.test:8080/x', headers: [] },
      preflight: {
        request: {
          method: 'OPTIONS',
          url: 'http://api.test:8080/x',
          headers: [{ name: 'Access-Control-Request-Method', value: 'PUT' }],
        },
        response: { status: 301, headers: [{ name: 'Location', value: 'http://api.test:8080/y' }] },
        error: 'NS_ERROR_DOM_BAD_URI',
      },
      outcome: { kind: 'error', error: 'NS_ERROR_DOM_BAD_URI' },
    }
    expect(analyze(ex).corsError).toBe('PreflightMissingAllowOriginHeader')
    expect(analyze({ ...ex, browser: 'chromium' }).corsError).toBe('PreflightDisallowedRedirect')
  })
})

it('names the element the allow-list check refused, with the same trimming (NBSP is not HTTP whitespace)', () => {
  expect(firstInvalidToken('GET,\u00a0PUT')).toBe('\u00a0PUT')
  expect(firstInvalidToken('GET, PUT ,, x y')).toBe('x y')
  expect(firstInvalidToken('GET, PUT')).toBe('')
})
