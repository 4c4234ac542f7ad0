/**
 * HAR as the real exporters write it, for the lab's scenarios, each beside its browser's own verdict:
 *  - Chromium's DevTools front end: the Network panel's log through DevTools' own HAR builder (what "Save
 *    all as HAR" writes); the verdict is the corsErrorStatus CDP handed that same front end;
 *  - Playwright's recordHar, with the CDP observer (test/harness/cdp.ts) as the oracle;
 *  - Firefox ESR's netmonitor, auto-exporting to a file; the verdict is Firefox's console reason.
 * One browser launch per exporter; the runner page runs every scenario in one page load.
 * Firefox exports through its netmonitor pref devtools.netmonitor.har.enableAutoExportToFile (set below).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer from 'puppeteer-core'
import { runnerPage, runnerPath } from '../lab/runner.ts'
import type { PageKind, Scenario } from '../lab/scenario.ts'
import { API_HOST, H2_HOST, type Lab, OTHER_HOST, PAGE_HOST, SITE_HOST, scenarioIdOf } from '../lab/server.ts'
import { observeScenario } from './cdp.ts'
import { launchChromium } from './chromium.ts'
import { launchWithDevTools, runScenarios } from './devtools.ts'

/** Chromium's verdict: CDP corsErrorStatus (null when CORS let the request through). */
export interface ChromiumVerdict {
  readonly corsError: string | null
  readonly failedParameter: string | null
  /** The net error the request failed with (net::ERR_FAILED for CORS), null when it finished. */
  readonly errorText: string | null
}

/** Firefox's verdict: the "(Reason: …)" texts its console printed for the request (none: allowed). */
export interface FirefoxVerdict {
  readonly reasons: readonly string[]
  /** The page's request failed (rejected, or the element's error event), whatever the console said. */
  readonly failed: boolean
}

