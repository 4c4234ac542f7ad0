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
import { analyze, diagnose, FIREFOX_LNA } from '../../src/core/index.ts'
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
    expect(FIREFOX_REASON_FOR.InvalidLocalNetworkAccess).toBeNull()
    // A Local Network Access refusal gets only Firefox's generic CORS line (measured below).
    expect(FIREFOX_REASON_FOR.LocalNetworkAccessPermissionDenied).toBe('CORSDidNotSucceed2')
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

/**
 * Local Network Access in Firefox. Measured in firefox-esr 153.8 with the prefs
 * network.lna.address_space.public.override=127.0.0.1:<the public pages' ports> (and
 * network.lna.address_space.private.override=127.0.0.1:<printer.local's port>), otherwise Firefox's defaults
 * (network.lna.blocking true on 153's default branch) and the site's permissions set to Block: the lines
 * below are what Firefox printed and what the extension's webRequest listener received (no `ip`).
 */
describe('Firefox Local Network Access, in Firefox words', () => {
  const MEASURED = {
    webRequestError: 'NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED',
    corsLine:
      'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:45935/s/ffl-http-ip. (Reason: CORS request did not succeed). Status code: (null).',
    required:
      'Local Network Access permission required: top-level site “http://app.test:34961/runner-public-http”, initiator “http://app.test:34961/runner-public-http”, attempting to access target “http://127.0.0.1:45935/s/ffl-http-ip” (127.0.0.1:45935) via fetch. Secure context: False',
    detected:
      'Local Network Access detected: top-level site “http://app.test:34961/runner-public-http”, initiator “http://app.test:34961/runner-public-http”, accessing target “http://127.0.0.1:45935/s/ffl-http-ip” (127.0.0.1:45935) via fetch. Secure context: False, prompt action: prompt_deny',
    page: 'TypeError: NetworkError when attempting to fetch resource.',
  }
  const fill = (template: string, args: readonly string[]): string =>
    args.reduce((t, a, i) => t.replace(`%${i + 1}$S`, a), template)
  const page = 'http://app.test:34961/runner-public-http'
  const args = [page, page, 'http://127.0.0.1:45935/s/ffl-http-ip', '127.0.0.1', '45935', 'fetch', 'False']

  it("holds Firefox's messages verbatim (they rebuild the measured lines)", () => {
    expect(fill(FIREFOX_LNA.permissionRequired, args)).toBe(MEASURED.required)
    expect(fill(FIREFOX_LNA.detected, [...args, 'prompt_deny'])).toBe(MEASURED.detected)
    expect(FIREFOX_LNA.error).toBe(MEASURED.webRequestError)
  })

  const firefoxEx = (url: string, initiator: string, method = 'GET'): Exchange => ({
    initiator,
    request: { method, url, headers: [{ name: 'Origin', value: initiator }] },
    ...(method === 'PUT'
      ? {
          preflight: {
            request: {
              method: 'OPTIONS',
              url,
              headers: [{ name: 'Access-Control-Request-Method', value: 'PUT' }],
            },
            error: MEASURED.webRequestError,
          },
        }
      : {}),
    outcome: { kind: 'error', error: MEASURED.webRequestError },
    browser: 'firefox',
  })

  it("an http page → 127.0.0.1: the permission (Firefox asks on http pages too), with Firefox's CORS line", () => {
    const a = analyze(firefoxEx('http://127.0.0.1:45935/s/ffl-http-ip', 'http://app.test:34961'))
    // Chromium would say InsecureLocalNetwork here; Firefox prompted and was refused.
    expect(a.corsError).toBe('LocalNetworkAccessPermissionDenied')
    expect(a.consoleMessage).toBe(MEASURED.corsLine)
    const f = a.findings[0]
    expect(f?.title).toBe('Local Network Access permission required (Firefox)')
    expect(f?.explanation).toContain(
      '"loopback-network" (Settings → Privacy & Security → Permissions → Device apps and services)',
    )
    expect(f?.explanation).toContain(
      '“app.test:34961 wants to access other apps and services on this device.”',
    )
    expect(f?.explanation).not.toMatch(/Chrome 142|secure context \(plain http\) may not/)
    expect(f?.firefox?.key).toBe('CORSDidNotSucceed2')
  })

  it('a custom name mapped to loopback (no address, no telling name), preflighted: still named, both permissions', () => {
    const a = analyze(firefoxEx('http://api.test:45935/s/ffl-http-name-put', 'http://app.test:34961', 'PUT'))
    expect(a.corsError).toBe('LocalNetworkAccessPermissionDenied')
    expect(a.stage).toBe('preflight')
    expect(a.findings[0]?.explanation).toContain('the browser did not say which')
    expect(a.findings[0]?.explanation).toContain('Local network devices')
  })

  it("Firefox's cures: the prompt / site permission, network.lna.skip-domains, the LocalNetworkAccess policy", () => {
    const d = diagnose(firefoxEx('http://localhost:45935/s/ffl-https-localhost', 'https://app.test:42303'))
    expect(d.corsError).toBe('LocalNetworkAccessPermissionDenied')
    const text = d.fixes.map((f) => `${f.title}\n${f.snippet}`).join('\n')
    expect(d.fixes[0]?.title).toBe("Allow https://app.test:42303 in Firefox's Local Network Access prompt")
    expect(text).toContain('about:preferences#privacy → Permissions → "Device apps and services"')
    expect(text).toContain('network.lna.skip-domains = localhost')
    expect(text).toContain('"LocalNetworkAccess": {')
    // None of Chrome's names.
    expect(text).not.toMatch(
      /chrome:\/\/|loopbackNetwork|LocalNetworkAccessAllowedForUrls|targetAddressSpace/,
    )
  })

  it('the same error string from Chromium is untouched: Chromium keeps its own names', () => {
    const chromium: Exchange = {
      ...firefoxEx('http://127.0.0.1:1/x', 'http://app.test:2'),
      outcome: { kind: 'error', error: 'net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS' },
      browser: 'chromium',
    }
    expect(analyze(chromium).corsError).toBe('InsecureLocalNetwork')
  })
})
