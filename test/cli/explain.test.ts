// `cors-lens explain`: human and JSON output, unusable input, big files, and the built bin itself.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_HAR_BYTES } from '../../src/cli/explain.ts'
import { RECORDED_IDS } from '../fixtures/har/record-chromium.ts'
import { scenarios } from '../lab/scenarios.ts'
import { BIN, buildCli, hasStackTrace, ROOT, runInProcess, spawnCli } from './run.ts'

const FIX = resolve(ROOT, 'test/fixtures/har')
let dir = ''

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cors-lens-explain-'))
  buildCli()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, content: string): string {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

interface Entry {
  url: string
  method: string
  verdict: string
  blocked: boolean
  corsError: string | null
  failedParameter: string | null
  credentials: string
  findings: { code: string; severity: string; title: string }[]
  fixes: unknown[]
  error: string | null
  headers: { place: string; name: string; value: string }[]
}
const parseJson = (stdout: string): Entry[] => (JSON.parse(stdout) as { entries: Entry[] }).entries

describe('explain: output', () => {
  it('DevTools HAR: one block per failing request, verdict line, why, header lines; exit 1', async () => {
    // A real "Save all as HAR" from Chromium's DevTools front end (test/fixtures/har/record-exports.ts).
    const r = await runInProcess(['explain', join(FIX, 'chrome-devtools.har')])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('BLOCKED — MissingAllowOriginHeader')
    expect(r.stdout).toContain('BLOCKED — HeaderDisallowedByPreflightResponse (x-requested-with)')
    expect(r.stdout).toContain('Why: ')
    expect(r.stdout).toContain('Header lines:')
    expect(r.stdout).toMatch(/response {2}< Access-Control-Allow-Origin: \*/)
    // Passing requests are counted, not explained.
    expect(r.stdout).not.toMatch(/\/s\/ok-star /)
    expect(r.stdout).toMatch(
      /12 cross-origin requests — 7 blocked.*4 ok, 1 failed for other reasons; 3 entries skipped/,
    )
  })

  it('--json prints { entries: [...] } with one entry per actual request', async () => {
    const r = await runInProcess(['explain', join(FIX, 'chrome-devtools.har'), '--json'])
    const entries = parseJson(r.stdout)
    const short = (u: string): string => new URL(u).pathname
    expect(entries.map((e) => [e.method, short(e.url), e.blocked, e.corsError])).toEqual([
      ['GET', '/s/ok-star', false, null],
      ['PUT', '/s/ok-preflight-max-age-big', false, null],
      ['GET', '/s/ok-redirect-tainted-star', false, null],
      ['GET', '/s/missing-acao', true, 'MissingAllowOriginHeader'],
      ['GET', '/s/multi-xhr', true, 'MultipleAllowOriginValues'],
      ['GET', '/s/cred-star', true, 'WildcardOriginNotAllowed'],
      ['GET', '/s/header-xhr', true, 'HeaderDisallowedByPreflightResponse'],
      ['GET', '/s/redir-userinfo', true, 'RedirectContainsCredentials'],
      ['PUT', '/s/pf-ok-actual-missing-acao', true, 'MissingAllowOriginHeader'],
      ['GET', '/s/retry-without-header', true, 'HeaderDisallowedByPreflightResponse'],
      ['GET', '/s/retry-without-header', false, null],
      ['GET', '/s/refused', false, null],
    ])
    for (const e of entries) {
      expect(['omit', 'include', 'unknown']).toContain(e.credentials)
      expect(Array.isArray(e.fixes)).toBe(true)
      for (const f of e.findings)
        expect(Object.keys(f)).toEqual(expect.arrayContaining(['code', 'severity', 'title']))
    }
  })

  it('Firefox HAR: credentials inferred from a Cookie; secret values never printed', async () => {
    // A real Firefox ESR export: the credentialed GET carries the lab's cookie, `Cookie: lab=1`.
    const r = await runInProcess(['explain', join(FIX, 'firefox.har'), '--json'])
    const [del, profile] = parseJson(r.stdout)
    expect(del?.corsError).toBe('MethodDisallowedByPreflightResponse')
    expect(profile?.corsError).toBe('WildcardOriginNotAllowed')
    expect(profile?.credentials).toBe('include')
    // The line is listed (it makes the request credentialed), its value hidden.
    expect(profile?.headers.find((h) => h.name === 'Cookie')?.value).toBe('[redacted]')
    expect(r.stdout).not.toContain('lab=1')
  })

  it('HAR recorded from real Chromium (Playwright): passes stay ok, failures never get a made-up cause', async () => {
    const r = await runInProcess(['explain', join(FIX, 'chromium-lab.har'), '--json'])
    const entries = parseJson(r.stdout)
    const byId = new Map(entries.map((e) => [/\/s\/([^/]+)/.exec(e.url)?.[1] ?? '', e]))
    expect(byId.size).toBe(RECORDED_IDS.length)
    for (const id of RECORDED_IDS) {
      const s = scenarios.find((x) => x.id === id)
      const e = byId.get(id)
      expect(e, id).toBeDefined()
      if (s?.expectCorsError === null) {
        expect(e?.blocked, id).toBe(false)
        expect(e?.verdict, id).toMatch(/^(ok|at-risk)$/)
      } else {
        // Playwright keeps no response headers for a CORS-failed request: the error is all there is.
        expect(e?.error, id).toBe('net::ERR_FAILED')
        expect([null, s?.expectCorsError], id).toContain(e?.corsError)
      }
    }
  })
})

describe('explain: unusable input → one line, exit 2, no stack trace', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a missing file', () => join(dir, 'nope.har'), /no such file/],
    ['a directory', () => dir, /is a directory/],
    ['an empty file', () => file('empty.har', ''), /empty file/],
    ['not JSON', () => file('text.har', 'hello, world'), /not JSON/],
    ['truncated JSON', () => file('cut.har', '{"log":{"entries":[{"request":'), /truncated/],
    ['JSON that is not a HAR', () => file('other.json', '{"hello":1}'), /not a HAR file/],
    ['entries not a list', () => file('bad.har', '{"log":{"entries":3}}'), /not a HAR file/],
  ]
  it.each(cases)('%s', async (_, make, message) => {
    const r = await runInProcess(['explain', make()])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(hasStackTrace(r.stderr)).toBe(false)
  })

  it('missing fields everywhere: still a full answer', async () => {
    const p = file(
      'sparse.har',
      JSON.stringify({
        log: {
          entries: [
            {},
            {
              request: {
                url: 'https://api.example/x',
                headers: [{ name: 'Origin', value: 'https://app.example' }],
              },
            },
            {
              request: { url: 'https://api.example/y', headers: [{ name: 'Origin' }, null] },
              response: { status: 'x' },
            },
          ],
        },
      }),
    )
    const r = await runInProcess(['explain', p, '--json'])
    expect(r.code).toBeLessThan(2)
    expect(parseJson(r.stdout).length).toBeGreaterThan(0)
  })

  it('a file over the limit is refused with the limit in the message', async () => {
    const { MAX_HAR_BYTES: limit } = await import('../../src/cli/explain.ts')
    expect(limit).toBe(MAX_HAR_BYTES)
    const p = join(dir, 'huge.har')
    // A sparse file: the size check happens before any read.
    writeFileSync(p, '')
    const { truncateSync } = await import('node:fs')
    truncateSync(p, MAX_HAR_BYTES + 1)
    const r = await runInProcess(['explain', p])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/more than cors-lens reads \(256 MB\)/)
    rmSync(p)
  })
})

