/**
 * Local Network Access from what capture sees. The differential test grades the engine against Chromium on
 * the lab's LNA scenarios (names that tell the space: 127.0.0.1, localhost, printer.local); these cases
 * cover what the lab cannot reach — the extension's server address (webRequest `ip`) deciding where a name
 * says nothing — and the cures.
 */
import { describe, expect, it } from 'vitest'
import type { Exchange } from '../../src/core/exchange.ts'
import { analyze, diagnose } from '../../src/core/index.ts'
import {
  addressSpaceOf,
  type PlannedRequest,
  predictedLocalNetworkExchange,
  vpnRangeOf,
} from '../../src/core/local-network.ts'
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

describe('predicted blocks (cors-lens check: where the page and the target are, before anything is sent)', () => {
  const plan = (p: Partial<PlannedRequest>): PlannedRequest => ({
    origin: 'https://app.example',
    method: 'GET',
    url: 'https://api.test/x',
    originSpace: null,
    targetAddress: '127.0.0.1',
    ...p,
  })

  it('a name that says nothing, resolved onto loopback: the block a live one gets, by the resolved address', () => {
    const ex = predictedLocalNetworkExchange(plan({}))
    expect(ex?.outcome).toEqual({ kind: 'error', error: 'net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS' })
    const d = diagnose(ex as Exchange)
    expect(d.corsError).toBe('LocalNetworkAccessPermissionDenied')
    expect(d.findings[0]?.explanation).toContain('(by the address its host name resolves to)')
    expect(d.findings[0]?.explanation).toContain('taken to be on a public address')
    expect(d.fixes[0]?.snippet).toContain('chrome://settings/content/loopbackNetwork')
  })

  it('an IP literal or localhost: known by the name, not said to be resolved', () => {
    for (const url of ['http://127.0.0.1:3000/x', 'http://localhost:3000/x']) {
      const a = analyze(predictedLocalNetworkExchange(plan({ url })) as Exchange)
      expect(a.corsError).toBe('LocalNetworkAccessPermissionDenied')
      expect(a.findings[0]?.explanation).not.toContain('resolves to')
    }
  })

  it('the page space stated: it decides, the page name does not', () => {
    const local = plan({ origin: 'http://app.example', originSpace: 'local' })
    const a = analyze(predictedLocalNetworkExchange(local) as Exchange)
    expect(a.corsError).toBe('InsecureLocalNetwork')
    expect(a.summary).toContain('local → loopback')
    expect(a.findings[0]?.explanation).toContain('is on the local network')
    // A page stated to be on loopback (a dev page on localhost's name, say) crosses nothing.
    expect(predictedLocalNetworkExchange(plan({ originSpace: 'loopback' }))).toBeNull()
    // And a page named localhost is loopback by its name.
    expect(predictedLocalNetworkExchange(plan({ origin: 'http://localhost:5173' }))).toBeNull()
  })

  it('no prediction when the target does not resolve, or is public', () => {
    expect(predictedLocalNetworkExchange(plan({ targetAddress: null }))).toBeNull()
    expect(predictedLocalNetworkExchange(plan({ targetAddress: '93.184.216.34' }))).toBeNull()
  })

  it('an https page calling a plain-http name: mixed content stops it first (Chromium 156)', () => {
    const ex = predictedLocalNetworkExchange(plan({ url: 'http://api.test/x' })) as Exchange
    const a = analyze(ex)
    expect(a.corsError).toBeNull()
    expect(a.verdict).toBe('not-cors')
    expect(a.findings[0]?.code).toBe('not-cors-mixed-content')
    // Chromium names no error for it: nothing is quoted.
    expect(a.findings[0]?.explanation).not.toContain('The browser said')
    // A loopback URL is potentially trustworthy: no mixed content, the LNA block.
    const literal = predictedLocalNetworkExchange(plan({ url: 'http://127.0.0.1:3000/x' })) as Exchange
    expect(analyze(literal).corsError).toBe('LocalNetworkAccessPermissionDenied')
  })

  it.each([
    ['100.64.1.2', 'cgnat', 'shared (CGNAT) address'],
    ['198.19.0.5', 'fake-ip', 'fake-IP address'],
  ])(
    'a name resolved to %s: the VPN words, as resolved (the browser did not connect)',
    (ip, range, words) => {
      expect(vpnRangeOf(ip)).toBe(range)
      const ex = predictedLocalNetworkExchange(plan({ targetAddress: ip })) as Exchange
      const text = analyze(ex).findings[0]?.explanation ?? ''
      expect(text).toContain(`The name resolves to ${ip}, a ${words}`)
      expect(text).not.toContain('The browser connected to')
      expect(text).toContain("exclude its domain from the VPN's fake-IP range")
    },
  )

  it('an IP literal in such a range: the target is named as it is', () => {
    const ex = predictedLocalNetworkExchange(
      plan({ url: 'https://100.64.1.2/x', targetAddress: '100.64.1.2' }),
    )
    const text = analyze(ex as Exchange).findings[0]?.explanation ?? ''
    expect(text).toContain('The target 100.64.1.2 is a shared (CGNAT) address')
    expect(text).not.toContain('resolves to')
  })

  it('vpnRangeOf: only the two ranges, IPv4-mapped too', () => {
    expect(vpnRangeOf('::ffff:100.64.0.1')).toBe('cgnat')
    expect(vpnRangeOf('100.128.0.1')).toBeNull()
    expect(vpnRangeOf('198.20.0.1')).toBeNull()
    expect(vpnRangeOf(undefined)).toBeNull()
  })
})

describe('a live exchange with the page space known (initiatorAddressSpace)', () => {
  it('a page on the local network by its address, not its name', () => {
    const a = analyze(
      blocked('http://intranet.example', 'http://127.0.0.1:3000/api', { initiatorAddressSpace: 'local' }),
    )
    expect(a.summary).toContain('local → loopback')
  })
})
