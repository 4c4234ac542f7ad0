/**
 * "Check my config" in the real panel, inside a real DevTools window: the seed case (nginx `add_header
 * Access-Control-Allow-Origin *` in front of Express cors(), the stack `npm start` opens on) is fetched by the
 * page, Chromium refuses it, and in that request's detail the nginx config that really ran is pasted. The
 * finding shown first must be the one that explains it, nginx-acao-in-front-of-upstream, with its config
 * line (number and text) beside the Access-Control-Allow-Origin line nginx added. Then the same in Firefox
 * ESR with the Firefox build (the panel page, as test/e2e/firefox.test.ts opens it): one panel, two browsers.
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
  panelRows,
  waitForRows,
  waitForWorkerListening,
} from '../harness/devtools.ts'
import {
  FIREFOX_EXTENSION_DIR,
  gotoExtensionPage,
  type LaunchedFirefox,
  launchFirefox,
} from '../harness/firefox.ts'
import { setScopeScript } from '../harness/scope.ts'
import { type Seed, startSeed } from '../harness/seed.ts'
import { API_HOST, type Lab, PAGE_HOST, startLab } from '../lab/server.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const OUT = join(ROOT, 'test-results')

/** The line of the config that adds the header, found in the text itself (not by lint). */
function lineOfAcao(config: string): number {
  const n = config.split('\n').findIndex((l) => l.trim() === 'add_header Access-Control-Allow-Origin *;') + 1
  expect(n).toBeGreaterThan(0)
  return n
}

/** What the first config finding shows: its code, whether it explains, its line and the line produced. */
function firstFinding(panel: Frame | Page) {
  return panel.$eval('.config-finding', (el) => ({
    code: el.getAttribute('data-code'),
    explains: el.getAttribute('data-explains'),
    line: el.querySelector('.config-line')?.getAttribute('data-line'),
    lineNo: el.querySelector('.config-line-no')?.textContent,
    lineText: el.querySelector('.config-line-text')?.textContent,
    produced: el.querySelector('.config-produced')?.textContent,
  }))
}

const explaining = (file: string, line: number) => ({
  code: 'nginx-acao-in-front-of-upstream',
  explains: 'true',
  line: String(line),
  lineNo: `${file}:${line}`,
  lineText: 'add_header Access-Control-Allow-Origin *;',
  produced: 'response Access-Control-Allow-Origin: *',
})

let lab: Lab
let seed: Seed
beforeAll(async () => {
  mkdirSync(OUT, { recursive: true })
  lab = await startLab({ scenarios: [] })
  seed = await startSeed(lab)
}, 60_000)
afterAll(async () => {
  await seed?.stack.stop()
  await lab?.close()
})
const PAGE = '<!doctype html><title>Check my config</title>'

