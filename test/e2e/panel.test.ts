/**
 * The whole pipeline against Chromium's own verdict: the lab's scenarios run in one tab, the CDP oracle
 * records the CorsError Chromium reported for each, and the panel (panel.html?tabId=N in another tab)
 * must show a row for the scenario's URL whose data-cors-error is exactly that CorsError — empty when
 * Chromium let the request through.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { observeScenario } from '../harness/cdp.ts'
import { EXTENSION_DIR, type LaunchedBrowser, launchChromium, pollListening } from '../harness/chromium.ts'
import { har, harEntry } from '../harness/har.ts'
import { observeLna } from '../harness/lna.ts'
import { kindOf, openRunners } from '../harness/runners.ts'
import { setScopeScript } from '../harness/scope.ts'
import { localNetworkScenarios } from '../lab/local-network.ts'
import { runnerPage } from '../lab/runner.ts'
import type { Scenario } from '../lab/scenario.ts'
import { scenarios } from '../lab/scenarios.ts'
import { type Lab, startLab } from '../lab/server.ts'

const ROOT = resolve(import.meta.dirname, '../..')

/** Scenarios whose URL no other scenario shares, so a row's data-url names one scenario. */
function distinctByUrl(lab: Lab, all: readonly Scenario[]): Scenario[] {
  const seen = new Map<string, number>()
  for (const s of all) seen.set(lab.scenarioUrl(s), (seen.get(lab.scenarioUrl(s)) ?? 0) + 1)
  return all.filter((s) => seen.get(lab.scenarioUrl(s)) === 1)
}

interface Observed {
  readonly scenario: Scenario
  readonly url: string
  readonly corsError: string
}

