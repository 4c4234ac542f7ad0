/**
 * Local Network Access from what capture sees. The differential test grades the engine against Chromium on
 * the lab's LNA scenarios (names that tell the space: 127.0.0.1, localhost, printer.local); these cases
 * cover what the lab cannot reach — the extension's server address (webRequest `ip`) deciding where a name
 * says nothing — and the cures.
 */
import { describe, expect, it } from 'vitest'
import type { Exchange } from '../../src/core/exchange.ts'
import { analyze, diagnose } from '../../src/core/index.ts'
import { addressSpaceOf } from '../../src/core/local-network.ts'
import { h } from './exchange-builders.ts'

function blocked(initiator: string, url: string, extra: Partial<Exchange> = {}): Exchange {
  return {
    initiator,
    request: { method: 'GET', url, headers: [] },
    // What the extension sees on the request itself in Chromium 156.
    outcome: { kind: 'error', error: 'net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS' },
    browser: 'chromium',
    ...extra,
  }
}

describe('address spaces', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['[::1]', 'loopback'],
    ['localhost', 'loopback'],
    ['dev.localhost', 'loopback'],
    ['10.1.2.3', 'local'],
    ['172.20.0.1', 'local'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'local'],
    ['169.254.1.1', 'local'],
    ['[fd00::1]', 'local'],
    ['[fe80::1]', 'local'],
    ['printer.local', 'local'],
    ['8.8.8.8', 'public'],
    ['api.example', null],
    // IANA special-purpose registry, https://www.iana.org/assignments/iana-ipv4-special-registry/
    ['100.64.0.1', 'local'], // Shared Address Space (RFC 6598): CGNAT, Tailscale
    ['100.127.255.254', 'local'],
    ['100.128.0.1', 'public'],
    ['198.18.0.1', 'local'], // Benchmarking (RFC 2544): Clash/Surge fake-IP
    ['198.19.255.254', 'local'],
    ['198.20.0.1', 'public'],
  ])('%s → %s', (host, space) => {
    expect(addressSpaceOf(host)).toBe(space)
  })
})

describe('LNA verdicts', () => {
  it('a name that says nothing: the address the browser connected to decides (public → local)', () => {
    const a = analyze(
      blocked('https://shop.example', 'https://router.example/api', { remoteAddress: '192.168.0.1' }),
    )
    expect(a.corsError).toBe('LocalNetworkAccessPermissionDenied')
    expect(a.consoleMessage).toContain('access the `local` address space')
    expect(a.findings[0]?.explanation).toContain('public → local')
    expect(a.findings[0]?.explanation).toContain('by the address the browser connected to')
  })

  it('a local page calling loopback crosses local → loopback', () => {
    const a = analyze(blocked('http://192.168.1.5:8080', 'http://localhost:3000/api'))
    expect(a.corsError).toBe('InsecureLocalNetwork')
    expect(a.summary).toContain('local → loopback')
  })

  it('a .local name the browser found on loopback: the declared targetAddressSpace did not match', () => {
    const a = analyze(
      blocked('https://app.example', 'http://printer.local/status', { remoteAddress: '127.0.0.1' }),
    )
    expect(a.corsError).toBe('InvalidLocalNetworkAccess')
    expect(a.consoleMessage).toContain(
      'target IP address space of `local` yet the resource is in address space `loopback`',
    )
  })

  it('no crossing (loopback page to loopback API): not an LNA block', () => {
    const a = analyze(blocked('http://localhost:5173', 'http://127.0.0.1:3000/api'))
    expect(a.corsError).toBeNull()
  })

  it('says the legacy Access-Control-Allow-Private-Network header does nothing', () => {
    const a = analyze({
      initiator: 'https://app.example',
      request: { method: 'GET', url: 'http://127.0.0.1:3000/api', headers: [] },
      response: {
        status: 200,
        headers: h(['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Private-Network', 'true']),
      },
      outcome: { kind: 'ok' },
    })
    expect(a.findings.map((f) => f.code)).toContain('private-network-header-ignored')
  })
})

describe('the browser names the LNA block, whatever the host is called', () => {
  it.each(['api.test', 'dev.myapp', '127.0.0.1.nip.io', 'jira.corp'])('%s from a secure page', (host) => {
    const a = analyze(blocked('https://shop.example', `https://${host}/api`))
    expect(a.corsError).toBe('LocalNetworkAccessPermissionDenied')
    expect(a.findings[0]?.explanation).toContain('a more private address (the browser did not say which)')
  })

  it('an http page: InsecureLocalNetwork', () => {
    expect(analyze(blocked('http://shop.example', 'http://api.test/x')).corsError).toBe(
      'InsecureLocalNetwork',
    )
  })

  it('a bare net::ERR_FAILED to a name that says nothing is not called LNA', () => {
    const a = analyze(
      blocked('https://shop.example', 'https://api.test/x', {
        outcome: { kind: 'error', error: 'net::ERR_FAILED' },
      }),
    )
    expect(a.corsError).not.toBe('LocalNetworkAccessPermissionDenied')
  })
})

