// `cors-lens check` arguments and requests for --upstream, the layer probes and --data, against two small
// servers of our own (one playing the proxy, one the app) that record exactly what check sends. The real
// proxies are test/e2e/check-upstream.test.ts's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CheckJsonEntry } from '../../src/cli/check.ts'
import { hasStackTrace, runInProcess } from './run.ts'

interface Hit {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

const PAGE = 'https://app.example'
const ON_THIS_MACHINE = ['--origin-address', 'loopback']

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8')
    })
    req.on('end', () => done(body))
  })
}

/** The app: reflects the Origin, answers preflights, marks its answers with a line of its own (X-App). */
function appAnswer(req: IncomingMessage): [number, string[]] {
  const origin = String(req.headers.origin ?? '')
  const path = req.url?.split('?')[0] ?? ''
  if (path === '/api/deny') return [403, ['X-App', '1', 'Access-Control-Allow-Origin', origin]]
  if (!['/api/items', '/api/dup', '/api/plain'].includes(path)) return [404, ['X-App', '1']]
  if (req.method === 'OPTIONS') {
    const asked = String(req.headers['access-control-request-headers'] ?? '')
    return [
      204,
      [
        'X-App',
        '1',
        'Access-Control-Allow-Origin',
        origin,
        'Access-Control-Allow-Methods',
        'PUT, POST',
      ].concat(asked ? ['Access-Control-Allow-Headers', asked] : []),
    ]
  }
  return [200, ['X-App', '1', 'Access-Control-Allow-Origin', origin]]
}

/** The "proxy": the app's answer passed on, plus one ACAO line of its own on /api/dup. */
function proxyAnswer(req: IncomingMessage): [number, string[]] {
  const [status, lines] = appAnswer(req)
  if (req.url?.startsWith('/api/dup') && req.method !== 'OPTIONS')
    return [status, [...lines, 'Access-Control-Allow-Origin', String(req.headers.origin ?? '')]]
  if (req.url?.startsWith('/api/plain')) return [200, ['Content-Type', 'text/plain']]
  return [status, lines]
}

function recorder(answer: (req: IncomingMessage) => [number, string[]], hits: Hit[]): Server {
  return createServer(async (req, res) => {
    const body = await readBody(req)
    hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
    const [status, lines] = answer(req)
    res.writeHead(status, lines)
    res.end('body')
  })
}

const listen = (s: Server): Promise<string> =>
  new Promise((r) =>
    s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
  )

const proxyHits: Hit[] = []
const appHits: Hit[] = []
let proxy: Server
let app: Server
let proxyUrl = ''
let appUrl = ''
let dir = ''

