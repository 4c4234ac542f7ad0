/** The lab, the Playwright run and the assertions shared by playwright.test.ts and package.test.ts. */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect } from 'vitest'
import { diagnose, harToExchanges } from '../../src/core/index.ts'
import { BASE_FLAGS, findChromium } from '../harness/chromium.ts'
import type { Scenario } from '../lab/scenario.ts'
import { API_HOST, type Lab, startLab } from '../lab/server.ts'
import { type RunningStack, startStack } from '../lab/stacks/stack.ts'

export const ROOT = resolve(import.meta.dirname, '../..')
export const SPEC_DIR = resolve(import.meta.dirname)

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'pw-ok',
    title: 'the API names the page',
    fetch: {},
    routes: {
      '/': { response: { status: 200, headers: [['Access-Control-Allow-Origin', '{page}']], body: '{}' } },
    },
    expectCorsError: null,
  },
  {
    id: 'pw-known',
    title: 'no Access-Control-Allow-Origin',
    fetch: {},
    routes: {
      '/': { response: { status: 200, headers: [['Content-Type', 'application/json']], body: '{}' } },
    },
    expectCorsError: 'MissingAllowOriginHeader',
  },
  {
    id: 'pw-preflight',
    title: 'the preflight is answered without Access-Control-Allow-Origin',
    fetch: { method: 'PUT', headers: { 'X-Lab': '1' } },
    routes: {
      '/': {
        preflight: { status: 204, headers: [['Access-Control-Allow-Methods', 'PUT']] },
        response: { status: 200, headers: [['Access-Control-Allow-Origin', '{page}']], body: '{}' },
      },
    },
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'pw-fulfilled',
    title: 'answered by the test itself (route.fulfill); the lab would refuse it',
    fetch: {},
    routes: { '/': { response: { status: 500, headers: [], body: 'not reached' } } },
    expectCorsError: 'MissingAllowOriginHeader',
  },
]

/** The lab page: fetches ?url= from its own script and puts how it ended in its title. */
const FETCH_PAGE = `<!doctype html><meta charset="utf-8"><title>pending</title>
<script>
  const q = new URLSearchParams(location.search)
  const url = q.get('url')
  // ?put=1: a PUT with a custom header, so the browser sends a preflight first.
  const init = q.get('put') ? { method: 'PUT', headers: { 'X-Lab': '1' } } : {}
  fetch(url, init).then((r) => r.text()).then(() => { document.title = 'ok' }, () => { document.title = 'failed' })
</script>`

/** A loopback port nothing listens on (connecting is refused: a failure that is not CORS). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })
}

export interface LabForPlaywright {
  readonly lab: Lab
  readonly seed: RunningStack
  /** CORS_LENS_LAB and CORS_LENS_PW for the Playwright run. */
  readonly env: Record<string, string>
  close(): Promise<void>
}

export async function startLabForPlaywright(): Promise<LabForPlaywright> {
  const chromium = findChromium()
  if (!chromium) throw new Error("No Chromium: run `npm run setup` (Debian's chromium) or set CHROMIUM_PATH.")
  const lab = await startLab({ scenarios: SCENARIOS })
  const seed = await startStack({
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin *;' },
    appSlots: { app_cors: `app.use(cors({ origin: '${lab.pageOrigin}' }))` },
  }).catch(async (e: unknown) => {
    await lab.close()
    throw e
  })
  const byId = (id: string): Scenario => SCENARIOS.find((s) => s.id === id) as Scenario
  const urls = {
    page: lab.page('/fetch', FETCH_PAGE),
    seed: `http://${API_HOST}:${seed.port}/api/items`,
    ok: lab.scenarioUrl(byId('pw-ok')),
    known: lab.scenarioUrl(byId('pw-known')),
    fulfilled: lab.scenarioUrl(byId('pw-fulfilled')),
    preflight: lab.scenarioUrl(byId('pw-preflight')),
    refused: `http://${API_HOST}:${await closedPort()}/api/items`,
  }
  const browsers = {
    chromium: {
      executablePath: chromium,
      args: [...BASE_FLAGS, `--host-resolver-rules=${lab.hostResolverRules}`],
    },
  }
  return {
    lab,
    seed,
    env: { CORS_LENS_LAB: JSON.stringify(urls), CORS_LENS_PW: JSON.stringify(browsers) },
    async close() {
      await seed.stop()
      await lab.close()
    },
  }
}

