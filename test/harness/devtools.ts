/**
 * Chromium with the extension and a real DevTools window, driven by puppeteer-core (Playwright does not
 * expose DevTools windows as pages). One module for the DevTools e2e test and `npm start`: launch, find
 * the DevTools target, select the CORS panel, reach the panel's frame and read its rows.
 * Every tab opens with DevTools through --auto-open-devtools-for-tabs (see the launch below).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer, { type Browser, type Frame, type Page, type Target } from 'puppeteer-core'
import type { Scenario } from '../lab/scenario.ts'
import {
  BASE_FLAGS,
  EXTENSION_DIR,
  findChromium,
  HAS_WEBREQUEST_LISTENERS,
  pollListening,
} from './chromium.ts'

export const PANEL_PATH = 'src/panel/panel.html'
const PANEL_TITLE = 'CORS'

export interface DevToolsSession {
  readonly browser: Browser
  /** The inspected tab (the first tab, so DevTools is attached to it). */
  readonly page: Page
  readonly extensionId: string
  /** The DevTools window of `page`, as a page. */
  devtools(): Promise<Page>
  close(): Promise<void>
}

export interface DevToolsLaunchOptions {
  readonly hostResolverRules: string
  readonly headless: boolean
  /** Default: the built CORS Lens. False: no extension (the bench's baselines). */
  readonly extension?: string | false
  /** Open DevTools on every tab (default true; the bench also needs the same browser without). */
  readonly devtools?: boolean
  readonly windowSize?: readonly [number, number]
  /** More Chromium flags (the lab's `chromiumArgs`). */
  readonly args?: readonly string[]
  /**
   * Leave Ctrl+C, SIGTERM and SIGHUP to the caller (`npm start` stops the lab too): puppeteer's own handlers
   * kill Chromium and exit at once with 130, before any cleanup of the caller's can run. Default false.
   */
  readonly callerHandlesSignals?: boolean
}

export async function launchWithDevTools(options: DevToolsLaunchOptions): Promise<DevToolsSession> {
  const executablePath = findChromium()
  if (!executablePath)
    throw new Error(
      "No Chromium found. Run `npm run setup` (installs Debian's chromium) or set CHROMIUM_PATH.",
    )
  const extension = options.extension === undefined ? EXTENSION_DIR : options.extension
  const [width, height] = options.windowSize ?? [1400, 900]
  const userDataDir = mkdtempSync(join(tmpdir(), 'cors-lens-devtools-'))
  let browser: Browser
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: options.headless,
      // → --auto-open-devtools-for-tabs: every tab, the first included, opens with DevTools.
      devtools: options.devtools ?? true,
      // Otherwise puppeteer appends --disable-extensions.
      enableExtensions: extension !== false,
      userDataDir,
      defaultViewport: null,
      ...(options.callerHandlesSignals
        ? { handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false }
        : {}),
      args: [
        ...BASE_FLAGS,
        ...(extension ? [`--disable-extensions-except=${extension}`, `--load-extension=${extension}`] : []),
        `--host-resolver-rules=${options.hostResolverRules}`,
        `--window-size=${width},${height}`,
        ...(options.args ?? []),
      ],
    })
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true })
    throw e
  }
  const close = async (): Promise<void> => {
    await browser.close().catch(() => {})
    rmSync(userDataDir, { recursive: true, force: true })
  }
  try {
    const extensionId = extension ? new URL((await extensionWorkerTarget(browser)).url()).host : ''
    // Reuse the first tab: it is the one DevTools opened for.
    const page = (await browser.pages())[0] ?? (await browser.newPage())
    let devtoolsPage: Page | null = null
    return {
      browser,
      page,
      extensionId,
      async devtools() {
        if (devtoolsPage) return devtoolsPage
        const target = await browser.waitForTarget((t) => t.url().startsWith('devtools://'), {
          timeout: 20_000,
        })
        const dt = await target.asPage()
        devtoolsPage = dt
        return dt
      },
      close,
    }
  } catch (e) {
    await close()
    throw e
  }
}

/** The extension's service worker target (it may be stopped and restarted: ask again each time). */
export function extensionWorkerTarget(browser: Browser): Promise<Target> {
  return browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'),
    { timeout: 15_000 },
  )
}

/** Whether the extension's worker holds any webRequest listener, as the browser reports it. */
export async function workerHasWebRequestListeners(browser: Browser): Promise<boolean> {
  const worker = await (await extensionWorkerTarget(browser)).worker()
  if (!worker) throw new Error('the extension worker target has no worker')
  return (await worker.evaluate(HAS_WEBREQUEST_LISTENERS)) as boolean
}

/** Polls until the worker holds listeners (or none), as the DevTools page's port comes and goes. */
export function waitForWorkerListening(
  browser: Browser,
  listening: boolean,
  timeoutMs = 10_000,
): Promise<void> {
  return pollListening(() => workerHasWebRequestListeners(browser), listening, timeoutMs)
}

/**
 * Waits until the extension's DevTools page runs (DevTools loads extensions after its own front end), as the
 * browser reports its contexts to the worker: so "no listener yet" is asserted after DevTools could add one.
 */
