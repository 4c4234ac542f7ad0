/**
 * The Firefox leg of the differential test: the lab's scenarios run in real Firefox ESR with the Firefox
 * build of CORS Lens installed. Firefox's own verdict comes from its console ("Cross-Origin Request Blocked
 * … (Reason: …)", BiDi log entries); the panel page (panel.html?tabId=N) must show, for every scenario, a row
 * whose CorsError names the same failure as Firefox's reason (FIREFOX_REASON_FOR), and no CorsError where
 * Firefox let the request through. One Firefox launch; all scenarios in one batch.
 *
 * What webRequest in Firefox cannot show is listed in WEBREQUEST_CANNOT_SHOW with the panel's answer there,
 * so the list cannot silently grow or go stale. Where Firefox and Chromium judge the same headers
 * differently is checked against FIREFOX_DIFFERENCES' scenarios (src/core/firefox-reasons.ts).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CorsErrorName,
  FIREFOX_LNA,
  FIREFOX_REASON_FOR,
  type FirefoxReasonKey,
  firefoxReasonKey,
} from '../../src/core/index.ts'
import {
  answerFirefoxPrompt,
  FIREFOX_EXTENSION_DIR,
  type FirefoxConsoleEntry,
  type FirefoxCorsMessage,
  gotoExtensionPage,
  inBrowserWindow,
  type LaunchedFirefox,
  launchFirefox,
  recordFirefoxConsole,
  setFirefoxPermission,
} from '../harness/firefox.ts'
import { setScopeScript } from '../harness/scope.ts'
import { firefoxLocalNetworkScenarios } from '../lab/local-network-firefox.ts'
import { runnerPage, runnerPath } from '../lab/runner.ts'
import type { PageKind, Scenario } from '../lab/scenario.ts'
import { scenarios } from '../lab/scenarios.ts'
import { API_HOST, type Lab, LOCAL_HOST, OTHER_HOST, PAGE_HOST, SITE_HOST, startLab } from '../lab/server.ts'

const ROOT = resolve(import.meta.dirname, '../..')

/**
 * The scenarios where the panel does not name Firefox's failure, with the panel's CorsError there ('' = none).
 * webRequest hides what Firefox's check saw: one ACAO line 'a, b' looks exactly like two lines, which Firefox
 * joins with ", " (Firefox: "does not match"; the panel keeps MultipleAllowOriginValues); an empty ACAO line
 * beside '*' is dropped from webRequest (Firefox: "Multiple"; the panel sees only '*').
 */
const WEBREQUEST_CANNOT_SHOW: Readonly<Record<string, string>> = {
  'multi-one-line': 'MultipleAllowOriginValues',
  'pf-multi-one-line': 'PreflightMultipleAllowOriginValues',
  'multi-empty-and-star': '',
  // The credentials mode: what the panel gets from Firefox's webRequest does not show it to be credentialed
  // (why was not traced), so it takes the explanation that needs no assumption (the redirect's user:pass) and
  // names WildcardOriginNotAllowed as the alternative; Firefox, which knows the mode, names the wildcard.
  'redir-userinfo-star-cred': 'RedirectContainsCredentials',
}

/** Scenarios Firefox ESR 153 judges differently from Chromium 156 (FIREFOX_DIFFERENCES says how). */
const FIREFOX_DIFFERS_FROM_CHROMIUM = [
  'multi-one-line',
  'multi-inner-space',
  'pf-multi-one-line',
  'header-total-1024',
  'ok-redir-preflight-tainted-null',
  'pf-redirect-no-acao',
]

interface FirefoxVerdict {
  /** Firefox's reason for the scenario ("CORS request did not succeed" only when it gave no other). */
  readonly key: FirefoxReasonKey | null
  readonly message: FirefoxCorsMessage | null
  readonly pageResult: string
}

interface Row {
  readonly url: string
  readonly initialUrl: string
  readonly corsError: string
}

