/**
 * The panel where users meet it: inside a real DevTools window (headless Chromium, puppeteer-core).
 * Selects the CORS panel, runs a spread of lab scenarios, checks each row's data-cors-error against what
 * Chromium reports for the scenario, and saves screenshots of the list and of one request's detail.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXTENSION_DIR } from '../harness/chromium.ts'
import {
  type DevToolsSession,
  launchWithDevTools,
  openCorsPanel,
  panelRows,
  runScenarios,
  showcaseScenarios,
  waitForRows,
  waitForWorkerListening,
} from '../harness/devtools.ts'
import { runnerPage } from '../lab/runner.ts'
import { scenarios } from '../lab/scenarios.ts'
import { type Lab, startLab } from '../lab/server.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const OUT = join(ROOT, 'test-results')

describe('the CORS panel inside DevTools', () => {
  let lab: Lab
  let session: DevToolsSession
  const chosen = showcaseScenarios(scenarios)

  beforeAll(async () => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'ignore' })
    mkdirSync(OUT, { recursive: true })
    lab = await startLab({ scenarios: chosen })
    const runner = lab.page('/runner', runnerPage(lab, chosen))
    session = await launchWithDevTools({
      hostResolverRules: lab.hostResolverRules,
      headless: true,
      windowSize: [1400, 900],
    })
    await session.page.goto(runner)
  })

  afterAll(async () => {
    await session?.close()
    await lab?.close()
  })

  it('lists each scenario with the CorsError Chromium reports, and shows a request in detail', async () => {
    const frame = await openCorsPanel(session, { undock: true })
    // DevTools is open on the tab: capture runs there (the default scope) once the worker has its listeners.
    await waitForWorkerListening(session.browser, true)
    // The panel is open before the requests: they arrive live.
    await runScenarios(
      session.page,
      chosen.map((s) => s.id),
    )
    await waitForRows(frame, chosen.length)
    const dt = await session.devtools()
    // The panel is an out-of-process frame: give its compositor a moment so the shot shows every row.
    await new Promise((r) => setTimeout(r, 300))
    await dt.screenshot({ path: join(OUT, 'devtools-panel.png') })

    const rows = await panelRows(frame)
    const expected = new Map(chosen.map((s) => [lab.scenarioUrl(s), s.expectCorsError ?? '']))
    const seen = rows.filter((r) => expected.has(r.url))
    expect(seen.length).toBe(chosen.length)
    const wrong = seen.filter((r) => r.corsError !== expected.get(r.url))
    expect(wrong.map((r) => `${r.url}: panel "${r.corsError}", Chromium "${expected.get(r.url)}"`)).toEqual(
      [],
    )

    // The first row (a blocked request) in detail.
    await frame.click('.row')
    await frame.waitForSelector('.detail .console')
    await new Promise((r) => setTimeout(r, 300))
    await dt.screenshot({ path: join(OUT, 'devtools-detail.png') })
    const sentence = await frame.$eval('.detail .console', (e) => e.textContent ?? '')
    expect(sentence).toContain('has been blocked by CORS policy')

    // Copy works inside DevTools (hidden textarea + execCommand; the async Clipboard API is blocked there).
    // The copy-as actions are folded into the detail header's menu.
    await frame.click('.detail .copy-menu > summary')
    const copyButton = await frame.waitForSelector('xpath/.//button[contains(., "Copy request as curl")]')
    await copyButton?.click()
    await frame.waitForSelector('.toast')
    expect(await frame.$eval('.toast', (e) => e.textContent)).toBe('Copied request curl')
  })
})
