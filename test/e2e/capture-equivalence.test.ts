/**
 * The live sources give the same rows: every lab scenario (the differential test's, Local Network Access
 * included) plus the cases DevTools' log might miss — a 200 KB header, a service-worker-initiated fetch, a
 * request in flight when the panel opens — runs in real Chromium inside a real DevTools with the CORS panel
 * shown, once with the shipped build (rows from DevTools' own log) and once with a webRequest build. Each
 * request must be listed by both with the same CorsError, failed parameter, failing step, preflight,
 * redirect chain and Local Network Access finding; and by the shipped build as Chromium reports it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Frame, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExchangeRecord } from '../../src/protocol.ts'
import { EXTENSION_DIR } from '../harness/chromium.ts'
import {
  launchWithDevTools,
  openCorsPanel,
  waitForDevToolsReady,
  waitForLiveCapture,
} from '../harness/devtools.ts'
import { buildLiveSource } from '../harness/live-source-build.ts'
import { localNetworkScenarios } from '../lab/local-network.ts'
import { runnerPage, runnerPath } from '../lab/runner.ts'
import type { PageKind, Scenario } from '../lab/scenario.ts'
import { scenarios as labScenarios } from '../lab/scenarios.ts'
import { type Lab, startLab } from '../lab/server.ts'

const noAcao = (id: string, title: string, extra: Partial<Scenario['routes'][string]['response']> = {}) =>
  ({
    id,
    title,
    fetch: {},
    routes: { '/': { response: { status: 200, headers: [['Content-Type', 'text/plain']], ...extra } } },
    expectCorsError: 'MissingAllowOriginHeader',
  }) satisfies Scenario

/** What DevTools' log might not hold: run in the lab page beside the lab's scenarios. */
const BIG = noAcao('eq-big-header', 'a 200 KB response header', {
  headers: [
    ['Content-Type', 'text/plain'],
    ['X-Big', 'b'.repeat(200_000)],
  ],
})
const IN_FLIGHT = noAcao('eq-in-flight', 'in flight when the panel opens', { delayMs: 4000 })
const FROM_WORKER = noAcao('eq-service-worker', "fetched by the page's service worker")
const EXTRA = [BIG, IN_FLIGHT, FROM_WORKER]

const SW_SCRIPT = `self.addEventListener('message', (e) => {
  fetch(e.data).then(() => e.source.postMessage('ok'), () => e.source.postMessage('failed'))
})
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()))`

/** The facts both sources must agree on, per request URL. */
interface Row {
  readonly corsError: string | null
  readonly failedParameter: string | null
  readonly stage: string | null
  readonly preflight: string
  readonly redirects: string
  readonly localNetwork: string
}

function rowOf(r: ExchangeRecord): Row {
  const x = r.exchange
  const a = r.analysis
  return {
    corsError: a.corsError,
    failedParameter: a.failedParameter,
    stage: a.stage,
    preflight: x.preflight
      ? `${x.preflight.request.method} ${x.preflight.response?.status ?? 'none'}`
      : 'none',
    redirects: (x.redirects ?? []).map((h) => `${h.status} ${h.fromUrl}`).join(' → '),
    localNetwork: a.findings
      .map((f) => f.code)
      .filter((code) => code.startsWith('local-network'))
      .sort()
      .join(','),
  }
}

/** The tab's records, read the way the panel reads them: a port to the worker, subscribe, snapshot. */
const READ_RECORDS = `new Promise((resolve) => {
  const port = chrome.runtime.connect({ name: 'cors-lens-panel' })
  port.onMessage.addListener((m) => { if (m.type === 'snapshot') { resolve(m.records); port.disconnect() } })
  port.postMessage({ type: 'subscribe', tabId: chrome.devtools.inspectedWindow.tabId })
})`

/** The log kept across the runner pages' navigations (the panel's "Preserve log"). */
const PRESERVE_LOG = `(() => {
  const port = chrome.runtime.connect({ name: 'cors-lens-panel' })
  port.postMessage({ type: 'set-preserve-log', tabId: chrome.devtools.inspectedWindow.tabId, preserveLog: true })
  return new Promise((r) => setTimeout(() => { port.disconnect(); r(true) }, 200))
})()`

const CLEAR = `(() => {
  const port = chrome.runtime.connect({ name: 'cors-lens-panel' })
  port.postMessage({ type: 'clear', tabId: chrome.devtools.inspectedWindow.tabId })
  return new Promise((r) => setTimeout(() => { port.disconnect(); r(true) }, 200))
})()`

const all = [...labScenarios, ...localNetworkScenarios]
const KINDS: readonly PageKind[] = ['lab', 'public-http', 'public-https', 'granted-https']

