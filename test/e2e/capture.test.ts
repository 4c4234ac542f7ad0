/**
 * Capture end to end in real Chromium: the built extension watches a lab page's failing and passing
 * fetches; the test reads the tab's records through the panel protocol (from an extension page, exactly as
 * the panel does). Then the worker is killed (CDP Target.closeTarget) and everything captured before must
 * still be listed afterwards, and new requests must keep arriving.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CDPSession, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CaptureScope, ExchangeRecord } from '../../src/protocol.ts'
import { PANEL_PORT_NAME } from '../../src/protocol.ts'
import { EXTENSION_DIR, type LaunchedBrowser, launchChromium, pollListening } from '../harness/chromium.ts'
import { setScopeScript } from '../harness/scope.ts'
import type { Scenario } from '../lab/scenario.ts'
import { type Lab, startLab } from '../lab/server.ts'

const ROOT = resolve(import.meta.dirname, '../..')

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'cap-dup',
    title: 'duplicate ACAO (proxy + app)',
    fetch: {},
    routes: {
      '/': {
        response: {
          status: 200,
          headers: [
            ['Content-Type', 'application/json'],
            ['Access-Control-Allow-Origin', '{page}'],
            ['Access-Control-Allow-Origin', '*'],
          ],
          body: '{}',
        },
      },
    },
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    id: 'cap-preflight',
    title: 'preflight does not allow X-Custom',
    fetch: { method: 'PUT', headers: { 'X-Custom': '1' } },
    routes: {
      '/': {
        preflight: {
          status: 204,
          headers: [
            ['Access-Control-Allow-Origin', '{page}'],
            ['Access-Control-Allow-Methods', 'GET, PUT'],
            ['Access-Control-Allow-Headers', 'Content-Type'],
            ['Access-Control-Max-Age', '0'],
          ],
        },
        response: { status: 200, headers: [['Access-Control-Allow-Origin', '{page}']] },
      },
    },
    expectCorsError: 'HeaderDisallowedByPreflightResponse',
  },
  {
    id: 'cap-preflight-ok',
    title: 'preflighted PUT that passes',
    fetch: { method: 'PUT', headers: { 'X-Custom': '1' } },
    routes: {
      '/': {
        preflight: {
          status: 204,
          headers: [
            ['Access-Control-Allow-Origin', '{page}'],
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Allow-Headers', 'X-Custom'],
            ['Access-Control-Max-Age', '0'],
          ],
        },
        response: { status: 200, headers: [['Access-Control-Allow-Origin', '{page}']], body: 'ok' },
      },
    },
    expectCorsError: null,
  },
  {
    id: 'cap-redir-pf',
    title: "PUT 307 to another origin whose preflight does not allow 'null'",
    fetch: { method: 'PUT' },
    routes: {
      '/': {
        preflight: {
          status: 204,
          headers: [
            ['Access-Control-Allow-Origin', '{page}'],
            ['Access-Control-Allow-Methods', 'PUT'],
          ],
        },
        response: {
          status: 307,
          headers: [
            ['Location', '{otherbase}/next'],
            ['Access-Control-Allow-Origin', '{page}'],
          ],
        },
      },
      '/next': {
        preflight: {
          status: 204,
          headers: [
            ['Access-Control-Allow-Origin', '{page}'],
            ['Access-Control-Allow-Methods', 'PUT'],
          ],
        },
        response: { status: 200, headers: [['Access-Control-Allow-Origin', '{page}']] },
      },
    },
    expectCorsError: 'PreflightAllowOriginMismatch',
  },
  {
    id: 'cap-ok',
    title: 'simple GET that passes',
    fetch: {},
    routes: {
      '/': { response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']], body: 'ok' } },
    },
    expectCorsError: null,
  },
]

const PAGE_HTML = `<!doctype html><title>capture</title><script>
window.hit = (url, method, headers) =>
  fetch(url, { method, headers }).then((r) => r.status, () => 'failed')
</script>`

describe('capture in Chromium (built extension)', () => {
  let lab: Lab
  let browser: LaunchedBrowser
  let page: Page
  let ext: Page
  let extensionId: string
  let tabId: number

  const url = (id: string, query = ''): string => `${lab.apiOrigin}/s/${id}${query}`
  const hit = (target: string, method = 'GET', headers: Record<string, string> = {}) =>
    page.evaluate(
      ([u, m, h]) => (window as unknown as { hit: (...a: unknown[]) => Promise<unknown> }).hit(u, m, h),
      [target, method, headers] as const,
    )

  /** One subscribe through the protocol, from the extension page: the snapshot's records. */
  const snapshot = (): Promise<ExchangeRecord[]> =>
    ext.evaluate(
      ([name, tab]) =>
        new Promise<ExchangeRecord[]>((resolvePromise, reject) => {
          const port = chrome.runtime.connect({ name })
          const timer = setTimeout(() => reject(new Error('no snapshot')), 5000)
          port.onMessage.addListener((m: { type: string; tabId: number; records: ExchangeRecord[] }) => {
            if (m.type !== 'snapshot' || m.tabId !== tab) return
            clearTimeout(timer)
            port.disconnect()
            resolvePromise(m.records)
          })
          port.postMessage({ type: 'subscribe', tabId: tab })
        }),
      [PANEL_PORT_NAME, tabId] as const,
    )

  /** Snapshots until `done` holds (the worker batches, so records arrive a little after the fetch). */
  const waitForRecords = async (
    done: (r: ExchangeRecord[]) => boolean,
    ms = 10_000,
  ): Promise<ExchangeRecord[]> => {
    const until = Date.now() + ms
    let last: ExchangeRecord[] = []
    while (Date.now() < until) {
      try {
        last = await snapshot()
        if (done(last)) return last
      } catch {
        // The worker may be restarting: try again.
      }
      await new Promise((r) => setTimeout(r, 150))
    }
    return last
  }

  /** Sets the capture scope as the panel's select does. */
  const setScope = async (captureScope: CaptureScope): Promise<void> => {
    await ext.evaluate(setScopeScript(captureScope))
  }

  const byUrl = (records: readonly ExchangeRecord[], u: string) =>
    records.filter((r) => r.exchange.request.url === u)

  beforeAll(async () => {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'ignore' })
    lab = await startLab({ scenarios: SCENARIOS })
    const pageUrl = lab.page('/capture', PAGE_HTML)
    browser = await launchChromium({ hostResolverRules: lab.hostResolverRules })
    extensionId = await browser.extensionId()
    page = browser.context.pages()[0] ?? (await browser.context.newPage())
    await page.goto(pageUrl)
    ext = await browser.context.newPage()
    // Any extension page can speak the protocol; the panel page is one (its UI just runs alongside).
    await ext.goto(`chrome-extension://${extensionId}/src/panel/panel.html?tabId=0`)
    const found = await ext.evaluate(
      async (pattern) => (await chrome.tabs.query({ url: pattern }))[0]?.id ?? null,
      `${lab.pageOrigin}/*`,
    )
    if (found === null) throw new Error('no lab tab')
    tabId = found
    // This file is about capture itself, in every tab from the start: the 'all tabs' scope, set as the
    // panel's select does. (The default scope, DevTools open, has its own test: scope.test.ts.)
    await setScope('all-tabs')
  })

  afterAll(async () => {
    await browser?.close()
    await lab?.close()
  })

  it('captures failing and passing fetches: duplicate ACAO lines in order, preflight paired', async () => {
    expect(await hit(url('cap-dup'))).toBe('failed')
    expect(await hit(url('cap-preflight'), 'PUT', { 'X-Custom': '1' })).toBe('failed')
    expect(await hit(url('cap-preflight-ok'), 'PUT', { 'X-Custom': '1' })).toBe(200)
    expect(await hit(url('cap-ok'))).toBe(200)
    // Same-origin traffic is not captured.
    await page.evaluate((u) => fetch(u).then((r) => r.status), `${lab.pageOrigin}/capture`)

    const records = await waitForRecords((r) => r.length >= 4)
    expect(records.map((r) => r.exchange.request.url).sort()).toEqual(
      [url('cap-dup'), url('cap-ok'), url('cap-preflight'), url('cap-preflight-ok')].sort(),
    )
    for (const r of records) {
      expect(r.tabId).toBe(tabId)
      expect(r.exchange.initiator).toBe(lab.pageOrigin)
      expect(r.exchange.browser).toBe('chromium')
    }

    const dup = byUrl(records, url('cap-dup'))[0]
    expect(dup?.exchange.outcome).toEqual({ kind: 'error', error: 'net::ERR_FAILED' })
    expect(dup?.exchange.response?.status).toBe(200)
    const acao = dup?.exchange.response?.headers.filter(
      (h) => h.name.toLowerCase() === 'access-control-allow-origin',
    )
    expect(acao?.map((h) => h.value)).toEqual([lab.pageOrigin, '*'])
    // extraHeaders at work: Origin is visible.
    expect(dup?.exchange.request.headers).toContainEqual({ name: 'Origin', value: lab.pageOrigin })

    const blocked = byUrl(records, url('cap-preflight'))[0]
    expect(blocked?.exchange.request.method).toBe('PUT')
    expect(blocked?.exchange.preflight?.request.method).toBe('OPTIONS')
    expect(blocked?.exchange.preflight?.response?.status).toBe(204)
    expect(blocked?.exchange.preflight?.request.headers).toContainEqual({
      name: 'Access-Control-Request-Headers',
      value: 'x-custom',
    })
    // Never sent: no invented header lines; the engine reads the names from the preflight's ACRH.
    expect(blocked?.exchange.request.headers).toEqual([])
    expect(blocked?.notes.join(' ')).toContain('Access-Control-Request-Headers')
    expect(blocked?.exchange.outcome.kind).toBe('error')

    const passed = byUrl(records, url('cap-preflight-ok'))[0]
    expect(passed?.exchange.preflight?.response?.status).toBe(204)
    expect(passed?.exchange.request.headers).toContainEqual({ name: 'X-Custom', value: '1' })
    expect(passed?.exchange.response?.status).toBe(200)
    expect(passed?.exchange.outcome).toEqual({ kind: 'ok' })
    expect(byUrl(records, url('cap-ok'))[0]?.exchange.preflight).toBeUndefined()
  })

  it("pairs a redirected request with the preflight of the hop that failed (Origin 'null')", async () => {
    expect(await hit(url('cap-redir-pf'), 'PUT')).toBe('failed')
    const next = `${lab.otherOrigin}/s/cap-redir-pf/next`
    const records = await waitForRecords((r) => byUrl(r, next).length >= 1)
    const r = byUrl(records, next)
    expect(r).toHaveLength(1)
    const ex = r[0]?.exchange
    expect(ex?.redirects?.map((x) => [x.fromUrl, x.status])).toEqual([[url('cap-redir-pf'), 307]])
    expect(ex?.preflight?.request.url).toBe(next)
    expect(ex?.preflight?.request.headers).toContainEqual({ name: 'Origin', value: 'null' })
    expect(ex?.request.headers).toEqual([])
    expect(r[0]?.analysis.corsError).toBe('PreflightAllowOriginMismatch')
  })

  it('pairs two identical preflighted requests in flight, one preflight each', async () => {
    await page.evaluate(
      (u) =>
        Promise.all(
          [1, 2].map(() => fetch(u, { method: 'PUT', headers: { 'X-Custom': '1' } }).catch(() => 'failed')),
        ),
      url('cap-preflight', '?twice'),
    )
    const records = await waitForRecords((r) => byUrl(r, url('cap-preflight', '?twice')).length >= 2)
    const twice = byUrl(records, url('cap-preflight', '?twice'))
    expect(twice).toHaveLength(2)
    for (const r of twice) expect(r.exchange.preflight?.response?.status).toBe(204)
  })

  it('keeps everything after the worker is killed, and captures new requests after it wakes', async () => {
    await hit(url('cap-dup', '?before-kill'))
    const before = await waitForRecords((r) => byUrl(r, url('cap-dup', '?before-kill')).length === 1)
    const beforeIds = before.map((r) => r.id)
    // Past the documented flush delay (~250 ms; 1.25 s when waiting for a late preflight).
    await new Promise((r) => setTimeout(r, 1500))

    const cdp: CDPSession = await browser.context.newCDPSession(page)
    const workerTargets = async () =>
      (await cdp.send('Target.getTargets')).targetInfos.filter(
        (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extensionId}/`),
      )
    const targets = await workerTargets()
    expect(targets.length).toBeGreaterThan(0)
    for (const t of targets) await cdp.send('Target.closeTarget', { targetId: t.targetId })
    // The killed worker is gone (the open panel page may already have started a new one: other id).
    const killed = new Set(targets.map((t) => t.targetId))
    const alive = async () => (await workerTargets()).filter((t) => killed.has(t.targetId))
    const gone = Date.now() + 5000
    while ((await alive()).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 100))
    expect(await alive()).toEqual([])

    // The worker comes back (the panel page reconnects; in 'all tabs' a request wakes it too, though the
    // listeners are added once the settings are read, so the waking request itself is not seen).
    await hit(url('cap-ok', '?wake'))
    await pollListening(() => browser.listening(), true, 15_000)
    expect(await hit(url('cap-dup', '?after-kill'))).toBe('failed')
    const after = await waitForRecords((r) => byUrl(r, url('cap-dup', '?after-kill')).length === 1)
    expect(after.map((r) => r.id).slice(0, beforeIds.length)).toEqual(beforeIds)
    expect(byUrl(after, url('cap-dup', '?after-kill'))).toHaveLength(1)
    // Numbering continued: the new record's seq is above every earlier one.
    const maxBefore = Math.max(...before.map((r) => r.seq))
    expect(byUrl(after, url('cap-dup', '?after-kill'))[0]?.seq).toBeGreaterThan(maxBefore)
    await cdp.detach()
  })

  it('clears the tab log on navigation', async () => {
    await page.reload()
    const records = await waitForRecords((r) => r.length === 0)
    expect(records).toEqual([])
    await hit(url('cap-ok', '?after-nav'))
    const later = await waitForRecords((r) => r.length === 1)
    expect(later.map((r) => r.exchange.request.url)).toEqual([url('cap-ok', '?after-nav')])
  })

  it('in the DevTools-only scope, captures nothing while no panel is open, and resumes when one opens', async () => {
    await setScope('devtools-open')
    await ext.close() // the last open panel: the worker stops listening
    await new Promise((r) => setTimeout(r, 500))
    expect(await hit(url('cap-dup', '?unwatched'))).toBe('failed')

    ext = await browser.context.newPage()
    await ext.goto(`chrome-extension://${extensionId}/src/panel/panel.html?tabId=${tabId}`)
    await new Promise((r) => setTimeout(r, 500))
    expect(await hit(url('cap-dup', '?watched'))).toBe('failed')
    const records = await waitForRecords((r) => byUrl(r, url('cap-dup', '?watched')).length === 1)
    expect(byUrl(records, url('cap-dup', '?watched'))).toHaveLength(1)
    expect(byUrl(records, url('cap-dup', '?unwatched'))).toEqual([])
  })
})