beforeAll(async () => {
  proxy = recorder(proxyAnswer, proxyHits)
  app = recorder(appAnswer, appHits)
  proxyUrl = await listen(proxy)
  appUrl = await listen(app)
  dir = mkdtempSync(join(tmpdir(), 'cors-lens-check-data-'))
})
beforeEach(() => {
  proxyHits.length = 0
  appHits.length = 0
})
afterAll(async () => {
  for (const s of [proxy, app]) {
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
  rmSync(dir, { recursive: true, force: true })
})

async function check(args: readonly string[]): Promise<{ code: number; entry: CheckJsonEntry }> {
  const r = await runInProcess(['check', ...args, '--origin', PAGE, ...ON_THIS_MACHINE, '--json'])
  if (r.code === 2) throw new Error(`check failed: ${r.stderr}`)
  return { code: r.code, entry: JSON.parse(r.stdout) as CheckJsonEntry }
}

describe('check --upstream', () => {
  it('sends the app the same preflight and request, path and query kept, body included', async () => {
    const { entry } = await check([
      `${proxyUrl}/api/dup?x=1`,
      '-X',
      'PUT',
      '-H',
      'X-A: 1',
      '--data',
      'hello',
      '--upstream',
      appUrl,
      '--no-probe',
    ])
    expect(proxyHits.map((h) => `${h.method} ${h.url}`)).toEqual(['OPTIONS /api/dup?x=1', 'PUT /api/dup?x=1'])
    expect(appHits.map((h) => `${h.method} ${h.url}`)).toEqual(['OPTIONS /api/dup?x=1', 'PUT /api/dup?x=1'])
    for (const [p, a] of proxyHits.map((h, i) => [h, appHits[i]] as const)) {
      for (const n of ['origin', 'access-control-request-method', 'access-control-request-headers', 'x-a'])
        expect(a?.headers[n], n).toBe(p.headers[n])
      expect(a?.body).toBe(p.body)
    }
    expect(appHits[0]?.body).toBe('')
    expect(appHits[1]?.body).toBe('hello')
    expect(entry.upstream?.url).toBe(`${appUrl}/api/dup?x=1`)
    expect(entry.upstream).toMatchObject({ error: null, preflightStatus: 204, status: 200 })
  })

  it("attributes each line by difference, in --json and the report: the extra ACAO is the proxy's", async () => {
    const { entry } = await check([`${proxyUrl}/api/dup`, '--upstream', appUrl, '--no-probe'])
    expect(entry.corsError).toBe('MultipleAllowOriginValues')
    expect(entry.attribution?.source).toBe('measured')
    expect(entry.attribution?.culprit).toBe('both')
    expect(entry.attribution?.lines.map((l) => [l.layer, l.layers])).toEqual([
      ['app', { source: 'measured', sender: 'both', atApp: 1, atProxy: 2 }],
      ['proxy', { source: 'measured', sender: 'both', atApp: 1, atProxy: 2 }],
    ])
    const text = await runInProcess([
      'check',
      `${proxyUrl}/api/dup`,
      '--origin',
      PAGE,
      ...ON_THIS_MACHINE,
      '--upstream',
      appUrl,
      '--no-probe',
    ])
    expect(text.stdout).toContain('Sent by: both, measured with --upstream')
    expect(text.stdout).toContain(`Upstream (the app, asked directly at ${appUrl}/api/dup):`)
    expect(text.stdout).toContain(`Access-Control-Allow-Origin: ${PAGE}  ← both (1 of 2 from the app)`)
  })

  it('an --upstream with a path is the whole URL (a proxy that rewrites the path)', async () => {
    const { entry } = await check([`${proxyUrl}/api/items`, '--upstream', `${appUrl}/api/dup`, '--no-probe'])
    expect(appHits.map((h) => h.url)).toEqual(['/api/dup'])
    expect(entry.upstream?.url).toBe(`${appUrl}/api/dup`)
  })

  it('does not ask the app for a request the preflight stopped', async () => {
    const { entry } = await check([
      `${proxyUrl}/api/deny`,
      '-X',
      'DELETE',
      '--upstream',
      appUrl,
      '--no-probe',
    ])
    expect(entry.corsError).toBe('PreflightInvalidStatus')
    expect(appHits.map((h) => h.method)).toEqual(['OPTIONS'])
    expect(entry.attribution?.culprit).toBe('app')
  })

  it('an app that does not answer: said in the entry, the fingerprint guess stands, the verdict is kept', async () => {
    const closed = createServer()
    const url = await listen(closed)
    await new Promise<void>((r) => closed.close(() => r()))
    const { code, entry } = await check([`${proxyUrl}/api/dup`, '--upstream', url, '--no-probe'])
    expect(code).toBe(1)
    expect(entry.upstream?.error).toMatch(/connection refused/)
    expect(entry.attribution?.source).not.toBe('measured')
  })
})

describe('check: the layer probes', () => {
  it('three requests, none a write, none with a body; each answer read in --json', async () => {
    const { entry } = await check([`${proxyUrl}/api/items`, '-X', 'POST', '--data', 'x'])
    const probes = proxyHits.slice(1)
    expect(proxyHits[0]?.method).toBe('POST')
    expect(probes.map((h) => `${h.method} ${h.url} ${h.headers.origin}`)).toEqual([
      'OPTIONS /api/items https://cors-lens-probe.invalid',
      `GET /api/cors-lens-no-such-path ${PAGE}`,
      `OPTIONS /api/items ${PAGE}`,
    ])
    expect(probes.map((h) => h.body)).toEqual(['', '', ''])
    expect(probes[0]?.headers['access-control-request-method']).toBe('POST')
    expect(probes[2]?.headers['access-control-request-method']).toBeUndefined()
    expect(entry.layerProbes.map((p) => [p.kind, p.status])).toEqual([
      ['other-origin', 204],
      ['missing-path', 404],
      ['bare-options', 204],
    ])
    expect(entry.layerProbes[0]?.showed).toMatch(/reflected/)
    expect(entry.probe).toMatchObject({ reflectsAnyOrigin: true })
  })

  it('--no-probe sends none; the human report says what each showed', async () => {
    const { entry } = await check([`${proxyUrl}/api/items`, '--no-probe'])
    expect(proxyHits).toHaveLength(1)
    expect(entry.layerProbes).toEqual([])
    expect(entry.probe).toBeNull()
    const text = await runInProcess(['check', `${proxyUrl}/api/items`, '--origin', PAGE, ...ON_THIS_MACHINE])
    expect(text.stdout).toContain('Layer probes (3 more requests; --no-probe skips them):')
    expect(text.stdout).toMatch(/· a path the app does not have: GET \/api\/cors-lens-no-such-path → 404/)
  })
})

describe('check --data / --data-file', () => {
  it('sends the body with the request (never the preflight), text/plain as fetch() gives a string', async () => {
    const file = join(dir, 'body.json')
    writeFileSync(file, '{"big":"ü"}')
    await check([`${proxyUrl}/api/items`, '-X', 'POST', '--data-file', file, '--no-probe'])
    expect(proxyHits.map((h) => [h.method, h.body, h.headers['content-type']])).toEqual([
      ['POST', '{"big":"ü"}', 'text/plain;charset=UTF-8'],
    ])
    await check([
      `${proxyUrl}/api/items`,
      '-X',
      'PUT',
      '-H',
      'Content-Type: application/json',
      '-d',
      '{}',
      '--no-probe',
    ])
    expect(proxyHits.slice(1).map((h) => [h.method, h.body])).toEqual([
      ['OPTIONS', ''],
      ['PUT', '{}'],
    ])
  })
})

describe('check: the settle command where the layer is unsure', () => {
  it('is printed with the real request filled in', async () => {
    const r = await runInProcess([
      'check',
      `${proxyUrl}/api/plain`,
      '--origin',
      PAGE,
      ...ON_THIS_MACHINE,
      '-H',
      'Content-Type: text/plain',
      '--no-probe',
    ])
    expect(r.stdout).toContain(
      `cors-lens check '${proxyUrl}/api/plain' --origin '${PAGE}' --header 'Content-Type: text/plain' --upstream APP_URL`,
    )
    // Stopped by its preflight, the request's own lines were never sent: the names come from the preflight.
    const pf = await runInProcess([
      'check',
      `${proxyUrl}/api/plain`,
      '--origin',
      PAGE,
      ...ON_THIS_MACHINE,
      '-H',
      'X-Trace: a1',
      '--no-probe',
    ])
    expect(pf.stdout).toContain(`--origin '${PAGE}' --header 'x-trace: VALUE' --upstream APP_URL`)
  })
})

describe('check: argument errors', () => {
  it.each([
    [['--data', 'x'], /TypeError for a GET request with a body/],
    [['-X', 'POST', '--data', 'x', '--data-file', 'f'], /give one body/],
    [['-X', 'POST', '--data-file', '/nonexistent/cors-lens-body'], /cannot read it/],
    [['--upstream', 'not a url'], /is not a URL/],
    [['--upstream', 'ftp://127.0.0.1/'], /http or https URL/],
    [['--upstream', 'http://u:p@127.0.0.1/'], /without user:password/],
    [['--probe', '--no-probe'], /contradict/],
  ])('%# exits 2 with usage', async (extra, message) => {
    const r = await runInProcess(['check', 'http://127.0.0.1:9/', '--origin', PAGE, ...extra])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toContain('Usage:')
    expect(hasStackTrace(r.stderr)).toBe(false)
  })
})
