/**
 * Verified cures: for every broken stack in the lab, Chromium reproduces the failure, diagnose() proposes
 * its fixes, and each fix for a stack the lab runs is APPLIED AS GENERATED (its snippets go into the
 * templates' slots, or the client snippet runs in the page) and re-run in a fresh browser context on a
 * freshly started stack. A cure passes when CDP reports no loadingFailed and the response carries exactly one
 * Access-Control-Allow-Origin line. The matrix is written to docs/cures-matrix.md.
 *
 * Also, with curl and no browser, the cache trap behind Varnish: an app that reflects the Origin without
 * Vary: Origin gets one origin's answer cached and served to the next origin; the Varnish recipes'
 * vcl_backend_response guard keeps one cached answer per Origin.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Diagnosis } from '../../src/core/analysis.ts'
import { diagnose } from '../../src/core/diagnose.ts'
import type { Exchange } from '../../src/core/exchange.ts'
import type { Fix, FixChange } from '../../src/core/fix.ts'
import { VARNISH_VARY_ORIGIN, WHERE } from '../../src/core/fixes/shared.ts'
import { linesNamed } from '../../src/core/headers.ts'
import { type Oracle, oracleFor } from '../harness/cdp.ts'
import { BASE_FLAGS, findChromium } from '../harness/chromium.ts'
import { type Lab, startLab } from '../lab/server.ts'
import { STACK_SCENARIOS, type StackFetch, type StackScenario, specFor } from '../lab/stacks/scenarios.ts'
import { type Slots, type StackSpec, startStack } from '../lab/stacks/stack.ts'

const MATRIX = resolve(import.meta.dirname, '../../docs/cures-matrix.md')
const LAB_NGINX = '1.22'

/** Where each generated change goes in the lab's templates: the recipes' fixed `where` phrases. */
const PROXY_SLOT: Readonly<Record<string, string>> = {
  [WHERE.nginxHttp]: 'http',
  [WHERE.nginxServer]: 'server',
  [WHERE.nginxLocation]: 'location',
  [WHERE.apacheLocation]: 'location',
  [WHERE.caddySite]: 'site',
  [WHERE.varnishRecv]: 'vcl_recv',
  [WHERE.varnishBackendResponse]: 'vcl_backend_response',
  [WHERE.varnishDeliver]: 'vcl_deliver',
  [WHERE.varnishSynth]: 'vcl_synth',
  [WHERE.haproxyFrontend]: 'frontend',
}
/** An app change replaces the app's whole CORS setup (both places a scenario may have put it). */
const APP_SLOT: Readonly<Record<string, readonly string[]>> = {
  [WHERE.expressCors]: ['app_cors', 'app_cors_late'],
  [WHERE.fastapiCors]: ['app_cors'],
  [WHERE.flaskCors]: ['app_cors'],
  [WHERE.djangoSettings]: ['app_cors'],
  [WHERE.expressAuth]: ['auth_guard'],
  [WHERE.flaskAuth]: ['auth_guard'],
  [WHERE.goHandler]: ['app_cors'],
  [WHERE.railsInitializer]: ['app_cors'],
  [WHERE.fastifyEntry]: ['app_cors', 'app_cors_late'],
  [WHERE.honoApp]: ['app_cors', 'app_cors_late'],
  [WHERE.koaApp]: ['app_cors', 'app_cors_late'],
}
/** App steps the lab's packages already took (Debian installs the gem): noted, not applied. */
const ALREADY_DONE: Readonly<Record<string, string>> = {
  [WHERE.railsGemfile]: 'Gemfile step: Debian packages rack-cors',
  [WHERE.fastifyInstall]: 'npm install step: @fastify/cors is a devDependency',
}

interface Run {
  readonly oracle: Oracle
  readonly exchange: Exchange
}

interface Row {
  readonly scenario: string
  readonly stack: string
  readonly cure: string
  readonly recommended: boolean
  readonly result: string
}

const rows: Row[] = []
let lab: Lab
let browser: Browser

beforeAll(async () => {
  lab = await startLab({ scenarios: [] })
  const executablePath = findChromium()
  if (!executablePath) throw new Error('No Chromium: run `npm run setup`.')
  // One browser; each run gets a new context, i.e. a fresh network context with an empty preflight cache.
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [...BASE_FLAGS, `--host-resolver-rules=${lab.hostResolverRules}`],
  })
})

afterAll(async () => {
  await browser?.close().catch(() => {})
  await lab?.close()
  if (rows.length) writeMatrix()
})

function fetchCode(url: string, f: StackFetch): string {
  const init = {
    method: f.method,
    headers: f.headers ?? {},
    ...(f.body ? { body: f.body } : {}),
    credentials: f.credentials ?? 'same-origin',
  }
  return `fetch(${JSON.stringify(url)}, ${JSON.stringify(init)}).then((r) => r.status, () => 'failed')`
}