export interface HarExport<V> {
  readonly har: unknown
  /** By scenario id. */
  readonly verdicts: ReadonlyMap<string, V>
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------------------------------------------------
// Chromium DevTools

/** Runs inside devtools:// (a string: the import must reach DevTools' own module loader untouched). */
const DEVTOOLS_READY = `(async () => {
  const SDK = await import('./core/sdk/sdk.js')
  if (!SDK.TargetManager.TargetManager.instance().primaryPageTarget()) return false
  const Logs = await import('./models/logs/logs.js')
  Logs.NetworkLog.NetworkLog.instance()
  return true
})()`

/** The Network panel's requests as DevTools' own HAR builder writes them, and CDP's verdict on each. */
const DEVTOOLS_EXPORT = `(async () => {
  const Logs = await import('./models/logs/logs.js')
  const HAR = await import('./models/har/har.js')
  const requests = Logs.NetworkLog.NetworkLog.instance().requests()
  const log = await HAR.Log.Log.build(requests, { sanitize: false })
  const verdicts = requests.map((r) => {
    const s = r.corsErrorStatus()
    return { id: r.requestId(), url: r.url(), preflight: r.initiator()?.type === 'preflight',
      corsError: s ? s.corsError : null, failedParameter: s ? s.failedParameter : null,
      errorText: r.failed ? r.localizedFailDescription : null }
  })
  return JSON.stringify({ log, verdicts })
})()`

interface DevToolsRequest {
  readonly id: string
  readonly url: string
  readonly preflight: boolean
  readonly corsError: string | null
  readonly failedParameter: string | null
  readonly errorText: string | null
}

export async function exportWithDevTools(
  lab: Lab,
  scenarios: readonly Scenario[],
  /** The page the scenarios run from (a public one for Local Network Access; the lab's by default). */
  kind: PageKind = 'lab',
): Promise<HarExport<ChromiumVerdict>> {
  const session = await launchWithDevTools({
    hostResolverRules: lab.hostResolverRules,
    headless: true,
    extension: false,
    args: lab.chromiumArgs,
  })
  try {
    const dt = await session.devtools()
    // DevTools records only once it is attached: wait for it before the page loads.
    for (let i = 0; ; i++) {
      if (await dt.evaluate(DEVTOOLS_READY).catch(() => false)) break
      if (i > 120) throw new Error('DevTools never attached to the page')
      await sleep(250)
    }
    await session.page.goto(lab.pageOn(kind, runnerPath(kind), runnerPage(lab, scenarios, kind)))
    await runScenarios(
      session.page,
      scenarios.map((s) => s.id),
    )
    await sleep(300) // the last ExtraInfo events may follow loadingFinished
    const { log, verdicts } = JSON.parse((await dt.evaluate(DEVTOOLS_EXPORT)) as string) as {
      log: unknown
      verdicts: DevToolsRequest[]
    }
    const byId = new Map(verdicts.map((v) => [v.id, v]))
    const out = new Map<string, ChromiumVerdict>()
    for (const s of scenarios) {
      const url = lab.scenarioUrl(s)
      // The first request to the scenario's URL; its redirect hops are "<id>:redirected.N", the last "<id>".
      const first = verdicts.find((v) => v.url === url && !v.preflight)
      const last = first ? byId.get(first.id.split(':')[0] ?? first.id) : undefined
      if (last)
        out.set(s.id, {
          corsError: last.corsError,
          failedParameter: last.failedParameter,
          errorText: last.errorText,
        })
    }
    return { har: { log }, verdicts: out }
  } finally {
    await session.close()
  }
}

// ---------------------------------------------------------------------------------------------------------
// Playwright recordHar

export async function exportWithPlaywright(
  lab: Lab,
  scenarios: readonly Scenario[],
): Promise<HarExport<ChromiumVerdict>> {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-pw-har-'))
  const path = join(dir, 'playwright.har')
  const browser = await launchChromium({
    extension: false,
    hostResolverRules: lab.hostResolverRules,
    recordHar: path,
    args: lab.chromiumArgs,
  })
  try {
    const out = new Map<string, ChromiumVerdict>()
    const page = await browser.context.newPage()
    await page.goto(lab.page('/runner', runnerPage(lab, scenarios)))
    for (const s of scenarios) {
      if (s.fetch.via === 'websocket') {
        // A WebSocket is no Network request in CDP: the page's own result is the browser's verdict.
        const result = await page.evaluate(
          (id) => (window as unknown as { runScenario(id: string): Promise<string> }).runScenario(id),
          s.id,
        )
        out.set(s.id, {
          corsError: null,
          failedParameter: null,
          errorText: result === 'ok' ? null : 'failed',
        })
        continue
      }
      const { oracle } = await observeScenario(page, lab, s)
      out.set(s.id, oracle)
    }
    await browser.close() // writes the HAR
    return { har: JSON.parse(readFileSync(path, 'utf8')) as unknown, verdicts: out }
  } finally {
    await browser.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------------------
// Firefox ESR netmonitor

export const FIREFOX_PATH = '/usr/bin/firefox-esr'

/** "… reading the remote resource at <url>. (Reason: …)"; the credentials messages quote the URL in ‘…’. */
const REASON = /remote resource at ‘?(\S+?)’?\.? \(Reason: (.*?)\)(?:\. Status code: .*)?\.?$/

/**
 * Firefox's netmonitor, opened with the toolbox (`--devtools`), exports the page's HAR by itself once the
 * page has loaded and the network is quiet (`devtools.netmonitor.har.*`). The runner's ?autorun keeps the
 * page loading until every scenario has run, so one file holds them all.
 */
export async function exportWithFirefox(
  lab: Lab,
  scenarios: readonly Scenario[],
): Promise<HarExport<FirefoxVerdict>> {
  if (!existsSync(FIREFOX_PATH)) throw new Error('No Firefox ESR: run `npm run setup`')
  const profile = mkdtempSync(join(tmpdir(), 'cors-lens-ff-'))
  const harDir = mkdtempSync(join(tmpdir(), 'cors-lens-ff-har-'))
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    userDataDir: profile,
    args: ['--devtools'],
    // The lab's HTTPS + HTTP/2 origin has a certificate made at run time.
    acceptInsecureCerts: true,
    extraPrefsFirefox: {
      'network.dns.localDomains': [PAGE_HOST, API_HOST, OTHER_HOST, SITE_HOST, H2_HOST].join(','),
      'intl.locale.requested': 'en-US',
      'devtools.toolbox.selectedTool': 'netmonitor',
      'devtools.netmonitor.har.enableAutoExportToFile': true,
      'devtools.netmonitor.har.defaultLogDir': harDir,
      'devtools.netmonitor.har.defaultFileName': 'lab',
      'devtools.netmonitor.har.pageLoadedTimeout': 1500,
    },
  })
  try {
    const page = (await browser.pages())[0] ?? (await browser.newPage())
    const reasons = new Map<string, string[]>()
    page.on('pageerror', (e) => {
      const m = REASON.exec(e instanceof Error ? e.message : String(e))
      const id = m?.[1] ? scenarioIdOf(m[1]) : null
      if (id && m?.[2]) reasons.set(id, [...(reasons.get(id) ?? []), m[2]])
    })
    await sleep(1500) // the toolbox opens with the first tab
    // The page keeps loading until every scenario has run (its /hold image): wait for the DOM only.
    await page.goto(`${lab.page('/runner', runnerPage(lab, scenarios))}?autorun`, {
      waitUntil: 'domcontentloaded',
    })
    await page.waitForSelector('body[data-results]', { timeout: 10 * 60_000 })
    const results = JSON.parse(
      await page.$eval('body', (b) => (b as HTMLElement).dataset.results ?? '{}'),
    ) as Record<string, string>
    const file = join(harDir, 'lab.har')
    let size = -1
    for (let i = 0; ; i++) {
      await sleep(500)
      const now = existsSync(file) ? statSync(file).size : -1
      if (now > 0 && now === size) break
      if (i > 60) throw new Error(`Firefox wrote no HAR into ${harDir}: ${readdirSync(harDir).join(', ')}`)
      size = now
    }
    const verdicts = new Map(
      scenarios.map((s) => [s.id, { reasons: reasons.get(s.id) ?? [], failed: results[s.id] === 'failed' }]),
    )
    return { har: JSON.parse(readFileSync(file, 'utf8')) as unknown, verdicts }
  } finally {
    await browser.close().catch(() => {})
    rmSync(profile, { recursive: true, force: true })
    rmSync(harDir, { recursive: true, force: true })
  }
}
