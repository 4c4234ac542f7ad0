// `cors-lens check` against the lab's scripted servers: its verdict equals real Chromium's (the scenario's
// expectCorsError, verified by the differential test) for every scenario a command line can express.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckJsonEntry } from '../../src/cli/check.ts'
import { isForbiddenRequestHeader } from '../../src/core/fetch-rules.ts'
import { hasUserinfo } from '../../src/core/origin.ts'
import type { Scenario } from '../lab/scenario.ts'
import { scenarios } from '../lab/scenarios.ts'
import { API_HOST, type Lab, OTHER_HOST, PAGE_HOST, SITE_HOST, startLab } from '../lab/server.ts'
import { hasStackTrace, runInProcess } from './run.ts'

let lab: Lab
/**
 * The page is served from this machine, as in development: its requests to the loopback test servers
 * cross no Local Network Access boundary, so CORS alone decides (test/cli/check-lna.test.ts tests LNA).
 */
const ON_THIS_MACHINE = ['--origin-address', 'loopback']
const RESOLVE = [PAGE_HOST, API_HOST, OTHER_HOST, SITE_HOST].flatMap((h) => ['--resolve', `${h}:127.0.0.1`])

beforeAll(async () => {
  lab = await startLab({ scenarios })
})
afterAll(async () => {
  await lab?.close()
})

/** What a command line cannot say: no-cors/same-origin modes, headers a page may not set, odd URLs. */
function expressible(s: Scenario): boolean {
  const f = s.fetch
  if (f.mode && f.mode !== 'cors') return false
  if (Object.keys(f.headers ?? {}).some((n) => isForbiddenRequestHeader(n))) return false
  const url = lab.scenarioUrl(s)
  return /^https?:/.test(url) && !hasUserinfo(url)
}

function argsFor(s: Scenario): string[] {
  const f = s.fetch
  return [
    'check',
    lab.scenarioUrl(s),
    '--origin',
    lab.pageOrigin,
    ...(f.method ? ['--method', f.method] : []),
    ...Object.entries(f.headers ?? {}).flatMap(([n, v]) => ['--header', `${n}: ${v}`]),
    ...(f.credentials === 'include' ? ['--credentials'] : []),
    ...RESOLVE,
    '--timeout',
    '5',
    '--json',
  ]
}

async function check(args: string[]): Promise<{ code: number; entry: CheckJsonEntry; stderr: string }> {
  const r = await runInProcess(args)
  if (r.code === 2) throw new Error(`check failed: ${r.stderr}`)
  return { code: r.code, entry: JSON.parse(r.stdout) as CheckJsonEntry, stderr: r.stderr }
}

describe('check agrees with Chromium on every expressible lab scenario', () => {
  const ids = scenarios.map((s) => s.id)
  it('nearly every scenario is expressible (only other fetch modes are not)', () => {
    const skipped = scenarios.filter((s) => !expressible(s)).map((s) => s.id)
    expect(scenarios.length - skipped.length).toBeGreaterThan(100)
    expect(skipped.every((id) => scenarios.find((s) => s.id === id)?.fetch.mode !== 'cors')).toBe(true)
  })
  it.each(ids)('%s', async (id) => {
    const s = scenarios.find((x) => x.id === id) as Scenario
    if (!expressible(s)) return
    const { code, entry } = await check(argsFor(s))
    expect(entry.corsError, `${s.title}\n${entry.summary}`).toBe(s.expectCorsError)
    expect(entry.blocked).toBe(s.expectCorsError !== null)
    expect(code).toBe(s.expectCorsError === null ? 0 : 1)
    expect(entry.credentials).toBe(s.fetch.credentials === 'include' ? 'include' : 'omit')
  })
})

