/**
 * The detail answers first, where users meet it: inside a real DevTools window (headless Chromium,
 * puppeteer-core), at a narrow (520 px, docked right) and a wide (1500 px) DevTools width, light and dark.
 * For every lab scenario whose detail has a fix (and the real nginx + Express seed case): the recommended
 * fix's snippet and its Copy button are on the first screen of the detail, exactly one "Recommended" mark,
 * the tab labels differ; on every detail, no layer block on an allowed request and no line painted as an
 * error without an error finding. The headline's words are asserted for the seed and a few others.
 * One browser; the scenarios run once; the window is resized between passes.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Frame, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXTENSION_DIR } from '../harness/chromium.ts'
import {
  type DevToolsSession,
  launchWithDevTools,
  openCorsPanel,
  openRow,
  runScenarios,
  waitForRows,
  waitForWorkerListening,
} from '../harness/devtools.ts'
import { fetchSeed, type Seed, startSeed } from '../harness/seed.ts'
import { runnerPage } from '../lab/runner.ts'
import type { Scenario } from '../lab/scenario.ts'
import { scenarios } from '../lab/scenarios.ts'
import { type Lab, startLab } from '../lab/server.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const OUT = join(ROOT, 'test-results')

/** What the detail shows of one request, measured in the panel's own frame. */
interface Shown {
  readonly url: string
  readonly headline: string
  readonly hasFix: boolean
  readonly recommendedMarks: number
  readonly labels: readonly string[]
  /** The first screen: the detail's scroll area, cut by the panel's viewport. */
  readonly screen: { readonly top: number; readonly bottom: number }
  readonly snippet: { readonly top: number; readonly bottom: number } | null
  readonly copy: { readonly top: number; readonly bottom: number } | null
  readonly theme: string
  /** An allowed request showing a "which layer" block (there is nothing to attribute). */
  readonly layerOnAllowed: boolean
  /** Header lines painted as errors while no finding is an error. */
  readonly redWithoutError: number
}

/** Runs in the panel frame: the detail as it is on screen now, nothing scrolled. */
function measure(): Shown {
  const box = (e: Element | null) => {
    if (!e) return null
    const r = e.getBoundingClientRect()
    return { top: r.top, bottom: r.bottom }
  }
  const body = document.querySelector('.detail-body')
  const b = body?.getBoundingClientRect()
  return {
    url: document.querySelector('.detail-url')?.getAttribute('title') ?? '',
    headline: document.querySelector('.detail .headline')?.textContent ?? '',
    hasFix: document.querySelector('.detail .fix-block') !== null,
    recommendedMarks: document.querySelectorAll('.detail .rec-mark').length,
    labels: [...document.querySelectorAll('.detail .tab .tab-label')].map((e) => e.textContent ?? ''),
    screen: { top: b?.top ?? 0, bottom: Math.min(b?.bottom ?? 0, window.innerHeight) },
    snippet: box(document.querySelector('.detail .fix .snippet')),
    copy: box(document.querySelector('.detail .fix .snippet .snippet-copy')),
    theme: document.documentElement.dataset.theme ?? '',
    layerOnAllowed:
      document.querySelector('.detail-head .pill.v-ok') !== null &&
      document.querySelector('.detail .layer') !== null,
    redWithoutError:
      document.querySelector('.detail .finding.sev-error') === null
        ? document.querySelectorAll('.detail .line.offending.sev-error').length
        : 0,
  }
}

/** Scenarios whose URL no other scenario shares (a row names one scenario), run as a plain fetch. */
function distinctByUrl(lab: Lab, all: readonly Scenario[]): Scenario[] {
  const seen = new Map<string, number>()
  for (const s of all) seen.set(lab.scenarioUrl(s), (seen.get(lab.scenarioUrl(s)) ?? 0) + 1)
  return all.filter((s) => seen.get(lab.scenarioUrl(s)) === 1 && !s.fetch.retry)
}

