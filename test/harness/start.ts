/**
 * `npm start`: the lab on fixed ports with the scenario runner as the demo page, and Chromium with CORS
 * Lens loaded and DevTools open on it, the CORS panel selected and a set of demo scenarios already run.
 * It opens on the story the product was made for: the real nginx in front of the real Express app, both
 * sending Access-Control-Allow-Origin; that row is selected and its detail open.
 * Stays until Ctrl+C or the browser closes.
 *
 * `npm start -- --headless --screenshot out.png`: the same without a window; saves a screenshot of the
 * DevTools window showing the panel, then exits 0.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Page } from 'puppeteer-core'
import { runnerPage } from '../lab/runner.ts'
import { scenarios } from '../lab/scenarios.ts'
import { API_HOST, OTHER_HOST, PAGE_HOST, SITE_HOST, startLab } from '../lab/server.ts'
import { findChromium } from './chromium.ts'
import {
  launchWithDevTools,
  openCorsPanel,
  openRow,
  runScenarios,
  showcaseScenarios,
  waitForRows,
  waitForWorkerListening,
} from './devtools.ts'
import { findFirefox, launchFirefox, openFirefoxToolbox, snapshotFirefoxWindow } from './firefox.ts'
import { fetchSeed, type Seed, startSeed } from './seed.ts'

const PORTS = { pagePort: 8700, apiPort: 8701, otherPort: 8702, sitePort: 8703 } as const

function fail(message: string): never {
  console.error(`\ncors-lens start: ${message}\n`)
  process.exit(1)
}

const { values } = parseArgs({
  options: {
    headless: { type: 'boolean', default: false },
    screenshot: { type: 'string' },
    browser: { type: 'string', default: 'chromium' },
    /** With --screenshot: the undocked DevTools window's size (the panel's width), e.g. --width 520. */
    width: { type: 'string' },
    height: { type: 'string' },
  },
  allowPositionals: false,
})
if (values.browser !== 'chromium' && values.browser !== 'firefox')
  fail(`--browser must be chromium or firefox, not ${values.browser}.`)
const headless = values.headless ?? false
// npm runs scripts from the package root; a relative path means relative to where the user typed it.
const screenshot = values.screenshot
  ? resolve(process.env.INIT_CWD ?? process.cwd(), values.screenshot)
  : null

const firefox = values.browser === 'firefox'
if (firefox && !findFirefox())
  fail("no Firefox found. Run `npm run setup` (installs Debian's firefox-esr) or set FIREFOX_PATH.")
if (!firefox && !findChromium())
  fail("no Chromium found. Run `npm run setup` (installs Debian's chromium) or set CHROMIUM_PATH.")
if (!headless && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && process.platform === 'linux')
  fail('no display to open a browser window on. Try `npm start -- --headless --screenshot out.png`.')

const lab = await startLab({ scenarios, ...PORTS }).catch((e: unknown) =>
  fail(
    `could not start the lab on ports ${Object.values(PORTS).join(', ')} (${e instanceof Error ? e.message : String(e)}). ` +
      'Is another `npm start` running?',
  ),
)
lab.page('/', runnerPage(lab, scenarios))
if (firefox) await startFirefox()

const seed: Seed | null = await startSeed(lab).catch((e: unknown) => {
  console.error(
    `cors-lens start: the nginx + Express seed case did not start (${String(e)}); continuing without it.`,
  )
  return null
})
const seedUrl = seed?.url ?? null

const session = await launchWithDevTools({
  hostResolverRules: lab.hostResolverRules,
  headless,
  windowSize: [1500, 950],
  callerHandlesSignals: true,
}).catch(async (e: unknown) => {
  await lab.close()
  return fail(`could not launch Chromium: ${e instanceof Error ? e.message : String(e)}`)
})

const stop = stopper(
  async () => {
    await session.close()
    await seed?.stack.stop()
  },
  (cb) => session.browser.on('disconnected', cb),
)

try {
  await session.page.goto(`${lab.pageOrigin}/`)
  // Undocked only for the screenshot: a full-width panel. A person gets DevTools where they keep it.
  const frame = await openCorsPanel(session, { undock: screenshot !== null })
  // Capture begins once the worker's listeners are in: requests sent before would be missed (seen in CI).
  await waitForWorkerListening(session.browser, true, 60_000)
  const demo = showcaseScenarios(scenarios)
  await runScenarios(
    session.page,
    demo.map((s) => s.id),
  )
  if (seed && seedUrl) {
    await fetchSeed(session.page, lab, seed)
    await waitForRows(frame, demo.length + 1)
    await openRow(frame, seedUrl)
  } else await waitForRows(frame, demo.length)
  if (screenshot) {
    const devtools = await session.devtools()
    if (values.width) await resizeWindow(devtools, Number(values.width), Number(values.height ?? 800))
    // The panel is an out-of-process frame: let its compositor catch up before the shot.
    await new Promise((r) => setTimeout(r, 300))
    await devtools.screenshot({ path: screenshot })
    console.log(`Saved ${screenshot}`)
    await stop(0)
  }
} catch (e) {
  console.error(e)
  await stop(1)
}

