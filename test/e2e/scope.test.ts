/**
 * The default capture scope, end to end in real Chromium, as a user meets it: a tab loads with DevTools
 * shut (the worker must hold no webRequest listener — asked of the browser's bindings in the worker, not
 * of our bookkeeping); DevTools opens on it after that first load, on another panel, and still no listener;
 * failing fetches from the page and from a frame that existed before capture started are listed when the
 * CORS panel shows (read from DevTools' own log), and later ones live; "Reload to capture" reloads and lists the page's
 * own load-time request; closing DevTools removes every listener again.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Frame, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXTENSION_DIR } from '../harness/chromium.ts'
import {
  type DevToolsSession,
  launchWithDevTools,
  openCorsPanel,
  panelRows,
  waitForDevToolsPage,
  waitForLiveCapture,
  waitForWorkerListening,
  workerHasWebRequestListeners,
} from '../harness/devtools.ts'
import type { Scenario } from '../lab/scenario.ts'
import { type Lab, startLab } from '../lab/server.ts'

const ROOT = resolve(import.meta.dirname, '../..')

const refused = { response: { status: 200, headers: [['Content-Type', 'text/plain']], body: 'no cors' } }
const FAILING: Scenario = {
  id: 'scope-missing-acao',
  title: 'no Access-Control-Allow-Origin',
  fetch: {},
  routes: { '/before': refused, '/top': refused, '/frame': refused, '/after': refused, '/onload': refused },
  expectCorsError: 'MissingAllowOriginHeader',
} as unknown as Scenario

describe('capture where DevTools is open (the default scope)', () => {
  let lab: Lab
  let session: DevToolsSession
  let page: Page
  const at = (path: string) => lab.scenarioUrl(FAILING, path)
  const hit = (frame: Page | Frame, url: string) =>
    frame.evaluate(
      (u: string) =>
        fetch(u).then(
          (r) => r.status,
          () => 'failed',
        ),
      url,
    )

  beforeAll(async () => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'ignore' })
    lab = await startLab({ scenarios: [FAILING] })
    const frameUrl = lab.page('/scope/frame', '<!doctype html><title>frame</title>')
    // The page asks for /onload as it loads: only a reload done with DevTools open can list it.
    const pageUrl = lab.page(
      '/scope',
      `<!doctype html><title>scope</title><iframe src="${frameUrl}"></iframe>
<script>fetch(${JSON.stringify(at('/onload'))}).catch(() => {})</script>`,
    )
    session = await launchWithDevTools({
      hostResolverRules: lab.hostResolverRules,
      headless: true,
      devtools: false,
    })
    page = session.page
    await page.goto(pageUrl, { waitUntil: 'load' })
  })

  afterAll(async () => {
    await session?.close()
    await lab?.close()
  })

  it('holds no listener until the CORS panel shows; then lists what DevTools logged since it opened, old frames included', async () => {
    expect(await workerHasWebRequestListeners(session.browser)).toBe(false)
    expect(await hit(page, at('/before'))).toBe('failed')

    await page.openDevTools()
    await waitForDevToolsPage(session)
    const frame = page.frames().find((f) => f.url().endsWith('/scope/frame'))
    if (!frame) throw new Error('no iframe')
    expect(await hit(page, at('/top'))).toBe('failed')
    expect(await hit(frame, at('/frame'))).toBe('failed')
    // DevTools is open on another panel: Chromium routes no request through the extension.
    expect(await workerHasWebRequestListeners(session.browser)).toBe(false)

    const panel = await openCorsPanel(session)
    await waitForLiveCapture(session.browser)
    expect(await hit(page, at('/after'))).toBe('failed')
    await panel.waitForFunction(() => document.querySelectorAll('[data-url]').length >= 3, {
      timeout: 20_000,
    })
    const rows = await panelRows(panel)
    // /before happened with DevTools shut: nobody recorded it.
    expect(rows.map((r) => r.url).sort()).toEqual([at('/after'), at('/frame'), at('/top')])
    for (const r of rows) expect(r.corsError).toBe('MissingAllowOriginHeader')
  })

  it('"Reload to capture" reloads the tab and keeps the log across that reload', async () => {
    const panel = await openCorsPanel(session)
    await panel.click('button[aria-label="Clear"]')
    await panel.waitForSelector('.empty .reload')
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), panel.click('.empty .reload')])
    await panel.waitForFunction(
      (u: string) =>
        [...document.querySelectorAll('[data-url]')].some((r) => r.getAttribute('data-url') === u),
      { timeout: 20_000 },
      at('/onload'),
    )
    // No "the page navigated, so the log was cleared": the worker kept the log for this reload.
    expect(await panel.$('.notice')).toBeNull()
  })

  it('removes every webRequest listener when DevTools closes; requests no longer wake the worker', async () => {
    const devtools = await session.devtools()
    await devtools.close()
    await waitForWorkerListening(session.browser, false)
    expect(await workerHasWebRequestListeners(session.browser)).toBe(false)
    // Nor does the browser keep one for it: with the worker stopped, a request no longer wakes it.
    const cdp = await session.browser.target().createCDPSession()
    const workers = async () =>
      (await cdp.send('Target.getTargets')).targetInfos.filter(
        (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${session.extensionId}/`),
      )
    for (const t of await workers()) await cdp.send('Target.closeTarget', { targetId: t.targetId })
    await expect.poll(async () => (await workers()).length, { timeout: 10_000 }).toBe(0)
    expect(await hit(page, at('/top'))).toBe('failed')
    await new Promise((r) => setTimeout(r, 1500))
    expect(await workers()).toEqual([])
    await cdp.detach()
  })
})
