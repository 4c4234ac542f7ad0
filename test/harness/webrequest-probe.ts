/**
 * What webRequest reports, for the lab's Local Network Access scenarios. CDP folds Chromium's LNA error into
 * net::ERR_FAILED on the request itself (Network.loadingFailed, with corsErrorStatus beside it), and shows
 * nothing of a WebSocket's refusal but an empty webSocketFrameError; webRequest — what the extension sees —
 * says net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS on a simple request and reports the WebSocket with
 * its type. So the LNA scenarios are graded on the CDP exchange with webRequest's endings put in.
 *
 * The probe is a throw-away extension written at run time: it listens as CORS Lens's capture does in
 * Chromium (extraHeaders, so preflights are visible; WebSockets on a failures-only listener) and keeps
 * each request's ending.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Exchange } from '../../src/core/exchange.ts'
import type { LaunchedBrowser } from './chromium.ts'

/** One request's ending as webRequest reported it (onCompleted or onErrorOccurred). */
export interface WebRequestEnd {
  readonly url: string
  readonly method: string
  readonly type: string
  readonly initiator?: string
  readonly error?: string
  readonly ip?: string
}

const MANIFEST = {
  manifest_version: 3,
  name: 'CORS Lens lab: webRequest probe',
  version: '1',
  permissions: ['webRequest'],
  host_permissions: ['<all_urls>'],
  background: { service_worker: 'worker.js' },
}

// Plain browser JavaScript (it runs in the probe's worker). Only the lab's scenario URLs are kept.
const WORKER = `
globalThis.ends = []
const keep = (d) => {
  if (!/\\/s\\//.test(d.url)) return
  ends.push({ url: d.url, method: d.method, type: d.type, initiator: d.initiator, error: d.error, ip: d.ip })
}
const cors = { urls: ['<all_urls>'], types: ['xmlhttprequest', 'other'] }
chrome.webRequest.onSendHeaders.addListener(() => {}, cors, ['requestHeaders', 'extraHeaders'])
chrome.webRequest.onCompleted.addListener(keep, cors, ['extraHeaders'])
chrome.webRequest.onErrorOccurred.addListener(keep, cors, ['extraHeaders'])
const sockets = { urls: ['<all_urls>'], types: ['websocket'] }
chrome.webRequest.onErrorOccurred.addListener(keep, sockets)
chrome.webRequest.onCompleted.addListener(keep, sockets)
`

export interface Probe {
  readonly dir: string
  dispose(): void
}

export function writeProbe(): Probe {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-probe-'))
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(MANIFEST))
  writeFileSync(join(dir, 'worker.js'), WORKER)
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) }
}

/** How many endings the probe holds: `endsSince(browser, mark)` reads only those after it. */
export async function probeMark(browser: LaunchedBrowser): Promise<number> {
  return (await (await browser.worker()).evaluate('globalThis.ends.length')) as number
}

export async function endsSince(browser: LaunchedBrowser, mark: number): Promise<WebRequestEnd[]> {
  return (await (await browser.worker()).evaluate(`globalThis.ends.slice(${mark})`)) as WebRequestEnd[]
}

/** Polls until webRequest reported the ending of a request to `url` (events reach the worker a little later). */
export async function endFor(
  browser: LaunchedBrowser,
  mark: number,
  url: string,
  timeoutMs = 5_000,
): Promise<WebRequestEnd> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const found = (await endsSince(browser, mark)).find((e) => e.url === url && e.method !== 'OPTIONS')
    if (found) return found
    if (Date.now() > until) throw new Error(`webRequest reported no ending for ${url}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * The CDP exchange with webRequest's endings: the request's error (and `ip`) from its own ending, the
 * preflight's from the OPTIONS one. Headers and responses stay CDP's (the same lines webRequest shows).
 */
export function withWebRequestEnds(ex: Exchange, ends: readonly WebRequestEnd[]): Exchange {
  const mine = ends.filter((e) => e.url === ex.request.url && e.method === ex.request.method).at(-1)
  const preflightEnd = ex.preflight
    ? ends.filter((e) => e.url === ex.preflight?.request.url && e.method === 'OPTIONS').at(-1)
    : undefined
  return {
    ...ex,
    ...(mine?.error && ex.outcome.kind === 'error' ? { outcome: { kind: 'error', error: mine.error } } : {}),
    ...(mine?.ip ? { remoteAddress: mine.ip } : {}),
    ...(ex.preflight && preflightEnd?.error && !ex.preflight.response
      ? { preflight: { ...ex.preflight, error: preflightEnd.error } }
      : {}),
  }
}

/** A WebSocket's exchange as the capture assembles it from its one failure event (src/background/assemble.ts). */
export function websocketExchange(end: WebRequestEnd): Exchange {
  return {
    initiator: end.initiator ?? null,
    request: { method: end.method, url: end.url, headers: [] },
    outcome: end.error ? { kind: 'error', error: end.error } : { kind: 'ok' },
    ...(end.ip ? { remoteAddress: end.ip } : {}),
    api: 'websocket',
    browser: 'chromium',
  }
}
