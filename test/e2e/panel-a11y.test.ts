/**
 * The CORS panel's accessibility, where users meet it: inside a real DevTools window (headless Chromium),
 * on the lab's requests. axe-core (https://github.com/dequelabs/axe-core, a dev dependency) runs inside the
 * panel's own frame, in light and dark (DevTools follows prefers-color-scheme, and tells the panel), with
 * the list alone and with a request's detail, narrow (520 px, docked beside a page) and wide (1500 px): no
 * violation. Then a keyboard-only walk, list → detail → fix → Copy, where focus is always on a visible
 * element, never <body>; and every row says its verdict in words, not by colour alone.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import type { Frame, KeyInput, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXTENSION_DIR } from '../harness/chromium.ts'
import {
  type DevToolsSession,
  launchWithDevTools,
  openCorsPanel,
  openRow,
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
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface Violation {
  readonly id: string
  readonly impact: string | null
  readonly nodes: readonly {
    readonly target: readonly string[]
    readonly summary: string
    /** "detail pre" for a node inside the request detail, else "". */
    readonly where: string
  }[]
}

/** axe over the panel's whole document (WCAG 2.x A/AA and best practice), violations only. */
async function axe(frame: Frame): Promise<Violation[]> {
  if (!(await frame.evaluate(() => 'axe' in window))) await frame.evaluate(AXE)
  return frame.evaluate(async () => {
    const run = (window as unknown as { axe: { run(c: unknown, o: unknown): Promise<unknown> } }).axe.run
    const r = (await run(document, { resultTypes: ['violations'] })) as {
      violations: {
        id: string
        impact: string | null
        nodes: { target: string[]; failureSummary?: string }[]
      }[]
    }
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.slice(0, 5).map((n) => {
        const el = document.querySelector(n.target.join(' '))
        return {
          target: n.target,
          summary: n.failureSummary ?? '',
          where: el?.closest('.detail') ? `detail ${el.tagName.toLowerCase()}` : '',
        }
      }),
    }))
  })
}

/** What the focused element is, and whether a person can see it. */
function focused(frame: Frame): Promise<{ tag: string; label: string; visible: boolean; inDetail: boolean }> {
  return frame.evaluate(() => {
    const el = document.activeElement
    const box = el?.getBoundingClientRect()
    return {
      tag: el ? `${el.tagName.toLowerCase()}[${el.getAttribute('role') ?? ''}]` : 'none',
      label: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim().slice(0, 60),
      visible: !!el && el !== document.body && !!box && box.width > 0 && box.height > 0,
      inDetail: !!el?.closest('.detail'),
    }
  })
}