describe('panel rows against the CDP oracle', () => {
  let lab: Lab
  let browser: LaunchedBrowser
  let page: Page
  let panel: Page
  const observed: Observed[] = []

  beforeAll(async () => {
    // `npm test` builds first; a lone run of this file builds if there is nothing to load.
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'ignore' })
    lab = await startLab({ scenarios: [...scenarios, ...localNetworkScenarios], localNetwork: true })
    const runner = lab.page('/runner', runnerPage(lab, scenarios))
    browser = await launchChromium({ hostResolverRules: lab.hostResolverRules, args: lab.chromiumArgs })
    page = browser.context.pages()[0] ?? (await browser.context.newPage())
    await page.goto(runner)
    const worker = await browser.worker()
    const tabId = await worker.evaluate(
      async (pattern) => (await chrome.tabs.query({ url: pattern }))[0]?.id ?? null,
      `${lab.pageOrigin}/*`,
    )
    if (tabId === null) throw new Error('the worker could not find the runner tab')
    // The panel looks at the tab before the requests (capture runs where someone looks: the default scope).
    panel = await browser.context.newPage()
    await panel.setViewportSize({ width: 1400, height: 900 })
    await panel.goto(`chrome-extension://${await browser.extensionId()}/src/panel/panel.html?tabId=${tabId}`)
    await pollListening(() => browser.listening(), true)
    for (const scenario of distinctByUrl(lab, scenarios)) {
      const run = await observeScenario(page, lab, scenario)
      observed.push({ scenario, url: lab.scenarioUrl(scenario), corsError: run.oracle.corsError ?? '' })
    }
    await panel.waitForSelector('[data-url]', { timeout: 20_000 })
  })

  afterAll(async () => {
    await browser?.close()
    await lab?.close()
  })

  /** The panel's row for a URL: found through the filter box, because the list only renders rows in view. */
  async function rowFor(url: string, on: Page = panel): Promise<{ corsError: string; url: string } | null> {
    await on.fill('input.filter', url)
    const quoted = JSON.stringify(url)
    // data-initial-url: a redirected request's row is named by its final URL, and also by the one asked for.
    const row = on.locator(`[data-url=${quoted}], [data-initial-url=${quoted}]`)
    try {
      await row.first().waitFor({ timeout: 3_000 })
    } catch {
      return null
    }
    const rows = await row.evaluateAll((els) =>
      els.map((e) => ({
        url: e.getAttribute('data-url') ?? '',
        corsError: e.getAttribute('data-cors-error') ?? '',
      })),
    )
    // Several rows for one URL would mean the panel split one request: report them all.
    return rows.length === 1
      ? (rows[0] ?? null)
      : { url, corsError: rows.map((r) => r.corsError).join(' | ') }
  }

  it('shows, for at least 25 scenarios, the CorsError Chromium reported (empty when it passed)', async () => {
    const mismatches: string[] = []
    const missing: string[] = []
    let checked = 0
    for (const o of observed) {
      const row = await rowFor(o.url)
      // A no-cors request carries no Origin and is not a CORS request: capture leaves it out by design.
      if (o.scenario.fetch.mode === 'no-cors') {
        if (row) expect(row.corsError, o.scenario.id).toBe('')
        continue
      }
      if (!row) {
        missing.push(`${o.scenario.id} (${o.url}, Chromium: ${o.corsError || 'passed'})`)
        continue
      }
      checked++
      // A client's retry (the lab's `retry`) is a second row for the URL, and it passed.
      const expected = o.scenario.fetch.retry ? [o.corsError, ''].sort().join(' | ') : o.corsError
      const got = o.scenario.fetch.retry ? row.corsError.split(' | ').sort().join(' | ') : row.corsError
      if (got !== expected)
        mismatches.push(`${o.scenario.id}: panel says "${row.corsError}", Chromium said "${o.corsError}"`)
    }
    expect(mismatches).toEqual([])
    expect(missing).toEqual([])
    expect(checked).toBeGreaterThanOrEqual(25)
    const passing = observed.filter((o) => o.corsError === '').length
    expect(passing).toBeGreaterThan(0)
  })

  it('names every Local Network Access block as Chromium did (public pages over http and https, granted)', async () => {
    // One tab per public page; each tab's panel must show each of its scenarios with CDP's CorsError. The
    // tabs are new: capture takes every tab for this test (the default scope has its own test, scope.test.ts).
    await panel.evaluate(setScopeScript('all-tabs'))
    const pages = await openRunners(browser.context, lab, localNetworkScenarios)
    const worker = await browser.worker()
    const mismatches: string[] = []
    for (const [kind, tab] of pages) {
      const mine = localNetworkScenarios.filter((s) => kindOf(s) === kind)
      const seen: Observed[] = []
      for (const scenario of mine) {
        // A WebSocket's oracle is CDP's verdict on a fetch() of the same URL (test/harness/lna.ts).
        const run = await observeLna(tab, lab, scenario)
        seen.push({ scenario, url: lab.scenarioUrl(scenario), corsError: run.oracle.corsError ?? '' })
      }
      const tabId = await worker.evaluate(
        async (pattern) => (await chrome.tabs.query({ url: pattern }))[0]?.id ?? null,
        `${lab.originOf(kind)}/*`,
      )
      const lnaPanel = await browser.context.newPage()
      await lnaPanel.goto(`${panel.url().split('?')[0]}?tabId=${tabId}`)
      await lnaPanel.waitForSelector('[data-url]', { timeout: 20_000 })
      for (const o of seen) {
        const row = await rowFor(o.url, lnaPanel)
        // A WebSocket that opened is no CORS matter: no row (capture hears WebSockets only when they fail).
        if (o.scenario.fetch.via === 'websocket' && o.corsError === '') {
          if (row) mismatches.push(`${o.scenario.id}: a row for a WebSocket that opened`)
          continue
        }
        if (row?.corsError !== o.corsError)
          mismatches.push(
            `${o.scenario.id}: panel "${row?.corsError ?? 'no row'}", Chromium "${o.corsError}"`,
          )
      }
      if (kind === 'public-https') {
        await lnaPanel.fill('input.filter', seen[0]?.url ?? '')
        await lnaPanel.locator('.row').first().click()
        await lnaPanel.waitForSelector('.detail')
        await expect(lnaPanel.locator('.detail').textContent()).resolves.toContain('public → loopback')
        await lnaPanel.screenshot({ path: join(ROOT, 'test-results/panel-lna-detail.png') })
      }
      // The rows only the browser's error names, and the WebSocket: each detail carries the LNA finding.
      for (const o of seen.filter((x) => /devbox|nip|-ws-/.test(x.scenario.id) && x.corsError !== '')) {
        await lnaPanel.fill('input.filter', o.url)
        await lnaPanel.locator('.row').first().click()
        const detail = lnaPanel.locator('.detail')
        await detail.waitFor()
        const text = (await detail.textContent()) ?? ''
        if (!text.includes('Local Network Access'))
          mismatches.push(`${o.scenario.id}: the detail has no Local Network Access finding`)
        if (o.scenario.fetch.via === 'websocket' && !text.includes('WebSocket'))
          mismatches.push(`${o.scenario.id}: the detail does not say it was a WebSocket`)
        if (o.scenario.id === 'lna-insecure-devbox-put')
          await lnaPanel.screenshot({ path: join(ROOT, 'test-results/panel-lna-nameless.png') })
        await lnaPanel.keyboard.press('Escape')
        await detail.waitFor({ state: 'detached' })
      }
      await lnaPanel.close()
      await tab.close()
    }
    await panel.evaluate(setScopeScript('devtools-open'))
    expect(mismatches).toEqual([])
  })

  it('opens the detail from the keyboard and closes it with Esc', async () => {
    const blocked = observed.find((o) => o.corsError !== '')
    if (!blocked) throw new Error('no blocked scenario')
    await panel.fill('input.filter', blocked.url)
    await panel.locator('input.filter').press('ArrowDown')
    await panel.keyboard.press('ArrowDown')
    await panel.keyboard.press('Enter')
    const detail = panel.locator('.detail')
    await detail.waitFor()
    await expect(detail.locator('.console').textContent()).resolves.toContain(
      'has been blocked by CORS policy',
    )
    await expect(detail.locator('.badge-error').first().textContent()).resolves.toBe(blocked.corsError)
    await panel.screenshot({ path: join(ROOT, 'test-results/panel-tab-detail.png') })
    // 400 px wide: the detail takes the whole panel.
    await panel.setViewportSize({ width: 400, height: 800 })
    await panel.screenshot({ path: join(ROOT, 'test-results/panel-400.png') })
    await panel.keyboard.press('Escape')
    await detail.waitFor({ state: 'detached' })
    await panel.fill('input.filter', '')
    await panel.screenshot({ path: join(ROOT, 'test-results/panel-400-list.png') })
    await panel.setViewportSize({ width: 1600, height: 900 })
    await panel.screenshot({ path: join(ROOT, 'test-results/panel-tab.png') })
  })

  it('follows the dark theme in a tab (?theme=dark)', async () => {
    const dark = await browser.context.newPage()
    await dark.setViewportSize({ width: 1600, height: 900 })
    await dark.goto(`${panel.url()}&theme=dark`)
    await dark.waitForSelector('[data-url]')
    await dark.locator('.row').first().click()
    await dark.waitForSelector('.detail')
    await expect(dark.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark')
    await dark.screenshot({ path: join(ROOT, 'test-results/panel-dark.png') })
    await dark.close()
  })

  it('keeps the preserve-log choice in the worker (it comes back after a reload)', async () => {
    const box = panel.getByLabel('Keep log')
    await box.check()
    await panel.reload()
    await panel.waitForSelector('[data-url]')
    await expect(panel.getByLabel('Keep log').isChecked()).resolves.toBe(true)
    await panel.getByLabel('Keep log').uncheck()
  })

  it('exports the log as HAR and explains it again when imported, labelled as imported', async () => {
    const [download] = await Promise.all([
      panel.waitForEvent('download'),
      panel.click('button[aria-label^="Export HAR"]'),
    ])
    const path = join(ROOT, 'test-results/panel-export.har')
    await download.saveAs(path)
    const har = JSON.parse(readFileSync(path, 'utf8')) as { log: { entries: unknown[] } }
    expect(har.log.entries.length).toBeGreaterThanOrEqual(observed.length)

    await panel.click('button[aria-label="Clear"]')
    await panel.waitForSelector('[data-url]', { state: 'detached' })
    await panel.setInputFiles('input[type=file]', path)
    await panel.waitForSelector('.row .badge-imported', { timeout: 20_000 })
    const mismatches: string[] = []
    for (const o of observed.slice(0, 30)) {
      const row = await rowFor(o.url)
      if (row && row.corsError !== o.corsError)
        mismatches.push(`${o.scenario.id}: "${row.corsError}" ≠ "${o.corsError}"`)
    }
    expect(mismatches).toEqual([])
  })

  it('survives a 1 MB header value and control characters (cut for display, "show all" on request)', async () => {
    const url = 'http://api.test/huge'
    const huge = 'x'.repeat(1024 * 1024)
    const hugeHar = har([
      harEntry({
        url,
        responseHeaders: [
          { name: 'Access-Control-Allow-Origin', value: 'http://app.test' },
          { name: 'X-Huge', value: huge },
          { name: 'X-Bytes', value: '\u00ff\ufffd\u0000<b>not html</b>' },
        ],
      }),
    ])
    await panel.setInputFiles('input[type=file]', {
      name: 'huge.har',
      mimeType: 'application/json',
      buffer: Buffer.from(hugeHar),
    })
    await panel.fill('input.filter', url)
    await panel.locator(`[data-url="${url}"]`).click()
    const value = panel.locator('.detail .line', { hasText: 'X-Huge' }).locator('.h-value')
    await expect(value.evaluate((e) => e.firstChild?.textContent?.length)).resolves.toBe(2000)
    await value.locator('button.more').click()
    await expect(value.evaluate((e) => e.textContent?.length)).resolves.toBe(huge.length)
    const bytes = panel.locator('.detail .line', { hasText: 'X-Bytes' }).locator('.h-value')
    await expect(bytes.textContent()).resolves.toBe('\u00ff\ufffd\\x00<b>not html</b>')
    await expect(panel.locator('.detail b', { hasText: 'not html' }).count()).resolves.toBe(0)
  })

  it('stays fluid with 10,000 requests: import, scroll and filter', async () => {
    const entries = Array.from({ length: 10_000 }, (_, i) =>
      harEntry({
        url: `http://api.test/bulk/${i}`,
        startedAt: Date.now() - 10_000 + i,
        // Half refused by CORS: Playwright writes such a request with status -1 (no response).
        ...(i % 2
          ? { responseHeaders: [{ name: 'Access-Control-Allow-Origin', value: 'http://app.test' }] }
          : { status: -1 }),
      }),
    )
    const bulkHar = har(entries, 'Playwright')
    await panel.fill('input.filter', '')
    await panel.setInputFiles('input[type=file]', {
      name: 'bulk.har',
      mimeType: 'application/json',
      buffer: Buffer.from(bulkHar),
    })
    await panel.waitForFunction(
      () => /Imported 10000 request/.test(document.querySelector('.notice')?.textContent ?? ''),
      undefined,
      {
        timeout: 60_000,
      },
    )
    // Virtualized: thousands of groups, a few dozen rows in the DOM.
    await expect(panel.locator('[data-url]').count()).resolves.toBeLessThan(120)
    // Filtering and scrolling must keep working over 10,000 groups; how fast is `npm run bench`'s job.
    await panel.fill('input.filter', 'bulk/99')
    await panel.waitForFunction(() => document.querySelectorAll('[data-url]').length <= 111)
    await panel.fill('input.filter', '')
    await panel.waitForFunction(() => document.querySelectorAll('[data-url]').length > 0)
    const firstRow = () =>
      panel.evaluate(() => document.querySelector('[data-url]')?.getAttribute('data-url') ?? '')
    const top = await firstRow()
    await panel.evaluate(() => {
      const body = document.querySelector<HTMLElement>('.list-body')
      if (!body) throw new Error('no list')
      body.scrollTop = body.scrollHeight
      body.dispatchEvent(new Event('scroll'))
    })
    // Scrolled to the end, the virtual list renders other rows than at the top.
    await panel.waitForFunction(
      (before) => (document.querySelector('[data-url]')?.getAttribute('data-url') ?? before) !== before,
      top,
    )
    await expect(panel.locator('[data-url]').count()).resolves.toBeLessThan(120)
    await panel.fill('input.filter', 'bulk/99')
    await expect(panel.locator('[data-url="http://api.test/bulk/99"]').count()).resolves.toBe(1)
  })
})