/** Start the stack, run one page action in a fresh context, observe it over CDP, stop everything. */
async function runOnce(
  spec: StackSpec,
  action: (page: Page, apiOrigin: string) => Promise<unknown>,
): Promise<Run> {
  const stack = await startStack(spec)
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(`${lab.pageOrigin}/`)
    const apiOrigin = `http://api.test:${stack.port}`
    const seen = await oracleFor(page, () => action(page, apiOrigin))
    const mine = seen.find((o) => o.url.startsWith(apiOrigin)) ?? seen[0]
    if (!mine) throw new Error('CDP saw no request to the stack')
    return { oracle: mine.oracle, exchange: mine.exchange }
  } finally {
    await context.close().catch(() => {})
    await stack.stop()
  }
}

const scenarioAction = (f: StackFetch) => (page: Page, api: string) =>
  page.evaluate(fetchCode(api + f.path, f))

/** The client snippet, as generated, run in the page. Its URL points at the broken stack's port: re-aim it. */
const clientAction = (snippet: string, oldApi: string) => (page: Page, api: string) =>
  page.evaluate(
    `(async () => { ${snippet.replaceAll(oldApi, api)}\n return response.status })().catch(() => 'failed')`,
  )

type Applied = { spec: StackSpec; client: string | null; notes: string[] } | { skip: string }

/** The words-only app step a proxy cure gives when the app was not identified (shared.ts appRemoval). */
const GENERIC_APP_STEP = 'your app'

/** Put each generated change into the slot its `where` names; refuse what the lab cannot apply. */
function apply(s: StackScenario, base: StackSpec, fix: Fix): Applied {
  const proxySlots: Record<string, string> = { ...base.proxySlots }
  const appSlots: Record<string, string> = { ...base.appSlots }
  let client: string | null = null
  const notes: string[] = []
  for (const c of fix.changes as readonly FixChange[]) {
    if (c.layer === 'client') {
      client = c.snippet
      continue
    }
    if (c.layer === 'proxy') {
      const slot = PROXY_SLOT[c.where]
      if (!slot || !s.proxy) return { skip: `no slot for proxy change "${c.where}"` }
      proxySlots[slot] = c.snippet
      continue
    }
    if (c.where === GENERIC_APP_STEP) {
      // Advice in words ("remove the app's CORS; the proxy hides it anyway"): the cure must work without it.
      notes.push('generic app step left out')
      continue
    }
    const done = ALREADY_DONE[c.where]
    if (done) {
      notes.push(done)
      continue
    }
    const slots = APP_SLOT[c.where]
    if (!slots) return { skip: `no slot for app change "${c.where}" (app not identified)` }
    const [first, ...rest] = slots
    if (first) appSlots[first] = c.snippet
    for (const r of rest) appSlots[r] = ''
  }
  return { spec: { ...base, proxySlots: proxySlots as Slots, appSlots: appSlots as Slots }, client, notes }
}

function oneAcao(ex: Exchange): number {
  return ex.response ? linesNamed(ex.response.headers, 'access-control-allow-origin').length : 0
}

describe('verified cures on real stacks', () => {
  for (const s of STACK_SCENARIOS) {
    it(`${s.id}: ${s.title}`, { timeout: 240_000 }, async () => {
      const base = specFor(s, lab.pageOrigin)
      const broken = await runOnce(base, scenarioAction(s.fetch))
      expect(broken.oracle.corsError, `the broken ${s.id} reproduces`).toBe(s.expectCorsError)
      const d: Diagnosis = diagnose(broken.exchange)
      expect(d.blocked).toBe(true)
      const stacks = new Set<string>([s.proxy ?? '', s.app, 'client'])
      const fixes = d.fixes.filter((f) => stacks.has(f.stack))
      for (const f of d.fixes.filter((x) => x.stack === 'generic'))
        rows.push({
          scenario: s.id,
          stack: f.stack,
          cure: f.title,
          recommended: f.recommended,
          result: 'not run (stack-neutral header lines: no code to apply)',
        })
      if (s.named === false) {
        // Nothing names the stack: the stack-neutral lines (and client advice) only, no recipe to apply.
        expect(d.fixes.map((f) => f.stack).filter((x) => x !== 'generic' && x !== 'client')).toEqual([])
        return
      }
      expect(fixes.length, `fixes for ${s.id}`).toBeGreaterThan(0)

      const failures: string[] = []
      const brokenApi = new URL(broken.exchange.request.url).origin
      for (const fix of fixes) {
        const row = { scenario: s.id, stack: fix.stack, cure: fix.title, recommended: fix.recommended }
        if (fix.requires && /nginx ≥ 1\.29/.test(fix.requires)) {
          rows.push({ ...row, result: `not run (${fix.requires}; the lab has nginx ${LAB_NGINX})` })
          continue
        }
        const applied = apply(s, base, fix)
        if ('skip' in applied) {
          rows.push({ ...row, result: `FAIL: cannot apply (${applied.skip})` })
          failures.push(`${fix.title}: ${applied.skip}`)
          continue
        }
        const action = applied.client ? clientAction(applied.client, brokenApi) : scenarioAction(s.fetch)
        let result: string
        try {
          const cured = await runOnce(applied.spec, action)
          const n = oneAcao(cured.exchange)
          result =
            cured.oracle.errorText === null && n === 1
              ? `pass${applied.notes.length ? ` (${applied.notes.join('; ')})` : ''}`
              : `FAIL: ${cured.oracle.corsError ?? cured.oracle.errorText ?? 'ok'}, ${n} ACAO line(s)`
        } catch (e) {
          result = `FAIL: ${(e as Error).message.split('\n')[0]}`
        }
        rows.push({ ...row, result })
        if (!result.startsWith('pass'))
          failures.push(`${fix.stack} "${fix.title}": ${result}\n${fix.snippet}`)
      }
      expect(failures, `cures that did not cure ${s.id}`).toEqual([])
    })
  }
})

