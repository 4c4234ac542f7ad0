// `cors-lens check` predicts Chrome's Local Network Access block (Chrome 142+) against real loopback servers.
// Chromium's own CorsErrors for the same kinds of call: test/e2e/check-lna.test.ts.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CheckJsonEntry, runCheck } from '../../src/cli/check.ts'
import { send } from '../../src/cli/http.ts'
import { Output } from '../../src/cli/terminal.ts'
import { localNetworkScenarios } from '../lab/local-network.ts'
import { API_HOST, DEVBOX_HOST, type Lab, LOCAL_HOST, NIP_HOST, startLab } from '../lab/server.ts'
import { type RunResult, runInProcess } from './run.ts'

let server: Server
let port = 0
let hits: string[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    const pna = req.url === '/pna' ? ['Access-Control-Allow-Private-Network', 'true'] : []
    res.writeHead(200, ['Access-Control-Allow-Origin', '*', 'Access-Control-Allow-Methods', 'PUT', ...pna])
    res.end('ok')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

const at = (host: string, path = '/ok'): string => `http://${host}:${port}${path}`

async function json(args: readonly string[]): Promise<{ r: RunResult; entry: CheckJsonEntry }> {
  const r = await runInProcess(['check', ...args, '--json'])
  return { r, entry: JSON.parse(r.stdout) as CheckJsonEntry }
}

describe('a less private page calling a more private address: the block Chrome 142+ gives', () => {
  it('a public https page → 127.0.0.1: LocalNetworkAccessPermissionDenied, exit 1, the CORS checks still run', async () => {
    hits = []
    const { r, entry } = await json([
      at('127.0.0.1'),
      '--origin',
      'https://app.example',
      '--origin-address',
      'public',
      '--no-probe',
    ])
    expect(r.code).toBe(1)
    const lna = entry.localNetworkAccess
    expect(lna).toMatchObject({
      blocked: true,
      corsError: 'LocalNetworkAccessPermissionDenied',
      page: { space: 'public', basis: 'stated' },
      target: { address: '127.0.0.1', space: 'loopback', vpnRange: null },
    })
    expect(lna.summary).toContain('public → loopback')
    expect(lna.consoleMessage).toContain('access the `loopback` address space')
    // The engine's cures: the permission, by its name in Chrome's settings.
    expect(lna.fixes.find((f) => f.recommended)?.snippet).toContain(
      'chrome://settings/content/loopbackNetwork',
    )
    // Besides: the request went out and CORS allows it (ACAO *).
    expect(hits).toEqual(['GET /ok'])
    expect(entry.blocked).toBe(false)
    expect(entry.corsError).toBeNull()
  })

  it('an http page → 127.0.0.1: InsecureLocalNetwork (the other CorsError), cured by https first', async () => {
    const { r, entry } = await json([
      at('127.0.0.1'),
      '--origin',
      'http://app.example',
      '--origin-address',
      'public',
    ])
    expect(r.code).toBe(1)
    expect(entry.localNetworkAccess.corsError).toBe('InsecureLocalNetwork')
    expect(entry.localNetworkAccess.fixes.find((f) => f.recommended)?.title).toBe('Serve the page over https')
  })

  it('the page host does not resolve and no --origin-address: taken to be public, said in one line', async () => {
    const { r, entry } = await json([at('127.0.0.1'), '--origin', 'https://shop.invalid'])
    expect(r.code).toBe(1)
    expect(entry.localNetworkAccess).toMatchObject({
      corsError: 'LocalNetworkAccessPermissionDenied',
      page: { space: 'public', basis: 'assumed', address: null },
    })
    const notes = r.stderr.split('\n').filter(Boolean)
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatch(
      /shop\.invalid.*does not resolve.*taken to be on a public address.*--origin-address/,
    )
    expect(entry.localNetworkAccess.findings[0]?.explanation).toContain('taken to be on a public address')
  })

  it('a name that says nothing, resolved by --resolve onto loopback: the same block, by the resolved address', async () => {
    const { r, entry } = await json([
      at('api.test'),
      '--origin',
      'http://app.example',
      '--origin-address',
      'public',
      '--resolve',
      'api.test:127.0.0.1',
    ])
    expect(r.code).toBe(1)
    expect(entry.localNetworkAccess.corsError).toBe('InsecureLocalNetwork')
    expect(entry.localNetworkAccess.findings[0]?.explanation).toContain(
      'this machine (loopback: localhost, 127.0.0.1, ::1) (by the address its host name resolves to)',
    )
  })

  it('an https page → a plain-http name on loopback: mixed content stops it before LNA (as in Chromium)', async () => {
    const { r, entry } = await json([
      at('api.test'),
      '--origin',
      'https://app.example',
      '--origin-address',
      'public',
      '--resolve',
      'api.test:127.0.0.1',
    ])
    expect(r.code).toBe(1)
    expect(entry.localNetworkAccess).toMatchObject({ blocked: true, corsError: null })
    expect(entry.localNetworkAccess.findings[0]?.code).toBe('not-cors-mixed-content')
  })

  it('a page stated on the local network (an IP) → loopback: local → loopback', async () => {
    const { entry } = await json([
      at('127.0.0.1'),
      '--origin',
      'http://intranet.example',
      '--origin-address',
      '10.1.2.3',
    ])
    expect(entry.localNetworkAccess).toMatchObject({
      corsError: 'InsecureLocalNetwork',
      page: { space: 'local', basis: 'stated', address: '10.1.2.3' },
    })
    expect(entry.localNetworkAccess.summary).toContain('local → loopback')
  })

  it('Access-Control-Allow-Private-Network: true does not help (Chrome 142+ ignores it): still blocked', async () => {
    const { r, entry } = await json([
      at('127.0.0.1', '/pna'),
      '--origin',
      'https://app.example',
      '--origin-address',
      'public',
    ])
    expect(r.code).toBe(1)
    expect(entry.localNetworkAccess.corsError).toBe('LocalNetworkAccessPermissionDenied')
    expect(entry.findings.map((f) => f.code)).toContain('private-network-header-ignored')
  })

  it('human output: the block first, then the CORS checks, then both verdicts', async () => {
    const r = await runInProcess([
      'check',
      at('127.0.0.1'),
      '--origin',
      'https://app.example',
      '--origin-address',
      'public',
    ])
    expect(r.code).toBe(1)
    const out = r.stdout
    const order = [
      'Before any CORS check (Chrome 142+ Local Network Access):',
      'BLOCKED — LocalNetworkAccessPermissionDenied',
      'Other cures:',
      'Request: GET',
      'A browser would BLOCK this before sending it: Chrome 142+ Local Network Access',
      'Once it is let through, a browser would let the page read this response.',
    ].map((s) => out.indexOf(s))
    expect(order.every((i) => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
  })
})

describe('no block', () => {
  it('a page on this machine (localhost resolves to loopback) → 127.0.0.1: CORS alone decides, exit 0', async () => {
    const { r, entry } = await json([at('127.0.0.1'), '--origin', 'http://localhost:5173'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(entry.localNetworkAccess).toMatchObject({
      blocked: false,
      corsError: null,
      page: { space: 'loopback', basis: 'resolved', address: '127.0.0.1' },
      target: { space: 'loopback' },
    })
    const human = await runInProcess(['check', at('127.0.0.1'), '--origin', 'http://localhost:5173'])
    expect(human.stdout).not.toContain('Local Network Access')
  })

  it('--origin-address loopback: the same', async () => {
    const { r, entry } = await json([
      at('127.0.0.1'),
      '--origin',
      'https://app.example',
      '--origin-address',
      'loopback',
    ])
    expect(r.code).toBe(0)
    expect(entry.localNetworkAccess.blocked).toBe(false)
  })

  it.each(['nearby', '300.1.2.3', ''])('--origin-address %j is refused (exit 2, usage)', async (value) => {
    const r = await runInProcess([
      'check',
      at('127.0.0.1'),
      '--origin',
      'https://app.example',
      '--origin-address',
      value,
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--origin-address .*public, local, loopback or an IP address/)
  })
})

describe('the server cannot be reached: the prediction still stands', () => {
  async function closedPort(): Promise<number> {
    const s = createServer()
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
    const p = (s.address() as AddressInfo).port
    await new Promise<void>((r) => s.close(() => r()))
    return p
  }

  it('human: the block is printed, then the network error (one stderr line); exit 1, not 2', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`
    const r = await runInProcess([
      'check',
      url,
      '--origin',
      'https://app.example',
      '--origin-address',
      'public',
    ])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('BLOCKED — LocalNetworkAccessPermissionDenied')
    expect(r.stdout).toContain('Once it is let through: not known, the server did not answer.')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/connection refused/)
  })

  it('--json: the entry is the browser record of the refused request', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`
    const { r, entry } = await json([url, '--origin', 'https://app.example', '--origin-address', 'public'])
    expect(r.code).toBe(1)
    expect(entry).toMatchObject({
      blocked: true,
      corsError: 'LocalNetworkAccessPermissionDenied',
      error: 'net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS',
      localNetworkAccess: { blocked: true, corsError: 'LocalNetworkAccessPermissionDenied' },
    })
  })
})

describe('a public name resolved into a VPN or fake-IP range', () => {
  /**
   * The name resolves (--resolve) into the range, and the connection is carried to the loopback server, as a
   * fake-IP proxy carries it to the real one: no packet goes to 100.64.0.0/10 or 198.18.0.0/15 from a test.
   */
  async function viaProxy(address: string): Promise<{ code: number; entry: CheckJsonEntry }> {
    const out: string[] = []
    const io = { out: (t: string) => out.push(t), err: () => {} }
    const output = new Output(io)
    const proxy = (o: Parameters<typeof send>[0]) =>
      send({ ...o, resolve: new Map([['api.example', '127.0.0.1']]) })
    const args = [at('api.example'), '--origin', 'http://app.example', '--origin-address', 'public']
    const code = await runCheck([...args, '--resolve', `api.example:${address}`, '--json'], output, proxy)
    output.end()
    return { code, entry: JSON.parse(out.join('\n')) as CheckJsonEntry }
  }

  it.each([
    ['100.64.1.2', 'cgnat', /shared \(CGNAT\) address, 100\.64\.0\.0\/10/],
    ['198.18.0.5', 'fake-ip', /fake-IP address, 198\.18\.0\.0\/15/],
  ])('%s: said so, and what to do', async (address, range, words) => {
    const { code, entry } = await viaProxy(address)
    expect(code).toBe(1)
    const lna = entry.localNetworkAccess
    expect(lna).toMatchObject({ blocked: true, target: { address, space: 'local', vpnRange: range } })
    const text = lna.findings.map((f) => f.explanation).join(' ')
    expect(text).toMatch(words)
    expect(text).toContain(`The name resolves to ${address}`)
    expect(text).toContain("exclude its domain from the VPN's fake-IP range")
  })
})

describe("the lab's Local Network Access scenarios: check names Chromium's CorsError", () => {
  // Chromium's CorsError for each is the scenario's expectCorsError (the differential test). What a command
  // line cannot say is left out: a granted permission, a subframe, a declared targetAddressSpace, a WebSocket
  // (check sends HTTP requests).
  const expressible = localNetworkScenarios.filter(
    (s) =>
      (s.from === 'public-http' || s.from === 'public-https') &&
      !s.frame &&
      !s.fetch.targetAddressSpace &&
      s.fetch.via !== 'websocket',
  )
  let lab: Lab | undefined
  beforeAll(async () => {
    lab = await startLab({ scenarios: localNetworkScenarios, localNetwork: true })
  })
  afterAll(async () => {
    await lab?.close()
  })

  it('covers the http and the https public page', () => {
    expect(new Set(expressible.map((s) => s.expectCorsError))).toEqual(
      new Set(['InsecureLocalNetwork', 'LocalNetworkAccessPermissionDenied']),
    )
  })

  it.each(expressible.map((s) => [s.id, s] as const))('%s', async (_id, s) => {
    if (!lab) throw new Error('lab not ready')
    const { r, entry } = await json([
      lab.scenarioUrl(s),
      '--origin',
      lab.originOf(s.from ?? 'lab'),
      // The lab's --ip-address-space-overrides make these pages public for Chromium.
      '--origin-address',
      'public',
      ...(s.fetch.method ? ['--method', s.fetch.method] : []),
      // Names that say nothing of where they are (an /etc/hosts name, nip.io): only --resolve tells, as DNS would.
      ...[API_HOST, LOCAL_HOST, DEVBOX_HOST, NIP_HOST].flatMap((h) => ['--resolve', `${h}:127.0.0.1`]),
    ])
    expect(r.code).toBe(1)
    expect(entry.localNetworkAccess.corsError, s.title).toBe(s.expectCorsError)
  })
})