describe('a preflighted request to a name that says nothing (what webRequest shows)', () => {
  // Chromium 156 webRequest, measured (test/lab/local-network.ts): the preflight always ends in a bare
  // net::ERR_FAILED; the actual request carries the real error — bare net::ERR_FAILED only for LNA.
  const put = (actual: string): Exchange =>
    blocked('http://shop.example', 'http://api.devbox.test:8080/items', {
      request: { method: 'PUT', url: 'http://api.devbox.test:8080/items', headers: [] },
      preflight: {
        request: { method: 'OPTIONS', url: 'http://api.devbox.test:8080/items', headers: [] },
        error: 'net::ERR_FAILED',
      },
      outcome: { kind: 'error', error: actual },
    })

  it('both ended in net::ERR_FAILED, no answer: the browser refused the preflight, LNA', () => {
    const a = analyze(put('net::ERR_FAILED'))
    expect(a.corsError).toBe('InsecureLocalNetwork')
    expect(a.findings[0]?.explanation).toContain('refused its preflight before any answer')
    // The console sentence cannot know Chromium's space word: it names both, never an empty one.
    expect(a.consoleMessage).toContain('more-private address space `loopback or local`.')
  })

  it.each(['net::ERR_CONNECTION_REFUSED', 'net::ERR_NAME_NOT_RESOLVED'])(
    'the request says %s: not LNA',
    (error) => {
      expect(analyze(put(error)).corsError).toBeNull()
    },
  )

  it('a preflight that got an answer is judged by its headers, not as LNA', () => {
    const ex = put('net::ERR_FAILED')
    const a = analyze({
      ...ex,
      preflight: {
        ...(ex.preflight as NonNullable<Exchange['preflight']>),
        response: { status: 404, headers: [] },
      },
    })
    expect(a.corsError).not.toBe('InsecureLocalNetwork')
  })

  it('Firefox ends preflights otherwise: not inferred there', () => {
    expect(analyze({ ...put('net::ERR_FAILED'), browser: 'firefox' }).corsError).not.toBe(
      'InsecureLocalNetwork',
    )
  })
})

describe('WebSockets (Chrome 147+): no CORS request, but under LNA', () => {
  const ws = (initiator: string, url: string): Exchange => ({
    initiator,
    request: { method: 'GET', url, headers: [] },
    outcome: { kind: 'error', error: 'net::ERR_FAILED' },
    api: 'websocket',
    browser: 'chromium',
  })

  it.each([
    ['http://shop.example', 'ws://127.0.0.1:9000/live', 'InsecureLocalNetwork'],
    ['http://shop.example', 'ws://localhost:9000/live', 'InsecureLocalNetwork'],
    ['https://shop.example', 'ws://127.0.0.1:9000/live', 'LocalNetworkAccessPermissionDenied'],
    ['https://shop.example', 'wss://printer.local/live', 'LocalNetworkAccessPermissionDenied'],
  ])('%s → %s: %s', (page, url, error) => {
    const a = analyze(ws(page, url))
    expect(a.blocked).toBe(true)
    expect(a.corsError).toBe(error)
    expect(a.findings[0]?.title).toContain('(WebSocket)')
    expect(a.consoleMessage).toBe(`WebSocket connection to '${url}' failed: `)
  })

  it("DevTools' HAR shape (status 0, no error): named from the spaces too", () => {
    const a = analyze({
      ...ws('http://shop.example', 'ws://localhost:9000/live'),
      outcome: { kind: 'unknown' },
    })
    expect(a.corsError).toBe('InsecureLocalNetwork')
  })

  it('any other WebSocket is not CORS', () => {
    expect(analyze(ws('http://shop.example', 'ws://api.test/live')).verdict).toBe('not-cors')
    expect(analyze(ws('http://127.0.0.1:3000', 'ws://127.0.0.1:9000/live')).verdict).toBe('not-cors')
  })
})