const scenarioIdOf = (url: string): string | null => {
  const m = /\/s\/([^/?#]+)/.exec(url)
  return m?.[1] ? decodeURIComponent(m[1]) : null
}

describe('Firefox ESR: the panel against Firefox’s own console verdict', () => {
  let lab: Lab
  let firefox: LaunchedFirefox
  let panel: Page
  const verdicts = new Map<string, FirefoxVerdict>()
  const rows = new Map<string, Row[]>()

  beforeAll(async () => {
    if (!existsSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], {
        cwd: ROOT,
        stdio: 'ignore',
        env: { ...process.env, TARGET_BROWSER: 'firefox' },
      })
    lab = await startLab({ scenarios })
    const runner = lab.page('/runner', runnerPage(lab, scenarios))
    firefox = await launchFirefox({ hosts: [PAGE_HOST, API_HOST, OTHER_HOST, SITE_HOST] })
    // This leg is about verdicts, not the scope: capture takes every tab from the start.
    panel = await firefox.openExtensionPage('src/panel/panel.html')
    await panel.evaluate(setScopeScript('all-tabs'))
    const page = await firefox.newPage()
    await page.goto(runner)
    const results = JSON.parse(
      await page.evaluate(async () => JSON.stringify(await (window as unknown as Runner).runAll())),
    ) as Record<string, string>
    await settled(() => firefox.corsMessages.length)
    for (const s of scenarios)
      verdicts.set(s.id, verdictOf(s, results[s.id] ?? 'missing', firefox.corsMessages))

    const tabs = JSON.parse(
      await panel.evaluate(async () => JSON.stringify(await browser.tabs.query({}))),
    ) as { id: number; url?: string }[]
    const tabId = tabs.find((t) => t.url?.startsWith(lab.pageOrigin))?.id
    if (tabId === undefined) throw new Error('the runner tab was not found')
    // Tall enough that the virtual list renders every row at once.
    await panel.setViewport({ width: 1400, height: 24 * (scenarios.length + 20) + 200 })
    await gotoExtensionPage(panel, `${firefox.extensionBase}src/panel/panel.html?tabId=${tabId}`)
    await panel.waitForSelector('[data-url]', { timeout: 30_000 })
    await settled(async () => (await readRows(panel)).length)
    for (const row of await readRows(panel)) {
      const id = scenarioIdOf(row.initialUrl) ?? scenarioIdOf(row.url)
      if (id) rows.set(id, [...(rows.get(id) ?? []), row])
    }
  })

  afterAll(async () => {
    await firefox?.close()
    await lab?.close()
  })

  it('lists every CORS-mode scenario once, naming the failure Firefox named (none where Firefox allowed it)', () => {
    const disagree: string[] = []
    let run = 0
    let agree = 0
    for (const s of scenarios) {
      const found = rows.get(s.id) ?? []
      if (s.fetch.mode === 'no-cors') {
        // No Origin header: not a CORS request, left out by design.
        expect(found, s.id).toEqual([])
        continue
      }
      run++
      const v = verdicts.get(s.id)
      // A scenario that retries after its failure (a client library's pattern) has a second, passing row.
      const retried =
        s.fetch.retry !== undefined && found.length === 2 && found.some((r) => r.corsError === '')
      const row = found.length === 1 ? found[0] : retried ? found.find((r) => r.corsError !== '') : undefined
      const panelError = row ? row.corsError : `${found.length} rows`
      const named = row?.corsError ? FIREFOX_REASON_FOR[row.corsError as CorsErrorName] : null
      const same = v?.key ? named === v.key : row?.corsError === ''
      if (same) agree++
      else
        disagree.push(
          `${s.id}: Firefox ${v?.key ?? 'allowed'} (${v?.message?.reason ?? v?.pageResult}), panel "${panelError}"`,
        )
      if (s.id in WEBREQUEST_CANNOT_SHOW) expect(panelError, s.id).toBe(WEBREQUEST_CANNOT_SHOW[s.id])
    }
    console.log(
      `Firefox leg: ${run} scenarios run, ${agree} agree, ${disagree.length} disagree:\n  ${disagree.join('\n  ')}`,
    )
    expect(disagree.map((d) => d.split(':')[0]).sort()).toEqual(Object.keys(WEBREQUEST_CANNOT_SHOW).sort())
    expect(agree).toBeGreaterThanOrEqual(run - Object.keys(WEBREQUEST_CANNOT_SHOW).length)
  })

  it('Firefox blocks what it reports, and differs from Chromium only where recorded', () => {
    const differs: string[] = []
    for (const s of scenarios) {
      const v = verdicts.get(s.id)
      // A CORS failure always reaches the page as a failed fetch, and Firefox always says why.
      expect(v?.pageResult === 'failed', s.id).toBe(v?.key !== null)
      const chromium = s.expectCorsError ? FIREFOX_REASON_FOR[s.expectCorsError as CorsErrorName] : null
      if ((v?.key ?? null) !== chromium) differs.push(s.id)
    }
    expect(differs.sort()).toEqual([...FIREFOX_DIFFERS_FROM_CHROMIUM].sort())
  })

  it("leads each verdict with Firefox's own console line, exactly as Firefox printed it", async () => {
    // One scenario per Firefox reason the lab produces.
    const sample = new Map<FirefoxReasonKey, string>()
    for (const s of scenarios) {
      const key = verdicts.get(s.id)?.key
      if (key && !sample.has(key) && !(s.id in WEBREQUEST_CANNOT_SHOW) && !s.id.startsWith('redir-'))
        sample.set(key, s.id)
    }
    expect(sample.size).toBeGreaterThanOrEqual(10)
    const wrong: string[] = []
    for (const id of sample.values()) {
      const row = rows.get(id)?.[0]
      const expected = verdicts.get(id)?.message?.text
      if (!row || !expected) continue
      const shown = await consoleLineFor(panel, row.url)
      if (shown !== expected) wrong.push(`${id}:\n    Firefox: ${expected}\n    panel:   ${shown}`)
    }
    expect(wrong).toEqual([])
  })
})

/**
 * Firefox's own Local Network Access, with Firefox's default prefs (153.8: network.lna.blocking is on) and
 * the lab's public pages declared public by Firefox's testing prefs. Firefox's verdict: its CORS console
 * line (BiDi), its "Security" console lines (Firefox's console service, chrome scope) and the error its
 * webRequest gives the extension; the panel must name each block with Firefox's words.
 */
describe('Firefox ESR: Local Network Access, in Firefox words', () => {
  const lnaScenarios = firefoxLocalNetworkScenarios
  let lab: Lab
  let firefox: LaunchedFirefox
  let panel: Page
  let readConsole: () => Promise<FirefoxConsoleEntry[]>
  const pages = new Map<PageKind, Page>()
  const results = new Map<string, string>()
  const prompts: string[] = []
  let defaults: { blocking: boolean; userSet: boolean; insecure: boolean }

  /** Runs a page's scenarios; answers Firefox's prompts with Block, as a user would, until they all end. */
  async function runAnswering(page: Page, ids: readonly string[]): Promise<Record<string, string>> {
    await page.evaluate(
      `window.__lnaDone = null; (async () => { const out = {}; for (const id of ${JSON.stringify(ids)}) out[id] = await window.runScenario(id); return out })().then((r) => { window.__lnaDone = JSON.stringify(r) }); true`,
    )
    for (let i = 0; i < 1500; i++) {
      const prompt = await answerFirefoxPrompt(firefox, ['loopback-network', 'local-network'], 'block')
      if (prompt) prompts.push(prompt)
      const done = await page.evaluate('window.__lnaDone')
      if (typeof done === 'string') return JSON.parse(done) as Record<string, string>
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`the Local Network Access scenarios never finished: ${ids.join(', ')}`)
  }

  beforeAll(async () => {
    if (!existsSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], {
        cwd: ROOT,
        stdio: 'ignore',
        env: { ...process.env, TARGET_BROWSER: 'firefox' },
      })
    lab = await startLab({ scenarios: lnaScenarios, localNetwork: true })
    const port = (kind: PageKind): string => new URL(lab.originOf(kind)).port
    const local = lnaScenarios.find((s) => s.fetch.path === '{localbase}')
    const localPort = local ? new URL(lab.scenarioUrl(local)).port : ''
    firefox = await launchFirefox({
      hosts: [PAGE_HOST, API_HOST, LOCAL_HOST, `frame.${PAGE_HOST}`],
      acceptInsecureCerts: true,
      prefs: {
        'network.lna.address_space.public.override': (
          ['public-http', 'public-https', 'granted-https'] as const
        )
          .map((k) => `127.0.0.1:${port(k)}`)
          .join(','),
        'network.lna.address_space.private.override': `127.0.0.1:${localPort}`,
      },
    })
    defaults = JSON.parse(
      String(
        await inBrowserWindow(
          firefox,
          `JSON.stringify({ blocking: Services.prefs.getDefaultBranch('').getBoolPref('network.lna.blocking'), userSet: Services.prefs.prefHasUserValue('network.lna.blocking'), insecure: Services.prefs.getBoolPref('network.lna.block_insecure_contexts') })`,
        ),
      ),
    )
    readConsole = await recordFirefoxConsole(firefox)
    const both = [FIREFOX_LNA.permission.loopback.name, FIREFOX_LNA.permission.local.name]
    await setFirefoxPermission(firefox, lab.originOf('public-https'), both, 'deny')
    await setFirefoxPermission(firefox, lab.originOf('granted-https'), both, 'allow')
    panel = await firefox.openExtensionPage('src/panel/panel.html')
    await panel.evaluate(setScopeScript('all-tabs'))
    // The extension's own view of each failure: webRequest's error string, as the extension receives it.
    await panel.evaluate(`(() => {
      window.__lnaErrors = []
      browser.webRequest.onErrorOccurred.addListener((d) => {
        if (d.url.includes('/s/lna-firefox-')) window.__lnaErrors.push({ url: d.url, method: d.method, error: d.error, ip: d.ip })
      }, { urls: ['<all_urls>'] })
      return true
    })()`)
    for (const kind of ['public-http', 'public-https', 'granted-https'] as const) {
      const page = await firefox.newPage()
      await page.goto(lab.pageOn(kind, runnerPath(kind), runnerPage(lab, lnaScenarios, kind)))
      pages.set(kind, page)
      const ids = lnaScenarios.filter((s) => s.from === kind).map((s) => s.id)
      for (const [id, r] of Object.entries(await runAnswering(page, ids))) results.set(id, r)
    }
    await settled(() => firefox.corsMessages.length)
  })

  afterAll(async () => {
    await firefox?.close()
    await lab?.close()
  })

  it('Firefox ESR 153 asks by default (network.lna.blocking on, http pages too) and refuses on Block', () => {
    expect(defaults).toEqual({ blocking: true, userSet: false, insecure: false })
    for (const s of lnaScenarios)
      expect(results.get(s.id), s.id).toBe(s.firefox.corsError === '' ? 'ok' : 'failed')
    // The real prompts, in Firefox's words (the page's host and port for %S).
    const host = new URL(lab.originOf('public-http')).host
    expect(prompts).toEqual([
      FIREFOX_LNA.permission.loopback.prompt.replace('%S', host),
      FIREFOX_LNA.permission.local.prompt.replace('%S', host),
    ])
  })

  it('gives the extension NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED, no address, on the request and its preflight', async () => {
    const errors = JSON.parse(String(await panel.evaluate('JSON.stringify(window.__lnaErrors)'))) as {
      url: string
      method: string
      error: string
      ip: string | null
    }[]
    for (const s of lnaScenarios) {
      const url = lab.scenarioUrl(s)
      const mine = errors.filter((e) => e.url === url)
      if (s.firefox.corsError !== 'LocalNetworkAccessPermissionDenied') {
        if (s.firefox.corsError === '') expect(mine, s.id).toEqual([])
        continue
      }
      const methods = s.fetch.method === 'PUT' ? ['OPTIONS', 'PUT'] : ['GET']
      expect(mine.map((e) => e.method).sort(), s.id).toEqual(methods)
      for (const e of mine) expect([e.error, e.ip ?? null], s.id).toEqual([FIREFOX_LNA.error, null])
    }
  })

  it("prints Firefox's LNA console lines (prompt_deny, then auto_deny; auto_allow when allowed) and its CORS line", async () => {
    const lines = await readConsole()
    for (const s of lnaScenarios) {
      const url = lab.scenarioUrl(s)
      const detected = lines.filter(
        (l) =>
          l.category === 'Security' &&
          l.text.startsWith('Local Network Access detected: ') &&
          l.text.includes(`accessing target “${url}”`),
      )
      const actions = detected.map((l) => l.text.split('prompt action: ')[1])
      if (s.firefox.promptAction) expect(actions, s.id).toContain(s.firefox.promptAction)
      else expect(actions, s.id).toEqual([])
      const cors = firefox.corsMessages.filter((m) => m.url === url).map((m) => firefoxReasonKey(m.reason))
      const expected =
        s.firefox.corsError === '' ? [] : [FIREFOX_REASON_FOR[s.firefox.corsError as CorsErrorName]]
      expect([...new Set(cors)], s.id).toEqual(expected)
    }
    const asked = lines.filter((l) => l.text.startsWith('Local Network Access permission required: '))
    expect(asked.length).toBeGreaterThan(0)
  })

  it("the panel names each block LocalNetworkAccessPermissionDenied with Firefox's words and cures", async () => {
    const wrong: string[] = []
    for (const kind of ['public-http', 'public-https', 'granted-https'] as const) {
      const tabs = JSON.parse(
        await panel.evaluate(async () => JSON.stringify(await browser.tabs.query({}))),
      ) as { id: number; url?: string }[]
      const tabId = tabs.find((t) => t.url?.startsWith(lab.originOf(kind)))?.id
      await gotoExtensionPage(panel, `${firefox.extensionBase}src/panel/panel.html?tabId=${tabId}`)
      await panel.waitForSelector('[data-url]', { timeout: 30_000 })
      await settled(async () => (await readRows(panel)).length)
      const rows = await readRows(panel)
      for (const s of lnaScenarios.filter((x) => x.from === kind)) {
        const mine = rows.filter((r) => scenarioIdOf(r.url) === s.id)
        if (mine.length !== 1 || mine[0]?.corsError !== s.firefox.corsError)
          wrong.push(
            `${s.id}: panel ${JSON.stringify(mine.map((r) => r.corsError))}, want "${s.firefox.corsError}"`,
          )
      }
      if (kind !== 'public-http') continue
      // The detail leads with Firefox's own CORS line and explains it in Firefox's terms.
      for (const id of ['lna-firefox-http-ip', 'lna-firefox-http-name-put']) {
        const url = lab.scenarioUrl(lnaScenarios.find((s) => s.id === id) as Scenario)
        const printed = firefox.corsMessages.find((m) => m.url === url)?.text
        expect(await consoleLineFor(panel, url), id).toBe(printed)
        const detail = await panel.$eval('.detail', (e) => e.textContent ?? '')
        expect(detail, id).toContain('Local Network Access permission required (Firefox)')
        expect(detail, id).toContain(FIREFOX_LNA.error)
        expect(detail, id).toContain(`"${FIREFOX_LNA.permission.loopback.name}"`)
        expect(detail, id).toContain(FIREFOX_LNA.prefs.skipDomains)
        expect(detail, id).not.toContain('chrome://settings')
        if (id.includes('-name')) expect(detail, id).toContain('the browser did not say which')
      }
    }
    expect(wrong).toEqual([])
  })

  it('with network.lna.blocking off, Firefox neither asks nor blocks', async () => {
    await inBrowserWindow(firefox, `Services.prefs.setBoolPref('network.lna.blocking', false); true`)
    try {
      const page = pages.get('public-http') as Page
      const again = await runAnswering(page, ['lna-firefox-http-ip', 'lna-firefox-http-name-put'])
      expect(again).toEqual({ 'lna-firefox-http-ip': 'ok', 'lna-firefox-http-name-put': 'ok' })
    } finally {
      await inBrowserWindow(firefox, `Services.prefs.clearUserPref('network.lna.blocking'); true`)
    }
  })
})