// The JSON reporter's shape, the parts read here.
export interface PwResult {
  readonly status: string
  readonly errors: readonly { readonly message?: string }[]
  readonly attachments: readonly {
    readonly name: string
    readonly contentType: string
    readonly body?: string
  }[]
  readonly annotations?: readonly { readonly type: string; readonly description?: string }[]
}
interface PwTest {
  readonly projectName: string
  readonly status: string
  readonly annotations: readonly { readonly type: string; readonly description?: string }[]
  readonly results: readonly PwResult[]
}
interface PwSuite {
  readonly title: string
  readonly specs: readonly { readonly title: string; readonly tests: readonly PwTest[] }[]
  readonly suites?: readonly PwSuite[]
}
export interface PwReport {
  readonly suites: readonly PwSuite[]
  readonly errors: readonly { readonly message?: string }[]
}

/** Each test of the report by its title (describe titles joined with " › "), per project. */
export function testsOf(report: PwReport): Map<string, PwTest> {
  const out = new Map<string, PwTest>()
  const walk = (suite: PwSuite, path: readonly string[]): void => {
    for (const spec of suite.specs)
      for (const t of spec.tests) out.set(`${t.projectName}: ${[...path, spec.title].join(' › ')}`, t)
    for (const s of suite.suites ?? []) walk(s, [...path, s.title])
  }
  // The top suite is the file.
  for (const s of report.suites) walk(s, [])
  return out
}

/** `npx playwright test --reporter=json` in `cwd`, the report written to a file (stdout stays the runner's). */
export function runPlaywright(
  cwd: string,
  config: string,
  env: Record<string, string>,
): Promise<{ code: number; report: PwReport | null; stdout: string; stderr: string }> {
  const out = mkdtempSync(join(tmpdir(), 'cors-lens-pw-'))
  const file = join(out, 'report.json')
  const e: NodeJS.ProcessEnv = { ...process.env }
  for (const k of Object.keys(e)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete e[k]
  return new Promise((done) => {
    execFile(
      'npx',
      ['--no', '--', 'playwright', 'test', '--config', config, '--reporter=json'],
      {
        cwd,
        encoding: 'utf8',
        timeout: 240_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...e,
          ...env,
          PLAYWRIGHT_JSON_OUTPUT_FILE: file,
          CORS_LENS_PW_OUT: join(out, 'test-results'),
          PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
        },
      },
      (error, stdout, stderr) => {
        const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PwReport) : null
        rmSync(out, { recursive: true, force: true })
        done({ code: error ? Number(error.code ?? -1) : 0, report, stdout, stderr })
      },
    )
  })
}

const attachment = (r: PwResult, name: string): unknown => {
  const a = r.attachments.find((x) => x.name === name)
  return a?.body ? JSON.parse(Buffer.from(a.body, 'base64').toString('utf8')) : null
}