describe('the CORS panel is accessible (axe-core in the real panel, keyboard only)', () => {
  let lab: Lab
  let session: DevToolsSession
  let dt: Page
  let frame: Frame
  const chosen = showcaseScenarios(scenarios)
  const blocked = chosen.find((s) => s.expectCorsError === 'MultipleAllowOriginValues') ?? chosen[0]

  beforeAll(async () => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'ignore' })
    mkdirSync(OUT, { recursive: true })
    lab = await startLab({ scenarios: chosen })
    const runner = lab.page('/runner', runnerPage(lab, chosen))
    session = await launchWithDevTools({
      hostResolverRules: lab.hostResolverRules,
      headless: true,
      windowSize: [1500, 900],
    })
    await session.page.goto(runner)
    frame = await openCorsPanel(session, { undock: true })
    dt = await session.devtools()
    await waitForWorkerListening(session.browser, true)
    await runScenarios(
      session.page,
      chosen.map((s) => s.id),
    )
    await waitForRows(frame, chosen.length)
  })

  afterAll(async () => {
    await session?.close()
    await lab?.close()
  })

  async function closeDetail(): Promise<void> {
    if (!(await frame.$('.detail'))) return
    await frame.focus('.grid')
    await dt.keyboard.press('Escape')
    await frame.waitForSelector('.detail', { hidden: true })
  }

  async function setTheme(theme: 'light' | 'dark'): Promise<void> {
    // DevTools' theme follows the system's by default, and tells its extension panels when it changes.
    await dt.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }])
    await frame.waitForFunction(
      (t: string) => document.documentElement.dataset.theme === t,
      { timeout: 10_000 },
      theme,
    )
  }

  async function setWidth(width: number): Promise<void> {
    await dt.setViewport({ width, height: 800 })
    await frame.waitForFunction(
      (w: number) => Math.abs(window.innerWidth - w) < 40,
      { timeout: 10_000 },
      width,
    )
  }

  it('has no axe violation, light and dark, list and detail, at 520 and 1500 px', async () => {
    if (!blocked) throw new Error('no scenario to open')
    const url = lab.scenarioUrl(blocked)
    const found: string[] = []
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme)
      for (const width of [520, 1500]) {
        await setWidth(width)
        await closeDetail()
        for (const view of ['list', 'detail'] as const) {
          if (view === 'detail') await openRow(frame, url)
          await new Promise((r) => setTimeout(r, 200))
          for (const v of await axe(frame))
            found.push(
              `${theme} ${width}px ${view}: ${v.id} (${v.impact}) ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.summary.split('\n')[1] ?? ''}`).join(' | ')}`,
            )
          await dt.screenshot({ path: join(OUT, `a11y-${theme}-${width}-${view}.png`) })
        }
      }
    }
    expect(found).toEqual([])
  }, 120_000)

  it('says every row’s verdict in words, not by colour alone, and keeps the toolbar on one line at 500 px', async () => {
    await setTheme('light')
    await closeDetail()
    await setWidth(520)
    const rows = await frame.$$eval('[role=row][data-verdict]', (els) =>
      els.map((e) => ({
        verdict: e.getAttribute('data-verdict'),
        said: e.querySelector('.sr-only')?.textContent ?? '',
      })),
    )
    expect(rows.length).toBeGreaterThanOrEqual(chosen.length)
    const words: Record<string, string> = { blocked: 'Blocked', ok: 'Allowed', 'at-risk': 'Allowed, at risk' }
    for (const r of rows) expect(r.said, `${r.verdict}`).toBe(words[r.verdict ?? ''] ?? r.said)
    expect(rows.every((r) => r.said.length > 0)).toBe(true)

    // Docked beside a page (500 px), the toolbar keeps one line and hides nothing.
    await setWidth(500)
    const bar = await frame.$eval('.toolbar', (t) => ({
      height: t.getBoundingClientRect().height,
      overflow: t.scrollWidth - t.clientWidth,
      clipped: [...t.children]
        .filter((c) => c.getClientRects().length > 0)
        .filter((c) => c.getBoundingClientRect().right > t.getBoundingClientRect().right + 0.5)
        .map((c) => c.textContent || c.getAttribute('aria-label')),
    }))
    expect(bar).toEqual({ height: expect.any(Number), overflow: 0, clipped: [] })
    expect(bar.height).toBeLessThan(32)
  })

  it('walks list → detail → fix → Copy by keyboard, focus always visible, announced through the grid', async () => {
    await setTheme('light')
    await setWidth(1500)
    await closeDetail()
    const trail: string[] = []
    const press = async (key: KeyInput): Promise<void> => {
      await dt.keyboard.press(key)
      const f = await focused(frame)
      trail.push(`${key} → ${f.tag} "${f.label}"`)
      expect(f.visible, trail.join('\n')).toBe(true)
    }
    await frame.focus('input.filter')
    await press('ArrowDown')
    expect((await focused(frame)).tag).toMatch(/grid/)
    await press('Home')
    await press('ArrowDown')
    // The selection is announced: the grid names its active row, and that row is selected.
    const active = await frame.$eval('.grid', (g) => {
      const id = g.getAttribute('aria-activedescendant') ?? ''
      const row = document.getElementById(id)
      return { id, selected: row?.getAttribute('aria-selected'), role: row?.getAttribute('role') }
    })
    expect(active).toMatchObject({ selected: 'true', role: 'row' })
    expect(active.id).toBe('cors-row-1')
    await press('Enter')
    await frame.waitForSelector('.detail')
    // Tab into the detail and on to a fix's Copy button.
    let onCopy = false
    for (let i = 0; i < 40 && !onCopy; i++) {
      await press('Tab')
      const f = await focused(frame)
      onCopy = f.inDetail && /^copy$/i.test(f.label)
    }
    expect(onCopy, trail.join('\n')).toBe(true)
    await press('Enter')
    await frame.waitForSelector('.toast')
    await press('Escape')
    await frame.waitForSelector('.detail', { hidden: true })
    expect((await focused(frame)).tag, trail.join('\n')).toMatch(/grid/)

    // Narrow, the detail takes the whole panel: Enter moves focus into it, Esc back to the list.
    await setWidth(520)
    await frame.focus('.grid')
    await press('Enter')
    await frame.waitForSelector('.detail')
    await frame.waitForFunction(() => document.activeElement?.closest('.detail') !== null)
    expect((await focused(frame)).inDetail).toBe(true)
    await press('Escape')
    await frame.waitForSelector('.detail', { hidden: true })
    await frame.waitForFunction(() => document.activeElement?.classList.contains('grid'))
    expect((await focused(frame)).visible).toBe(true)
  }, 120_000)

  it('opens a row’s menu from the keyboard (copy, reveal in Network) and gives focus back to the list', async () => {
    await setWidth(1500)
    await closeDetail()
    await frame.focus('.grid')
    await dt.keyboard.press('Home')
    await dt.keyboard.down('Shift')
    await dt.keyboard.press('F10')
    await dt.keyboard.up('Shift')
    await frame.waitForSelector('[role=menu]')
    const items = await frame.$$eval('[role=menuitem]', (els) => els.map((e) => e.textContent))
    expect(items).toEqual([
      'Copy URL',
      'Copy as cURL',
      'Copy as fetch',
      'Reveal in Network panel',
      'Open details',
    ])
    expect(await frame.evaluate(() => document.activeElement?.textContent)).toBe('Copy URL')
    const seen: string[] = []
    for (let i = 0; i < 2; i++) {
      await dt.keyboard.press('ArrowDown')
      seen.push(await frame.evaluate(() => document.activeElement?.textContent ?? ''))
    }
    expect(seen).toEqual(['Copy as cURL', 'Copy as fetch'])
    await dt.keyboard.press('Enter')
    await frame.waitForFunction(() =>
      /Copied request as fetch/.test(document.querySelector('.toast')?.textContent ?? ''),
    )
    expect(await frame.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('grid')

    // DevTools' own Network panel, shown with the row's URL as its filter (chrome.devtools.panels.network).
    const url = await frame.$eval('[aria-selected=true]', (r) => r.getAttribute('data-url') ?? '')
    await frame.click('[aria-selected=true]', { button: 'right' })
    await frame.waitForSelector('[role=menu]')
    const reveal = await frame.waitForSelector(
      'xpath/.//button[@role="menuitem" and .="Reveal in Network panel"]',
    )
    await reveal?.click()
    const shown = `(async () => {
      const legacy = await import('./ui/legacy/legacy.js')
      return legacy.InspectorView.InspectorView.instance().tabbedPane.selectedTabId
    })()`
    await dt.waitForFunction(shown, { timeout: 10_000 })
    for (let i = 0; i < 40 && (await dt.evaluate(shown)) !== 'network'; i++)
      await new Promise((r) => setTimeout(r, 250))
    expect(await dt.evaluate(shown)).toBe('network')
    await dt.screenshot({ path: join(OUT, 'a11y-reveal-in-network.png') })
    frame = await openCorsPanel(session)
    expect(url).toContain('http://')
  })
})