describe('the built bin', () => {
  it('--version, --help, no command, unknown command', () => {
    expect(spawnCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    const help = spawnCli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('cors-lens explain FILE.har')
    const none = spawnCli([])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Usage:')
    const unknown = spawnCli(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
    expect(unknown.stderr).toContain('Usage:')
    const badOption = spawnCli(['explain', '--nope', 'x.har'])
    expect(badOption.code).toBe(2)
    expect(hasStackTrace(badOption.stderr)).toBe(false)
  })

  it('explain on truncated input: one line on stderr, exit 2', () => {
    const r = spawnCli(['explain', file('cut2.har', '{"log":{"entries":[')])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(hasStackTrace(r.stderr)).toBe(false)
  })

  it('a 50 MB HAR: a full answer', () => {
    const one = JSON.stringify({
      request: {
        method: 'GET',
        url: 'https://api.example/big',
        headers: [{ name: 'Origin', value: 'https://app.example' }],
      },
      response: {
        status: 200,
        headers: [{ name: 'Access-Control-Allow-Origin', value: '*' }],
        content: { size: 0, mimeType: 'text/plain', text: 'x'.repeat(4000) },
      },
    })
    const count = Math.ceil((50 * 1024 * 1024) / one.length)
    const blocked = one.replace('"*"', '"https://elsewhere.example"')
    const p = file(
      'big.har',
      `{"log":{"version":"1.2","entries":[${blocked},${Array(count).fill(one).join(',')}]}}`,
    )
    const r = spawnCli(['explain', p])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('AllowOriginMismatch')
    expect(r.stdout).toContain(`${count + 1} cross-origin requests`)
  })

  it('the built bin is executable (npx runs it through a symlink, never chmods a rebuilt file)', () => {
    // Needs the CLI build to chmod its output (vite.config.ts, cli mode): see the report to the lead.
    expect(statSync(BIN).mode & 0o111, 'build/cli/cors-lens.mjs is not executable').not.toBe(0)
  })

  it('npx cors-lens finds the root package bin (no install, no registry)', () => {
    const r = spawnCli(['explain', join(FIX, 'firefox.har')], {
      command: ['npx', '--no-install', 'cors-lens'],
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('WildcardOriginNotAllowed')
  })
})