interface Runner {
  runAll(): Promise<Record<string, string>>
}
declare const browser: { tabs: { query(q: object): Promise<unknown[]> } }

/** Firefox's verdict for a scenario: the specific reason, else the generic one, else none. */
function verdictOf(s: Scenario, pageResult: string, messages: readonly FirefoxCorsMessage[]): FirefoxVerdict {
  const mine = messages.filter((m) => scenarioIdOf(m.url) === s.id)
  const keyed = mine.map((m) => ({ m, key: firefoxReasonKey(m.reason) }))
  const specific = keyed.find((k) => k.key !== null && k.key !== 'CORSDidNotSucceed2') ?? keyed[0]
  return { key: specific?.key ?? null, message: specific?.m ?? null, pageResult }
}

async function readRows(panel: Page): Promise<Row[]> {
  return JSON.parse(
    await panel.evaluate(() =>
      JSON.stringify(
        [...document.querySelectorAll('[data-url]')].map((e) => ({
          url: e.getAttribute('data-url') ?? '',
          initialUrl: e.getAttribute('data-initial-url') ?? '',
          corsError: e.getAttribute('data-cors-error') ?? '',
        })),
      ),
    ),
  ) as Row[]
}

/** Opens a row's detail through the filter box and reads the console line its verdict leads with. */
async function consoleLineFor(panel: Page, url: string): Promise<string> {
  // The whole filter at once, as a paste does (typing it key by key over BiDi takes seconds per row).
  await panel.$eval(
    'input.filter',
    (e, value) => {
      const input = e as HTMLInputElement
      input.value = value
      input.dispatchEvent(new Event('input', { bubbles: true }))
    },
    url,
  )
  const selector = `[data-url=${JSON.stringify(url)}]`
  await panel.waitForSelector(selector, { timeout: 10_000 })
  // A DOM click: the detail pane of the previous row may cover the list's hit area.
  await panel.$eval(selector, (e) => (e as HTMLElement).click())
  const line = await panel.waitForFunction(
    (want) => {
      const head = document.querySelector('.detail-url')?.getAttribute('title')
      const span = document.querySelector('.console[data-browser="firefox"] > span:not(.console-icon)')
      return head === want && span ? span.textContent : null
    },
    { timeout: 10_000 },
    url,
  )
  return String(await line.jsonValue())
}

/** Waits until a count stops changing (events still arriving over BiDi), at most ~10 s. Not an assertion. */
async function settled(count: () => number | Promise<number>): Promise<void> {
  let last = -1
  for (let i = 0; i < 40; i++) {
    const now = await count()
    if (now === last && now > 0) return
    last = now
    await new Promise((r) => setTimeout(r, 250))
  }
}