describe('layers named on what Chromium saw', () => {
  it('Varnish header.append next to Express cors(): both, the Express line before X-Varnish and the Varnish line after it', {
    timeout: 120_000,
  }, async () => {
    const s = STACK_SCENARIOS.find((x) => x.id === 'varnish-express-dup-append')
    if (!s) throw new Error('scenario varnish-express-dup-append is gone')
    const seen = await runOnce(specFor(s, lab.pageOrigin), scenarioAction(s.fetch))
    expect(seen.oracle.corsError).toBe('MultipleAllowOriginValues')
    const a = diagnose(seen.exchange).attribution
    expect({ culprit: a.culprit, confidence: a.confidence, proxy: a.proxy, app: a.app }).toEqual({
      culprit: 'both',
      confidence: 'high',
      proxy: 'varnish',
      app: 'express',
    })
    expect(a.lines.map((l) => `${l.layer}:${l.stack} ${l.header.value}`)).toEqual([
      'app:express *',
      `proxy:varnish ${lab.pageOrigin}`,
    ])
  })
})

/** A hand-written CORS middleware that forgets Vary: Origin (what the cors package does not do). */
const REFLECT =
  "app.use((req, res, next) => { res.set('Access-Control-Allow-Origin', req.headers.origin); next() })"

async function acaoPerOrigin(vclBackendResponse: string): Promise<string[]> {
  const stack = await startStack({
    proxy: 'varnish',
    app: 'express',
    appSlots: { app_cors: REFLECT },
    proxySlots: { vcl_backend_response: vclBackendResponse },
  })
  try {
    return ['http://a.test', 'http://b.test'].map((origin) => {
      const out = execFileSync(
        'curl',
        ['-s', '-i', '--max-time', '10', '-H', `Origin: ${origin}`, `${stack.origin}/api/items`],
        { encoding: 'utf8' },
      )
      return /^access-control-allow-origin: *(.*?)\r?$/im.exec(out)?.[1] ?? '(none)'
    })
  } finally {
    await stack.stop()
  }
}

// Next to the Varnish cures: one file starts every varnishd of the suite, one at a time.
describe('Varnish caches CORS answers per Origin only when Vary says so (curl, no browser)', () => {
  it("without Vary: Origin, the second origin gets the first one's cached ACAO", {
    timeout: 60_000,
  }, async () => {
    expect(await acaoPerOrigin('')).toEqual(['http://a.test', 'http://a.test'])
  })

  it("with the recipe's vcl_backend_response guard, each origin gets its own", {
    timeout: 60_000,
  }, async () => {
    expect(await acaoPerOrigin(VARNISH_VARY_ORIGIN)).toEqual(['http://a.test', 'http://b.test'])
  })
})

function writeMatrix(): void {
  const esc = (t: string): string => t.replaceAll('|', '\\|')
  const lines = [
    '# Verified cures matrix',
    '',
    'Generated by `test/e2e/cures.test.ts`: each broken lab stack is reproduced in Chromium, diagnosed, and every',
    'generated fix for a stack the lab runs is applied as generated and re-run in a fresh browser context.',
    '"pass" = no loadingFailed and exactly one Access-Control-Allow-Origin line.',
    '',
    `Run: ${new Date().toISOString().slice(0, 10)}. Lab: nginx 1.22, Apache 2.4, Caddy 2.6, Varnish 7.1, HAProxy 2.6, Express 5 + cors 2.8, Fastify 5.12 + @fastify/cors 11.4, Hono 4.13 on @hono/node-server 2.1, Koa 2.16 + @koa/cors 5.0, FastAPI 0.92 / Starlette 0.26, Flask 2.2 + Flask-CORS 3.0.10, Django 3.2 + django-cors-headers 3.14, Go 1.19 + rs/cors 1.7, Rails 6.1 + rack-cors 1.1 on Puma 5.6.`,
    '',
    '| scenario | stack | cure | result |',
    '|---|---|---|---|',
    ...rows.map(
      // The page's port changes every run: write it as {page} so the matrix only changes when results do.
      (r) =>
        `| ${r.scenario} | ${r.stack} | ${r.recommended ? '★ ' : ''}${esc(r.cure.replaceAll(lab.pageOrigin, '{page}'))} | ${esc(r.result)} |`,
    ),
    '',
  ]
  mkdirSync(dirname(MATRIX), { recursive: true })
  writeFileSync(MATRIX, lines.join('\n'))
}