describe('Check my config in the CORS panel (Chromium, inside DevTools)', () => {
  let session: DevToolsSession

  beforeAll(async () => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'ignore' })
    session = await launchWithDevTools({
      hostResolverRules: lab.hostResolverRules,
      headless: true,
      windowSize: [1400, 900],
    })
    await session.page.goto(lab.page('/config', PAGE))
  }, 120_000)

  afterAll(async () => {
    await session?.close()
  })

  it('shows first the finding that explains the failure, its line beside the header line it produced', async () => {
    const frame = await openCorsPanel(session, { undock: true })
    await waitForWorkerListening(session.browser, true)
    const url = seed.url
    await session.page.evaluate(
      (u: string) =>
        fetch(u).then(
          () => 'read',
          () => 'refused',
        ),
      url,
    )
    await waitForRows(frame, 1)
    expect((await panelRows(frame)).find((r) => r.url === url)?.corsError).toBe('MultipleAllowOriginValues')
    await openRow(frame, url)

    // The config nginx ran, pasted as a user pastes (text inserted at the caret: one input event).
    const config = seed.stack.files.nginx ?? ''
    await frame.waitForSelector('.check-config-input', { timeout: 10_000 })
    await frame.focus('.check-config-input')
    const dt = await session.devtools()
    await dt.keyboard.sendCharacter(config)
    expect(await frame.$eval('.check-config-input', (t) => (t as HTMLTextAreaElement).value)).toBe(config)
    await frame.click('.check-config-run')
    await frame.waitForSelector('.config-finding', { timeout: 10_000 })

    const expectedLine = lineOfAcao(config)
    expect(await firstFinding(frame)).toEqual(explaining('pasted config', expectedLine))
    const others = await frame.$$eval('.config-finding', (els) =>
      els.slice(1).map((e) => e.getAttribute('data-explains')),
    )
    expect(others.every((e) => e === 'false')).toBe(true)

    await frame.$eval('.check-config', (el) => el.scrollIntoView({ block: 'start' }))
    await new Promise((r) => setTimeout(r, 300))
    await dt.screenshot({ path: join(OUT, 'devtools-check-config.png') })

    // The same config dropped as a file: read as text, named by the file, and not taken for a HAR import.
    await frame.$eval(
      '.check-config-input',
      (el, text) => {
        const data = new DataTransfer()
        data.items.add(new File([text], 'nginx.conf', { type: 'text/plain' }))
        el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }))
      },
      config,
    )
    await frame.waitForFunction(
      () => document.querySelector('.config-finding .config-line-no')?.textContent?.startsWith('nginx.conf:'),
      { timeout: 10_000 },
    )
    expect(await frame.$eval('.config-finding .config-line-no', (e) => e.textContent)).toBe(
      `nginx.conf:${expectedLine}`,
    )
    expect(await frame.$eval('.config-finding', (e) => e.getAttribute('data-code'))).toBe(
      'nginx-acao-in-front-of-upstream',
    )
    expect(await frame.$$eval('[data-url]', (rows) => rows.length)).toBe(1)
    const notice = await frame.$eval('.notice', (e) => e.textContent).catch(() => '')
    expect(notice).not.toMatch(/import/i)
  }, 150_000)
})

describe('Check my config in the CORS panel (Firefox ESR, the Firefox build)', () => {
  let firefox: LaunchedFirefox

  beforeAll(async () => {
    if (!existsSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], {
        cwd: ROOT,
        stdio: 'ignore',
        env: { ...process.env, TARGET_BROWSER: 'firefox' },
      })
    firefox = await launchFirefox({ hosts: [PAGE_HOST, API_HOST] })
  }, 120_000)

  afterAll(async () => {
    await firefox?.close()
  })

  it('shows the same finding first, with the same line, in the panel page', async () => {
    const panel = await firefox.openExtensionPage('src/panel/panel.html')
    await panel.evaluate(setScopeScript('all-tabs'))
    const page = await firefox.newPage()
    await page.goto(lab.page('/config-firefox', PAGE))
    const url = seed.url
    await page.evaluate(
      (u: string) =>
        fetch(u).then(
          () => 'read',
          () => 'refused',
        ),
      url,
    )
    const tabs = JSON.parse(
      await panel.evaluate(async () => JSON.stringify(await browser.tabs.query({}))),
    ) as { id: number; url?: string }[]
    const tabId = tabs.find((t) => t.url?.startsWith(lab.pageOrigin))?.id
    if (tabId === undefined) throw new Error('the lab tab was not found')
    await gotoExtensionPage(panel, `${firefox.extensionBase}src/panel/panel.html?tabId=${tabId}`)
    const row = `[data-url=${JSON.stringify(url)}]`
    await panel.waitForSelector(row, { timeout: 30_000 })
    expect(await panel.$eval(row, (r) => r.getAttribute('data-cors-error'))).toBe('MultipleAllowOriginValues')
    await panel.click(row)
    await panel.waitForSelector('.check-config-input', { timeout: 10_000 })
    const config = seed.stack.files.nginx ?? ''
    // Pasted: the text lands in the box and the box fires one input event, as a paste does.
    await panel.$eval(
      '.check-config-input',
      (el, text) => {
        const box = el as HTMLTextAreaElement
        box.value = text
        box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }))
      },
      config,
    )
    await panel.click('.check-config-run')
    await panel.waitForSelector('.config-finding', { timeout: 10_000 })
    // Firefox's webRequest hands the two lines over joined into one (the app's value, then nginx's `*`):
    // that one line is what Firefox saw, and the one shown.
    expect(await firstFinding(panel)).toEqual({
      ...explaining('pasted config', lineOfAcao(config)),
      produced: `response Access-Control-Allow-Origin: ${lab.pageOrigin}, *`,
    })
  }, 120_000)
})