export async function waitForDevToolsPage(session: DevToolsSession, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs
  const script = `chrome.runtime.getContexts({ contextTypes: ['DEVELOPER_TOOLS'] }).then((c) => c.length > 0)`
  for (;;) {
    const worker = await (await extensionWorkerTarget(session.browser)).worker()
    if (await worker?.evaluate(script).catch(() => false)) return
    if (Date.now() > until) throw new Error('the extension’s DevTools page never ran')
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** Waits until the DevTools front end has loaded (its panels listed): extensions are added only then. */
export async function waitForDevToolsReady(session: DevToolsSession, timeoutMs = 90_000): Promise<void> {
  const dt = await session.devtools()
  const until = Date.now() + timeoutMs
  const script = `(async () => {
    const legacy = await import('./ui/legacy/legacy.js')
    return legacy.InspectorView.InspectorView.instance().tabbedPane.tabIds().includes('network')
  })()`
  while (!(await dt.evaluate(script).catch(() => false))) {
    if (Date.now() > until) throw new Error('DevTools never finished loading')
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * Selects the CORS panel in DevTools and returns its frame. The extension's tab appears a moment after
 * DevTools loads, so we poll for it. Modern DevTools has no `UI` global: we import its own module.
 */
export async function openCorsPanel(
  session: DevToolsSession,
  options: { readonly undock?: boolean; readonly timeoutMs?: number } = {},
): Promise<Frame> {
  const dt = await session.devtools()
  // DevTools adds extensions only once its whole front end has loaded: slow on a loaded 2-core machine.
  const deadline = Date.now() + (options.timeoutMs ?? 90_000)
  const tabId = `chrome-extension://${session.extensionId}${PANEL_TITLE}`
  for (;;) {
    const shown = await dt.evaluate(showPanelScript(tabId, options.undock ?? false)).catch(() => false)
    if (shown) break
    if (Date.now() > deadline) throw new Error(`DevTools never listed the ${PANEL_TITLE} panel (${tabId})`)
    await new Promise((r) => setTimeout(r, 250))
  }
  const url = `chrome-extension://${session.extensionId}/${PANEL_PATH}`
  for (;;) {
    const frame = dt.frames().find((f) => f.url().startsWith(url))
    if (frame) {
      await frame.waitForSelector('#root .app', { timeout: 10_000 })
      return frame
    }
    if (Date.now() > deadline) throw new Error(`The ${PANEL_TITLE} panel's frame (${url}) never appeared`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Runs inside devtools://. A string, not a function: test runners rewrite `import()` in functions they
 * transform, and this import must reach DevTools' own module loader untouched.
 */
function showPanelScript(tabId: string, undock: boolean): string {
  return `(async () => {
    const legacy = await import('./ui/legacy/legacy.js')
    const view = legacy.InspectorView.InspectorView.instance()
    if (!view.tabbedPane.tabIds().includes(${JSON.stringify(tabId)})) return false
    if (${undock}) legacy.DockController.DockController.instance().setDockSide('undocked')
    await view.showPanel(${JSON.stringify(tabId)})
    return true
  })()`
}

export interface PanelRow {
  readonly url: string
  readonly corsError: string
}

/** The rows the panel renders now (the list is virtualized: only those in view). */
export async function panelRows(frame: Frame): Promise<PanelRow[]> {
  return frame.$$eval('[data-url]', (rows) =>
    rows.map((r) => ({
      url: r.getAttribute('data-url') ?? '',
      corsError: r.getAttribute('data-cors-error') ?? '',
    })),
  )
}

/** Selects the row of a URL and waits for its detail (scrolled into view first: the list is virtualized). */
export async function openRow(frame: Frame, url: string): Promise<void> {
  const selector = `[data-url=${JSON.stringify(url)}]`
  await frame.waitForSelector(selector, { timeout: 20_000 })
  await frame.$eval(selector, (row) => row.scrollIntoView({ block: 'center' }))
  await frame.click(selector)
  await frame.waitForSelector('.detail', { timeout: 10_000 })
}

/**
 * Waits until the panel lists at least `count` rows (its own count: the list is virtualized, so the DOM holds
 * only the rows in view). On a timeout, says which rows it had.
 */
export async function waitForRows(frame: Frame, count: number, timeoutMs = 45_000): Promise<void> {
  try {
    await frame.waitForFunction(
      (n: number) => Number(document.querySelector('[data-rows]')?.getAttribute('data-rows') ?? 0) >= n,
      { timeout: timeoutMs },
      count,
    )
  } catch (error) {
    const rows = await panelRows(frame).catch(() => [])
    const listed = rows.map((r) => `${r.url} ${r.corsError}`).join('\n  ')
    throw new Error(`The panel listed ${rows.length} of ${count} rows in ${timeoutMs} ms:\n  ${listed}`, {
      cause: error,
    })
  }
}

/**
 * The demo set (npm start, the DevTools test): one scenario per CorsError Chromium reports, plus a few
 * that pass — every kind of row, few enough to see at once.
 */
export function showcaseScenarios(all: readonly Scenario[]): Scenario[] {
  const byError = new Map<string, Scenario>()
  const passing: Scenario[] = []
  for (const s of all) {
    if (s.expectCorsError === null) {
      if (passing.length < 3 && !s.fetch.mode) passing.push(s)
    } else if (!byError.has(s.expectCorsError)) byError.set(s.expectCorsError, s)
  }
  return [...byError.values(), ...passing]
}

/** Runs scenarios one by one on a page showing the lab runner (test/lab/runner.ts). */
export async function runScenarios(page: Page, ids: readonly string[]): Promise<void> {
  for (const id of ids)
    await page.evaluate(
      (i: string) => (window as unknown as { runScenario(id: string): Promise<unknown> }).runScenario(i),
      id,
    )
}