/** The assertions on one project's results, shared with the packaged run (package.test.ts). */
export function expectSpecOutcomes(
  report: PwReport,
  project: string,
  seedPort: number,
  lab: { pageOrigin: string },
): void {
  const tests = testsOf(report)
  const get = (title: string): { test: PwTest; result: PwResult } => {
    const test = tests.get(`${project}: ${title}`)
    expect(test, `${project}: ${title} in ${[...tests.keys()].join(', ')}`).toBeDefined()
    const result = test?.results.at(-1)
    expect(result).toBeDefined()
    return { test: test as PwTest, result: result as PwResult }
  }

  const seed = get('seed: nginx add_header in front of Express cors()')
  expect(seed.test.status).toBe('unexpected')
  expect(seed.result.status).toBe('failed')
  const message = seed.result.errors.map((e) => e.message ?? '').join('\n')
  expect(message).toContain('CORS Lens: 1 request blocked by CORS')
  expect(message).toContain(
    `BLOCKED — MultipleAllowOriginValues (${lab.pageOrigin}, *)  GET http://${API_HOST}:${seedPort}/api/items`,
  )
  expect(message).toContain("Chromium's console: Access to fetch at")
  // The nginx line, named as nginx's, beside Express's.
  expect(message).toMatch(/Access-Control-Allow-Origin: \*\s+← nginx \(the proxy\)/)
  expect(message).toMatch(/Access-Control-Allow-Origin: http:\/\/app\.test:\d+\s+← express \(the app\)/)
  expect(message).toMatch(/Fix \((nginx|express), (proxy|app)\): /)
  const report0 = attachment(seed.result, 'cors-lens-report.json') as {
    blocked: { corsError: string; fixes: { recommended: boolean; snippet: string }[] }[]
  }
  expect(report0.blocked.map((b) => b.corsError)).toEqual(['MultipleAllowOriginValues'])
  const snippet = report0.blocked[0]?.fixes.find((f) => f.recommended)?.snippet ?? ''
  expect(snippet.length).toBeGreaterThan(0)
  // The recommended fix's snippet, as is, in the message (its first line at least).
  expect(message).toContain(snippet.split('\n')[0] ?? '')
  const har = attachment(seed.result, 'cors-lens.har') as {
    log: { entries: { response: { headers: { name: string; value: string }[] } }[] }
  }
  const acao = har.log.entries.flatMap((e) =>
    e.response.headers.filter((h) => h.name.toLowerCase() === 'access-control-allow-origin'),
  )
  // The attached HAR reads back through the engine's own HAR reader (as `cors-lens explain` would) to the same verdict.
  const reread = harToExchanges(har)
  expect('exchanges' in reread && reread.exchanges.map((x) => diagnose(x).corsError)).toEqual([
    'MultipleAllowOriginValues',
  ])
  // Wire order, duplicates kept: Express's line, then the one nginx appends.
  expect(acao.map((h) => h.value)).toEqual([lab.pageOrigin, '*'])

  const preflight = get('a preflight the API answers without Access-Control-Allow-Origin')
  expect(preflight.result.status).toBe('failed')
  const pfMessage = preflight.result.errors.map((e) => e.message ?? '').join('\n')
  expect(pfMessage).toContain('BLOCKED — PreflightMissingAllowOriginHeader  PUT ')
  expect(pfMessage).toMatch(/preflight < Access-Control-Allow-Methods: PUT/)

  const refused = get('a request refused for another reason than CORS does not fail the test')
  expect(refused.result.status, JSON.stringify(refused.result.errors)).toBe('passed')
  expect(refused.result.attachments.filter((a) => a.name.startsWith('cors-lens'))).toEqual([])

  const ok = get('a page whose API allows it passes')
  expect(ok.result.status).toBe('passed')
  expect(ok.result.attachments.filter((a) => a.name.startsWith('cors-lens'))).toEqual([])

  const known = get('a known failure › is silenced by allow')
  expect(known.result.status, JSON.stringify(known.result.errors)).toBe('passed')
  expect(known.test.annotations).toContainEqual({
    type: 'cors-lens: allowed',
    description: expect.stringContaining('MissingAllowOriginHeader GET'),
  })

  const warn = get('mode warn › annotates the block and passes')
  expect(warn.result.status, JSON.stringify(warn.result.errors)).toBe('passed')
  expect(warn.test.annotations).toContainEqual({
    type: 'cors-lens: blocked',
    description: expect.stringContaining('MultipleAllowOriginValues GET'),
  })

  const fulfilled = get('route.fulfill of a cross-origin request is flagged')
  expect(fulfilled.result.status, JSON.stringify(fulfilled.result.errors)).toBe('passed')
  expect(fulfilled.test.annotations).toContainEqual({
    type: 'cors-lens: not exercised',
    description: expect.stringContaining('route.fulfill answered GET'),
  })
}