console.log(`
CORS Lens is running.

  Lab page (the demo):  ${lab.pageOrigin}/
  Scripted API:         ${lab.apiOrigin}  (and ${lab.otherOrigin}, ${lab.siteOrigin})
  nginx → Express:      ${seedUrl ?? '(not started)'}  (both send Access-Control-Allow-Origin; its row is open)

Chromium is open with CORS Lens loaded and DevTools on the lab page, CORS panel selected.
${showcaseScenarios(scenarios).length} demo scenarios have run: click a row to see why it was blocked and how to fix it.
Run more from the page ("Run all", or one scenario at a time) and watch them arrive.

Press Ctrl+C here, or close the browser, to stop.
`)

/** The undocked DevTools window's size, so a screenshot shows the panel at that width. */
async function resizeWindow(devtools: Page, width: number, height: number): Promise<void> {
  const cdp = await devtools.createCDPSession()
  const { windowId } = (await cdp.send('Browser.getWindowForTarget')) as { windowId: number }
  await cdp.send('Browser.setWindowBounds', { windowId, bounds: { width, height } })
  await cdp.detach()
  await new Promise((r) => setTimeout(r, 500))
}

/**
 * `--browser firefox`: Firefox ESR with the Firefox build installed as a temporary add-on, the lab page open,
 * the demo scenarios run, and the real DevTools toolbox open on the CORS panel (chrome-scope BiDi). With
 * `--screenshot`, a snapshot of the window, toolbox and panel included, then exit.
 */
async function startFirefox(): Promise<never> {
  const session = await launchFirefox({
    hosts: [PAGE_HOST, API_HOST, OTHER_HOST, SITE_HOST],
    headless,
    args: ['--width=1500', '--height=950'],
    // A tall docked toolbox, so the screenshot shows the panel rather than the page.
    prefs: { 'devtools.toolbox.footer.height': 620 },
    callerHandlesSignals: true,
  }).catch(async (e: unknown) => {
    await lab.close()
    return fail(`could not launch Firefox: ${e instanceof Error ? e.message : String(e)}`)
  })
  const stop = stopper(
    () => session.close(),
    (cb) => session.browser.on('disconnected', cb),
  )
  try {
    const page = (await session.browser.pages())[0] ?? (await session.newPage())
    await page.goto(`${lab.pageOrigin}/`)
    await page.bringToFront()
    await openFirefoxToolbox(session)
    const demo = showcaseScenarios(scenarios)
    for (const s of demo) await page.evaluate((id) => (window as unknown as Demo).runScenario(id), s.id)
    if (screenshot) {
      // The panel batches what arrives (about 250 ms) before it renders: let it.
      await new Promise((r) => setTimeout(r, 1500))
      writeFileSync(screenshot, await snapshotFirefoxWindow(session))
      console.log(`Saved ${screenshot}`)
      return await stop(0)
    }
  } catch (e) {
    console.error(e)
    return await stop(1)
  }
  console.log(`
CORS Lens is running in Firefox ESR.

  Lab page (the demo):  ${lab.pageOrigin}/
  Scripted API:         ${lab.apiOrigin}  (and ${lab.otherOrigin}, ${lab.siteOrigin})

Firefox is open with CORS Lens installed as a temporary add-on and DevTools on the CORS panel.
Run more scenarios from the page and watch them arrive. Press Ctrl+C here, or close Firefox, to stop.
`)
  return await new Promise<never>(() => {})
}

interface Demo {
  runScenario(id: string): Promise<string>
}

/** Closes the browser and the lab once, on Ctrl+C, SIGTERM or the browser going away, then exits. */
function stopper(
  closeBrowser: () => Promise<void>,
  onDisconnected: (cb: () => void) => void,
): (code: number) => Promise<never> {
  // One cleanup, awaited by every caller: closing the browser fires 'disconnected', and that second call must
  // not exit while the first is still stopping the lab and the seed's nginx and Express.
  let stopping: Promise<void> | null = null
  let exitCode: number | null = null
  const stop = async (code: number): Promise<never> => {
    exitCode ??= code
    stopping ??= (async () => {
      console.log('\nStopping: the browser, the lab and the nginx + Express seed…')
      await closeBrowser().catch((e: unknown) => console.error(e))
      await lab.close().catch((e: unknown) => console.error(e))
      console.log('Stopped.')
    })()
    await stopping
    process.exit(exitCode)
  }
  process.on('SIGINT', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))
  onDisconnected(() => void stop(0))
  return stop
}