/** One build, one browser: every scenario with the CORS panel shown; its rows by URL. */
async function captureWith(lab: Lab, extension: string): Promise<Map<string, Row[]>> {
  const session = await launchWithDevTools({
    hostResolverRules: lab.hostResolverRules,
    headless: true,
    extension,
    // Service workers need a secure context: the lab page is plain http on a .test name.
    args: [...lab.chromiumArgs, `--unsafely-treat-insecure-origin-as-secure=${lab.pageOrigin}`],
  })
  try {
    const page = session.page
    const labScenariosHere = [...labScenarios, ...EXTRA]
    await page.goto(lab.pageOn('lab', runnerPath('lab'), runnerPage(lab, labScenariosHere, 'lab')))
    // Sent before the panel shows (DevTools open on another panel), answered after.
    await waitForDevToolsReady(session)
    const inFlight = page.evaluate(`window.runScenario(${JSON.stringify(IN_FLIGHT.id)})`)
    const panel = await openCorsPanel(session)
    await waitForLiveCapture(session.browser)
    await panel.evaluate(PRESERVE_LOG)
    await inFlight
    // Read after each batch, then cleared: the store keeps at most 500 records / 3 MB per tab.
    const records: ExchangeRecord[] = []
    const take = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, 1500)) // past the worker's batching (pipeline, live log)
      records.push(...(await readRecords(panel)))
      await panel.evaluate(CLEAR)
    }
    await take()
    const cdp = await session.browser.target().createCDPSession()
    for (const kind of KINDS) {
      const here = kind === 'lab' ? labScenariosHere : all.filter((s) => (s.from ?? 'lab') === kind)
      if (here.length === 0) continue
      if (kind === 'granted-https')
        await cdp.send('Browser.grantPermissions', {
          origin: lab.originOf(kind),
          permissions: ['localNetwork', 'loopbackNetwork'] as never,
        })
      if (kind !== 'lab') await page.goto(lab.pageOn(kind, runnerPath(kind), runnerPage(lab, here, kind)))
      for (const s of here) {
        if (s === IN_FLIGHT || s === FROM_WORKER) continue
        await page.evaluate(`window.runScenario(${JSON.stringify(s.id)})`)
      }
      if (kind === 'lab') await fetchFromServiceWorker(page, lab.scenarioUrl(FROM_WORKER))
      await take()
    }
    return rowsByUrl(records)
  } finally {
    await session.close()
  }
}

async function fetchFromServiceWorker(page: Page, url: string): Promise<void> {
  await page.evaluate(`(async () => {
    await navigator.serviceWorker.register('/eq-sw.js')
    const reg = await navigator.serviceWorker.ready
    const answer = new Promise((r) => navigator.serviceWorker.addEventListener('message', (e) => r(e.data), { once: true }))
    reg.active.postMessage(${JSON.stringify(url)})
    return answer
  })()`)
}

async function readRecords(panel: Frame): Promise<ExchangeRecord[]> {
  return (await panel.evaluate(READ_RECORDS)) as ExchangeRecord[]
}

function rowsByUrl(records: readonly ExchangeRecord[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>()
  for (const r of records) {
    // By the URL the page asked for: the first hop of a redirect chain.
    const url = r.exchange.redirects?.[0]?.fromUrl ?? r.exchange.request.url
    const list = out.get(url) ?? []
    list.push(rowOf(r))
    out.set(url, list)
  }
  return out
}

describe('live rows from DevTools’ log equal webRequest’s (Chromium, CORS panel shown)', () => {
  let lab: Lab
  let fromLog: Map<string, Row[]>
  let fromWebRequest: Map<string, Row[]>
  const urls = (s: Scenario) => lab.scenarioUrl(s)

  beforeAll(async () => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error('build first: npm run build')
    lab = await startLab({ scenarios: [...all, ...EXTRA], localNetwork: true })
    lab.asset('/eq-sw.js', 'text/javascript', SW_SCRIPT)
    const webRequestBuild = buildLiveSource('webrequest')
    fromLog = await captureWith(lab, EXTENSION_DIR)
    fromWebRequest = await captureWith(lab, webRequestBuild)
  }, 300_000)

  afterAll(async () => {
    await lab?.close()
  })

  it('lists every request webRequest lists, with the same verdict, preflight, chain and LNA finding', () => {
    const differ: string[] = []
    for (const s of [...all, BIG]) {
      const url = urls(s)
      const a = JSON.stringify(fromWebRequest.get(url) ?? [])
      const b = JSON.stringify(fromLog.get(url) ?? [])
      if (a !== b) differ.push(`${s.id}\n  webRequest: ${a}\n  DevTools log: ${b}`)
    }
    expect(differ).toEqual([])
  })

  // webRequest lists neither as Chromium does: a fetch from the page's service worker is no tab's (tabId -1),
  // and a request sent before its listeners existed is seen only as how it ended. DevTools' log has both.
  it('lists what webRequest cannot as Chromium reports it: in flight when the panel opened, from a service worker', () => {
    for (const s of [BIG, IN_FLIGHT, FROM_WORKER])
      expect(
        fromLog.get(urls(s))?.map((r) => r.corsError),
        s.title,
      ).toEqual([s.expectCorsError])
  })
})