describe('the detail answers first, in DevTools, narrow and wide, light and dark', () => {
  let lab: Lab
  let seed: Seed
  let session: DevToolsSession
  let frame: Frame
  let devtools: Page
  const chosen: Scenario[] = []
  /** The row of each scenario: the final URL names a redirected request's row. */
  const rowUrls: string[] = []

  beforeAll(async () => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'ignore' })
    mkdirSync(OUT, { recursive: true })
    lab = await startLab({ scenarios })
    chosen.push(...distinctByUrl(lab, scenarios))
    const runner = lab.page('/runner', runnerPage(lab, chosen))
    seed = await startSeed(lab)
    session = await launchWithDevTools({
      hostResolverRules: lab.hostResolverRules,
      headless: true,
      windowSize: [1500, 900],
    })
    await session.page.goto(runner)
    frame = await openCorsPanel(session, { undock: true })
    devtools = await session.devtools()
    await waitForWorkerListening(session.browser, true)
    await runScenarios(
      session.page,
      chosen.map((s) => s.id),
    )
    await fetchSeed(session.page, lab, seed)
    await waitForRows(frame, 20)
    await frame.waitForSelector(`[data-url=${JSON.stringify(seed.url)}]`, { timeout: 20_000 })
  }, 150_000)

  afterAll(async () => {
    await session?.close()
    await seed?.stack.stop()
    await lab?.close()
  })

  /** The DevTools window's size: undocked, it is the panel's width. */
  async function resize(width: number, height: number): Promise<void> {
    const cdp = await devtools.createCDPSession()
    const { windowId } = (await cdp.send('Browser.getWindowForTarget')) as { windowId: number }
    await cdp.send('Browser.setWindowBounds', { windowId, bounds: { width, height } })
    await cdp.detach()
    await frame.waitForFunction(
      (w: number) => Math.abs(window.innerWidth - w) < 40,
      { timeout: 10_000 },
      width,
    )
  }

  /** DevTools' own theme setting: the panel follows it (chrome.devtools.panels.setThemeChangeHandler). */
  async function theme(name: 'dark' | 'default'): Promise<void> {
    await devtools.evaluate(`(async () => {
      const common = await import('./core/common/common.js')
      common.Settings.Settings.instance().moduleSetting('ui-theme').set(${JSON.stringify(name)})
    })()`)
    const want = name === 'dark' ? 'dark' : 'light'
    await frame.waitForFunction((t: string) => document.documentElement.dataset.theme === t, {}, want)
  }

  /** Opens one request's detail through the filter (the list renders only the rows in view). */
  async function show(url: string): Promise<Shown> {
    // Narrow, the open detail covers the list: close it first, as a user would (✕).
    const close = await frame.$('button[aria-label="Close detail"]')
    if (close) {
      await close.click()
      await frame.waitForSelector('.detail', { hidden: true })
    }
    await frame.$eval(
      'input.filter',
      (input, value) => {
        const el = input as HTMLInputElement
        el.value = value
        el.dispatchEvent(new Event('input', { bubbles: true }))
      },
      url,
    )
    await openRow(frame, url)
    await frame.waitForFunction(
      (u: string) => document.querySelector('.detail-url')?.getAttribute('title') === u,
      { timeout: 5_000 },
      url,
    )
    return frame.evaluate(measure)
  }

  /** What is wrong with the first screen of one detail; empty when the answer is where it should be. */
  function problems(s: Shown): string[] {
    const out: string[] = []
    if (!s.headline.trim()) out.push('no headline')
    if (s.layerOnAllowed) out.push('a "which layer" block on an allowed request')
    if (s.redWithoutError) out.push(`${s.redWithoutError} header lines painted as errors, no error found`)
    if (!s.hasFix) return out
    if (s.recommendedMarks !== 1) out.push(`${s.recommendedMarks} "Recommended" marks`)
    if (new Set(s.labels).size !== s.labels.length) out.push(`repeated tab labels: ${s.labels.join(' | ')}`)
    const { top, bottom } = s.screen
    if (!s.copy || s.copy.top < top || s.copy.bottom > bottom)
      out.push(`Copy button off the first screen (${JSON.stringify(s.copy)} of ${top}–${bottom})`)
    // The snippet's first lines, at least: a 20-line snippet may run on below the fold.
    if (!s.snippet || s.snippet.top < top || Math.min(s.snippet.bottom, s.snippet.top + 36) > bottom)
      out.push(`snippet off the first screen (${JSON.stringify(s.snippet)} of ${top}–${bottom})`)
    return out
  }

  it('finds every scenario row, and a fix on the blocked ones', async () => {
    for (const s of chosen) {
      const url = lab.scenarioUrl(s)
      await frame.$eval(
        'input.filter',
        (input, value) => {
          const el = input as HTMLInputElement
          el.value = value
          el.dispatchEvent(new Event('input', { bubbles: true }))
        },
        url,
      )
      // data-initial-url: a redirected request's row is named by its final URL, and also by the one asked for.
      const q = JSON.stringify(url)
      const row = await frame
        .waitForSelector(`[data-url=${q}], [data-initial-url=${q}]`, { timeout: 3_000 })
        .catch(() => null)
      const final = await row?.evaluate((e) => e.getAttribute('data-url'))
      // A no-cors request carries no Origin: capture leaves it out by design.
      if (final) rowUrls.push(final)
      else expect(s.fetch.mode, `${s.id}: no row`).toBe('no-cors')
    }
    rowUrls.push(seed.url)
    expect(rowUrls.length).toBeGreaterThan(100)
  })

  const passes = [
    { width: 520, height: 800, theme: 'default' },
    { width: 1500, height: 900, theme: 'dark' },
    { width: 520, height: 800, theme: 'dark' },
    { width: 1500, height: 900, theme: 'default' },
  ] as const

  it.each(passes)(
    'at $width px ($theme theme): the recommended fix and its Copy on the first screen, one Recommended, unique labels',
    async (pass) => {
      await resize(pass.width, pass.height)
      await theme(pass.theme)
      const failures: string[] = []
      let withFix = 0
      for (const url of rowUrls) {
        const s = await show(url)
        if (s.hasFix) withFix++
        for (const p of problems(s)) failures.push(`${url}: ${p}`)
      }
      expect(failures).toEqual([])
      expect(withFix).toBeGreaterThan(60)
      // The seed case, and its picture for the README.
      const s = await show(seed.url)
      expect(s.theme).toBe(pass.theme === 'dark' ? 'dark' : 'light')
      await frame.$eval('input.filter', (input) => {
        const el = input as HTMLInputElement
        el.value = ''
        el.dispatchEvent(new Event('input', { bubbles: true }))
      })
      await new Promise((r) => setTimeout(r, 300))
      await devtools.screenshot({ path: join(OUT, `panel-detail-${pass.width}-${pass.theme}.png`) })
    },
    120_000,
  )

  it('says what happened and what to do, in the user’s terms', async () => {
    await resize(1500, 900)
    const seedShown = await show(seed.url)
    expect(seedShown.headline).toBe(
      "nginx and Express both send Access-Control-Allow-Origin → remove nginx's add_header Access-Control-Allow-Origin *",
    )
    // The cure is the line to delete, as a diff; code rendered as <code>, as text.
    await expect(frame.$eval('.detail .headline code', (e) => e.textContent)).resolves.toBe(
      'add_header Access-Control-Allow-Origin *',
    )
    await expect(frame.$eval('.detail .fix .snippet .del', (e) => e.textContent)).resolves.toBe(
      '- add_header Access-Control-Allow-Origin *;\n',
    )
    await expect(frame.$eval('.detail .fix-reason', (e) => e.textContent)).resolves.toBe(
      'Smallest change: the app already answers correctly.',
    )
    await expect(frame.$eval('.detail .tab.active', (e) => e.textContent)).resolves.toBe(
      "Remove nginx's add_headerRecommended",
    )
    const headlineOf = async (id: string): Promise<string> => {
      const s = scenarios.find((x) => x.id === id)
      if (!s) throw new Error(`no scenario ${id}`)
      return (await show(rowUrls.find((u) => u === lab.scenarioUrl(s)) ?? lab.scenarioUrl(s))).headline
    }
    // The scripted lab server names no stack: the exact lines, from whichever layer the user controls.
    const cure = 'send exactly these CORS header lines, from one layer (any server)'
    await expect(headlineOf('missing-acao')).resolves.toBe(`No Access-Control-Allow-Origin header → ${cure}`)
    await expect(headlineOf('cred-star')).resolves.toBe(
      `Credentials with Access-Control-Allow-Origin '*' → ${cure}`,
    )
    await expect(headlineOf('mismatch-port')).resolves.toBe(
      `Access-Control-Allow-Origin names another origin → ${cure}`,
    )
  })
})
