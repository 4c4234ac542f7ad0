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
import { CACHE_BY_ORIGIN } from '../../src/core/fixes/varnish.ts'
import { linesNamed } from '../../src/core/headers.ts'
import { type Oracle, oracleFor } from '../harness/cdp.ts'
import { BASE_FLAGS, findChromium } from '../harness/chromium.ts'
import { type Lab, startLab } from '../lab/server.ts'
import { STACK_SCENARIOS, type StackFetch, type StackScenario, specFor } from '../lab/stacks/scenarios.ts'
import { APP_SLOTS, placeOf, type Slots, type StackSpec, startStack } from '../lab/stacks/stack.ts'

const MATRIX = resolve(import.meta.dirname, '../../docs/cures-matrix.md')
const LAB_NGINX = '1.22'

/** App steps the lab's packages already took: noted, not applied. */
const ALREADY_DONE: Readonly<Record<string, string>> = {
  'rails gemfile': 'Gemfile step: Debian packages rack-cors',
  'fastify install': 'npm install step: @fastify/cors is a devDependency',
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
    if (c.layer === 'proxy' && c.diff) {
      // "Delete this line": it must be a line of the broken config (with or without `always`), and it goes.
      const missing = deleteLines(proxySlots, c.snippet)
      if (missing) return { skip: `the line to delete is not in the config: ${missing}` }
      continue
    }
    if (c.layer === 'proxy') {
      const place = placeOf(c.where)
      if (!place || !s.proxy) return { skip: `no slot for proxy change "${c.where}"` }
      proxySlots[place.place] = c.snippet
      continue
    }
    if (c.where === GENERIC_APP_STEP) {
      // Advice in words ("remove the app's CORS; the proxy hides it anyway"): the cure must work without it.
      notes.push('generic app step left out')
      continue
    }
    const place = placeOf(c.where)
    const done = place ? ALREADY_DONE[`${place.stack} ${place.place}`] : undefined
    if (done) {
      notes.push(done)
      continue
    }
    const slots = place ? APP_SLOTS[place.place] : undefined
    if (!slots) return { skip: `no slot for app change "${c.where}" (app not identified)` }
    const [first, ...rest] = slots
    if (first) appSlots[first] = c.snippet
    for (const r of rest) appSlots[r] = ''
  }
  return { spec: { ...base, proxySlots: proxySlots as Slots, appSlots: appSlots as Slots }, client, notes }
}

/** Deletes each "- " line of a diff from the slot that holds it; returns the first line no slot holds. */
function deleteLines(slots: Record<string, string>, diff: string): string | null {
  for (const line of diff.split('\n')) {
    if (!line.startsWith('- ')) continue
    const want = line.slice(2).replace(/;$/, '')
    const slot = Object.keys(slots).find((k) => slots[k]?.split('\n').some((l) => same(l, want)))
    if (!slot) return line
    slots[slot] = (slots[slot] ?? '')
      .split('\n')
      .filter((l) => !same(l, want))
      .join('\n')
  }
  return null
}
const same = (configLine: string, want: string): boolean =>
  configLine
    .trim()
    .replace(/;$/, '')
    .replace(/ always$/, '') === want

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
  it("nginx's own 502 (the app behind it gone): MissingAllowOriginHeader, and the engine says the upstream did not answer", {
    timeout: 60_000,
  }, async () => {
    // nginx's usual CORS line, without `always`, in front of a port nothing listens on.
    const down =
      'location /down/ {\n  add_header Access-Control-Allow-Origin *;\n  proxy_pass http://127.0.0.1:9;\n}'
    const seen = await runOnce(
      { proxy: 'nginx', app: 'express', proxySlots: { server: down } },
      (page, api) => page.evaluate(fetchCode(`${api}/down/items`, { method: 'GET', path: '' })),
    )
    expect(seen.oracle.corsError).toBe('MissingAllowOriginHeader')
    const d = diagnose(seen.exchange)
    expect(seen.exchange.response?.status).toBe(502)
    expect(d.findings[1]?.code).toBe('upstream-did-not-answer')
    expect(d.findings[1]?.title).toBe('502 Bad Gateway: the server behind nginx did not answer')
    expect(d.findings[1]?.explanation).toContain('add_header … always')
  })

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
    expect(await acaoPerOrigin(CACHE_BY_ORIGIN)).toEqual(['http://a.test', 'http://b.test'])
  })

  it("Chromium refuses another page's cached copy, and the engine names the cache key as the cause", {
    timeout: 60_000,
  }, async () => {
    const stack = await startStack({ proxy: 'varnish', app: 'express', appSlots: { app_cors: REFLECT } })
    try {
      // Another page asks first: Varnish stores the app's answer for http://other.test under host and URL.
      const url = `http://api.test:${stack.port}/api/items`
      const resolve = `api.test:${stack.port}:127.0.0.1`
      execFileSync('curl', [
        '-s',
        '-o',
        '/dev/null',
        '--resolve',
        resolve,
        '-H',
        'Origin: http://other.test',
        url,
      ])
      const context = await browser.newContext()
      try {
        const page = await context.newPage()
        await page.goto(`${lab.pageOrigin}/`)
        const seen = await oracleFor(page, () => page.evaluate(fetchCode(url, { method: 'GET', path: '' })))
        const mine = seen.find((o) => o.url.startsWith(url))
        expect(mine?.oracle.corsError).toBe('AllowOriginMismatch')
        const d = diagnose(mine?.exchange as Exchange)
        expect(d.corsError).toBe('AllowOriginMismatch')
        expect(d.findings[1]?.code).toBe('cache-key-lacks-origin')
        expect(d.findings[1]?.title).toBe("Varnish served another page's CORS answer")
        expect(d.findings[1]?.explanation).toContain("names 'http://other.test'")
      } finally {
        await context.close().catch(() => {})
      }
    } finally {
      await stack.stop()
    }
  })
})

function writeMatrix(): void {
  const esc = (t: string): string => t.replaceAll('|', '\\|')
  const lines = [
    '# Verified cures matrix',
    '',
    'Generated by `test/e2e/cures.test.ts`: each broken lab stack is reproduced in Chromium, diagnosed, and every',
    'generated fix for a stack the lab runs is applied as generated and re-run in a fresh browser context.',
    '"pass" = no loadingFailed and exactly one Access-Control-Allow-Origin line. ★ = the one recommended cure',
    '(the one the panel, the CLI and the Playwright report lead with).',
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