describe('check: the browser part', () => {
  let hits: { method: string; url: string; headers: string[] }[] = []
  let server: Server
  let base = ''
  beforeAll(async () => {
    // A small server of our own, to see exactly what check sends.
    server = createServer((req, res) => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders })
      const origin = req.headers.origin ?? ''
      if (req.url?.startsWith('/reflect')) {
        res.writeHead(
          200,
          [
            ['Access-Control-Allow-Origin', origin],
            ['Access-Control-Allow-Credentials', 'true'],
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Allow-Headers', 'x-a'],
          ].flat(),
        )
      } else if (req.url?.startsWith('/deny-preflight')) {
        res.writeHead(req.method === 'OPTIONS' ? 403 : 200, ['Access-Control-Allow-Origin', origin])
      } else if (req.url?.startsWith('/dup')) {
        res.writeHead(200, ['Access-Control-Allow-Origin', origin, 'Access-Control-Allow-Origin', origin])
      } else if (req.url?.startsWith('/hang')) {
        return // never answers
      } else res.writeHead(404)
      res.end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  })

  it('sends the preflight a browser would, then the request', async () => {
    hits = []
    const { code, entry } = await check([
      'check',
      `${base}/reflect`,
      '--origin',
      'https://app.example',
      ...ON_THIS_MACHINE,
      '-X',
      'put',
      '-H',
      'X-A: 1',
      '--no-probe',
      '--json',
    ])
    expect(code).toBe(0)
    expect(hits.map((h) => h.method)).toEqual(['OPTIONS', 'PUT'])
    const pf = hits[0]?.headers ?? []
    expect(pf).toEqual(
      expect.arrayContaining([
        'Access-Control-Request-Method',
        'PUT',
        'Access-Control-Request-Headers',
        'x-a',
      ]),
    )
    expect(entry.preflight.seen).toBe(true)
  })

  it('does not send the request when the preflight fails', async () => {
    hits = []
    const { code, entry } = await check([
      'check',
      `${base}/deny-preflight`,
      '--origin',
      'https://app.example',
      ...ON_THIS_MACHINE,
      '-X',
      'DELETE',
      '--no-probe',
      '--json',
    ])
    expect(code).toBe(1)
    expect(entry.corsError).toBe('PreflightInvalidStatus')
    expect(hits.map((h) => h.method)).toEqual(['OPTIONS'])
  })

  it('keeps duplicate header lines (rawHeaders)', async () => {
    const { code, entry } = await check([
      'check',
      `${base}/dup`,
      '--origin',
      'https://app.example',
      ...ON_THIS_MACHINE,
      '--json',
    ])
    expect(code).toBe(1)
    expect(entry.corsError).toBe('MultipleAllowOriginValues')
    expect(entry.headers.filter((h) => h.place === 'response' && /allow-origin/i.test(h.name))).toHaveLength(
      2,
    )
  })

  it('--probe warns when the server reflects any origin with credentials', async () => {
    const r = await runInProcess([
      'check',
      `${base}/reflect`,
      '--origin',
      'https://app.example',
      ...ON_THIS_MACHINE,
      '--credentials',
      '--probe',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/WARNING: the server reflects any origin WITH credentials/)
    const { entry } = await check([
      'check',
      `${base}/reflect`,
      '--origin',
      'https://app.example',
      ...ON_THIS_MACHINE,
      '--probe',
      '--json',
    ])
    expect(entry.probe).toMatchObject({ reflectsAnyOrigin: true, withCredentials: true })
  })

  it('human output: request lines, verdict, sentence', async () => {
    const r = await runInProcess([
      'check',
      `${base}/dup`,
      '--origin',
      'https://app.example',
      ...ON_THIS_MACHINE,
    ])
    expect(r.stdout).toContain('BLOCKED — MultipleAllowOriginValues')
    expect(r.stdout).toContain('A browser would BLOCK this')
  })

  it('connection refused → one line, exit 2', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const r = await runInProcess([
      'check',
      `http://127.0.0.1:${port}/`,
      '--origin',
      'https://app.example',
      ...ON_THIS_MACHINE,
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/connection refused/)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('a server that never answers → timeout, exit 2', async () => {
    const r = await runInProcess([
      'check',
      `${base}/hang`,
      '--origin',
      'https://app.example',
      ...ON_THIS_MACHINE,
      '--timeout',
      '0.5',
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/no answer within 0.5 s/)
  })

  it.each([
    [['check'], /exactly one URL/],
    [['check', 'not a url', '--origin', 'https://a.example'], /not a URL/],
    [['check', 'ftp://x.example/', '--origin', 'https://a.example'], /only http and https/],
    [['check', 'https://x.example/'], /needs --origin/],
    [['check', 'https://x.example/', '--origin', 'https://a.example/path'], /not an origin/],
    [
      ['check', 'https://x.example/', '--origin', 'https://a.example', '-H', 'X-A: 1\r\nX-Injected: 2'],
      /control character/,
    ],
    [['check', 'https://user:pw@x.example/', '--origin', 'https://a.example'], /user name or password/],
    [
      ['check', 'https://x.example/', '--origin', 'https://a.example', '-H', 'Cookie: a=b'],
      /only with --credentials/,
    ],
    [['check', 'https://x.example/', '--origin', 'https://a.example', '-X', 'TRACE'], /forbidden method/],
    [['check', 'https://x.example/', '--origin', 'https://a.example', '--bogus'], /Unknown option/],
  ])('usage error %#: exit 2 with usage', async (args, message) => {
    const r = await runInProcess(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toContain('Usage:')
    expect(hasStackTrace(r.stderr)).toBe(false)
  })
})