describe('VPN and fake-IP addresses', () => {
  it.each([
    ['100.100.1.2', 'CGNAT'],
    ['198.18.0.7', 'fake-IP'],
  ])('%s is named, with what to do', (ip, word) => {
    const a = analyze(blocked('https://shop.example', 'https://api.example/x', { remoteAddress: ip }))
    expect(a.corsError).toBe('LocalNetworkAccessPermissionDenied')
    expect(a.findings[0]?.explanation).toContain(word)
    expect(a.findings[0]?.explanation).toContain("exclude its domain from the VPN's fake-IP range")
  })
})

describe('mixed content only where it can be', () => {
  const refused = (url: string, error: string) =>
    analyze({
      initiator: 'https://app.example',
      request: { method: 'GET', url, headers: [] },
      outcome: { kind: 'error', error },
      browser: 'chromium',
    })

  it.each([
    ['http://localhost:3000/api', 'net::ERR_CONNECTION_REFUSED', 'not-cors-connection'],
    ['http://127.0.0.1:3000/api', 'net::ERR_CONNECTION_REFUSED', 'not-cors-connection'],
    ['http://api.example/x', 'net::ERR_NAME_NOT_RESOLVED', 'not-cors-dns'],
    ['http://api.example/x', 'net::ERR_CONNECTION_REFUSED', 'not-cors-connection'],
    ['http://api.example/x', 'net::ERR_BLOCKED_BY_CLIENT', 'not-cors-mixed-content'],
  ])('%s failing with %s → %s', (url, error, code) => {
    expect(refused(url, error).findings[0]?.code).toBe(code)
  })
})

describe('LNA cures', () => {
  it('permission denied: site settings first, then delegation and policy', () => {
    const d = diagnose(blocked('https://app.example', 'http://127.0.0.1:3000/api'))
    expect(d.fixes[0]?.label).toBe('User: allow in site settings')
    expect(d.fixes[0]?.snippet).toContain('chrome://settings/content/loopbackNetwork')
    const all = d.fixes.map((f) => f.snippet).join('\n')
    expect(all).toContain('allow="loopback-network; local-network-access"')
    expect(all).toContain('LocalNetworkAccessAllowedForUrls')
    // Chrome 146's per-space policy, and the settings page's own words in Chromium 156 ("Apps on device").
    expect(all).toContain('LoopbackNetworkAllowedForUrls')
    expect(d.fixes[0]?.snippet).toContain('("Apps on device")')
    expect(d.fixes[0]?.snippet).toContain('"Allowed to access other apps and services on this device"')
  })

  it('a local-network target gets the local-network names', () => {
    const d = diagnose(blocked('https://app.example', 'https://printer.local/status'))
    const all = d.fixes.map((f) => f.snippet).join('\n')
    expect(all).toContain('LocalNetworkAllowedForUrls')
    expect(all).toContain('allow="local-network; local-network-access"')
    expect(d.fixes[0]?.snippet).toContain('"Allowed to access other devices on your local network"')
  })

  it('a WebSocket from an http page: the https cure keeps the WebSocket call', () => {
    const d = diagnose({
      ...blocked('http://app.example', 'ws://127.0.0.1:9000/live'),
      outcome: { kind: 'error', error: 'net::ERR_FAILED' },
      api: 'websocket',
    })
    expect(d.fixes[0]?.snippet).toContain("new WebSocket('ws://127.0.0.1:9000/live')")
  })

  it('a plain-http device from an https page: targetAddressSpace', () => {
    const d = diagnose(
      blocked('https://app.example', 'http://printer.local/status', { remoteAddress: '192.168.1.20' }),
    )
    expect(d.fixes.map((f) => f.snippet).join('\n')).toContain("targetAddressSpace: 'local'")
    expect(d.fixes[0]?.snippet).toContain('chrome://settings/content/localNetwork')
  })

  it('insecure page: serve it over https first', () => {
    const d = diagnose(blocked('http://app.example', 'http://localhost:3000/api'))
    expect(d.fixes[0]?.title).toBe('Serve the page over https')
  })
})

describe('RedirectContainsCredentials', () => {
  it('gets a fix that never repeats the password', () => {
    const location = 'http://user:secret@other.example/next'
    const d = diagnose({
      initiator: 'http://app.example',
      request: { method: 'GET', url: 'http://api.example/x', headers: [] },
      redirects: [
        {
          fromUrl: 'http://api.example/x',
          status: 302,
          headers: h(['Location', location], ['Access-Control-Allow-Origin', '*']),
          location,
        },
      ],
      outcome: { kind: 'error', error: 'net::ERR_FAILED' },
    })
    expect(d.corsError).toBe('RedirectContainsCredentials')
    expect(d.fixes[0]?.snippet).toContain("fetch('http://other.example/next'")
    expect(d.fixes.map((f) => f.snippet).join('\n')).not.toContain('secret')
  })
})
