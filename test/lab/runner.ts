/**
 * The scenario runner page: served from the lab's page origin, it makes each scenario's cross-origin
 * request (fetch, or XMLHttpRequest) on demand. The CDP oracle, the extension e2e tests and the `npm start`
 * demo all drive it through `window.runScenario(id)` / `window.runAll()`.
 */

import { frameOriginOf } from './public-pages.ts'
import type { PageFetch, PageKind, Scenario } from './scenario.ts'
import type { Lab } from './server.ts'

/** What the page needs of a scenario, with its URL resolved for this lab. */
interface PageScenario {
  readonly id: string
  readonly title: string
  readonly url: string
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly credentials: 'omit' | 'same-origin' | 'include'
  readonly mode: 'cors' | 'no-cors' | 'same-origin'
  readonly body: string | null
  readonly xhr: boolean
  readonly via: PageFetch['via'] | null
  readonly abortAfterMs: number | null
  readonly targetAddressSpace: string | null
  readonly frame: boolean
  readonly expect: string | null
  readonly retry: Omit<
    PageScenario,
    'id' | 'title' | 'url' | 'expect' | 'retry' | 'targetAddressSpace' | 'frame' | 'via' | 'abortAfterMs'
  > | null
}

function requestOf(f: Omit<PageFetch, 'retry' | 'path'>) {
  return {
    method: f.method ?? 'GET',
    headers: f.headers ?? {},
    credentials: f.credentials ?? 'same-origin',
    mode: f.mode ?? 'cors',
    body: f.body ?? null,
    xhr: f.xhr ?? false,
  } as const
}

function toPage(lab: Lab, s: Scenario): PageScenario {
  const f = s.fetch
  return {
    id: s.id,
    title: s.title,
    url: lab.scenarioUrl(s),
    ...requestOf(f),
    via: f.via ?? null,
    abortAfterMs: f.abortAfterMs ?? null,
    targetAddressSpace: f.targetAddressSpace ?? null,
    frame: s.frame ?? false,
    expect: s.expectCorsError,
    retry: f.retry ? requestOf(f.retry) : null,
  }
}

/** JSON that is safe inside a <script> element (no "</script>", no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/**
 * The page's own script. Plain browser JavaScript: it runs in Chromium, not through TypeScript. Data reaches
 * the DOM only through textContent.
 */
const PAGE_SCRIPT = `
const LAB = JSON.parse(document.getElementById('lab-data').textContent)
const byId = new Map(LAB.scenarios.map((s) => [s.id, s]))
const rows = new Map()

function viaXhr(s) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(s.method, s.url)
    xhr.withCredentials = s.credentials === 'include'
    for (const [name, value] of Object.entries(s.headers)) xhr.setRequestHeader(name, value)
    xhr.onload = () => resolve(xhr.status)
    xhr.onerror = () => reject(new Error('XMLHttpRequest failed'))
    xhr.send(s.body)
  })
}

async function viaFetch(s) {
  const init = { method: s.method, headers: s.headers, credentials: s.credentials, mode: s.mode }
  if (s.body !== null) init.body = s.body
  if (s.targetAddressSpace !== null) init.targetAddressSpace = s.targetAddressSpace
  if (s.abortAfterMs !== null) {
    const controller = new AbortController()
    init.signal = controller.signal
    setTimeout(() => controller.abort(), s.abortAfterMs)
  }
  const response = await fetch(s.url, init)
  // Read the body so the request finishes (CDP loadingFinished) before we report.
  await response.arrayBuffer()
  return response.status
}

// Requests no CORS check applies to: a WebSocket handshake, an <img> without crossorigin, an <iframe>.
function viaWebSocket(s) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(s.url)
    ws.onopen = () => {
      ws.close()
      resolve(101)
    }
    ws.onerror = () => reject(new Error('WebSocket failed'))
  })
}

function viaElement(s) {
  return new Promise((resolve, reject) => {
    const el = document.createElement(s.via)
    el.hidden = true
    el.onload = () => resolve(200)
    el.onerror = () => reject(new Error(s.via + ' failed to load'))
    el.src = s.url
    document.body.append(el)
  })
}

function send(s) {
  if (s.via === 'websocket') return viaWebSocket(s)
  if (s.via) return viaElement(s)
  return s.xhr ? viaXhr(s) : viaFetch(s)
}

function show(id, text, cls) {
  const row = rows.get(id)
  if (!row) return
  row.result.textContent = text
  row.tr.className = cls
}

// A frame scenario runs in the same-site subframe (same runner, same data): asked and answered by message.
const framed = window.top !== window
let frameReady = null
function inFrame(s) {
  const frame = document.getElementById('lab-frame')
  return frameReady.then(() => new Promise((resolve, reject) => {
    const onMessage = (e) => {
      if (e.source !== frame.contentWindow || e.data.id !== s.id) return
      window.removeEventListener('message', onMessage)
      if (e.data.result === 'ok') resolve(e.data.status)
      else reject(new Error(e.data.error))
    }
    window.addEventListener('message', onMessage)
    frame.contentWindow.postMessage({ id: s.id }, LAB.frameOrigin)
  }))
}
if (framed)
  window.addEventListener('message', async (e) => {
    const s = byId.get(e.data.id)
    if (!s || e.source !== window.parent) return
    try {
      const status = await send(s)
      e.source.postMessage({ id: s.id, result: 'ok', status }, e.origin)
    } catch (err) {
      e.source.postMessage({ id: s.id, result: 'failed', error: String(err && err.message) }, e.origin)
    }
  })

window.runScenario = async (id) => {
  const s = byId.get(id)
  if (!s) throw new Error('no such scenario: ' + id)
  show(id, 'running…', 'running')
  try {
    const status = await (s.frame && !framed ? inFrame(s) : send(s))
    show(id, 'ok (' + status + ')', s.expect === null ? 'pass' : 'surprise')
    return 'ok'
  } catch (e) {
    show(id, 'failed: ' + (e && e.message ? e.message : String(e)), s.expect === null ? 'surprise' : 'blocked')
    if (s.retry) {
      const again = { ...s, ...s.retry }
      await send(again).catch(() => {})
    }
    return 'failed'
  }
}

window.runAll = async () => {
  const results = {}
  for (const s of LAB.scenarios) results[s.id] = await window.runScenario(s.id)
  return results
}

if (LAB.frameUrl && !framed) {
  const frame = document.createElement('iframe')
  frame.id = 'lab-frame'
  frame.title = 'same-site subframe (no allow attribute)'
  frameReady = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }))
  frame.src = LAB.frameUrl
  document.body.append(frame)
}

const tbody = document.getElementById('rows')
for (const s of LAB.scenarios) {
  const tr = document.createElement('tr')
  const cell = (text, cls) => {
    const td = document.createElement('td')
    td.textContent = text
    if (cls) td.className = cls
    tr.append(td)
    return td
  }
  cell(s.id, 'id')
  cell(s.title)
  cell((s.xhr ? 'XHR ' : '') + s.method + (s.credentials === 'include' ? ' +credentials' : ''), 'req')
  cell(s.expect ?? 'passes', s.expect ? 'expect' : 'expect ok')
  const td = document.createElement('td')
  const button = document.createElement('button')
  button.textContent = 'Run'
  button.addEventListener('click', () => window.runScenario(s.id))
  td.append(button)
  tr.append(td)
  const result = cell('', 'result')
  rows.set(s.id, { tr, result })
  tbody.append(tr)
}
document.getElementById('run-all').addEventListener('click', () => window.runAll())
// ?autorun: the page runs every scenario by itself (an exporter may record only the page's own requests,
// not those an automation script starts), then publishes the results on <body data-results>. An image
// on the lab's /hold keeps the page loading until then: Firefox's HAR auto-export saves what the page
// loaded before its load event settled.
if (new URLSearchParams(location.search).has('autorun')) {
  const hold = new Image()
  hold.src = '/hold'
  document.body.append(hold)
  window.runAll().then(async (results) => {
    await fetch('/release')
    document.body.dataset.results = JSON.stringify(results)
  })
}
document.getElementById('count').textContent = String(LAB.scenarios.length)
document.getElementById('api-origin').textContent = LAB.apiOrigin
document.getElementById('site-origin').textContent = LAB.siteOrigin
`

const STYLE = `
  :root { color-scheme: light dark; font: 14px/1.45 system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
  h1 { margin: 0 0 .25rem; font-size: 1.5rem; }
  p { max-width: 60rem; }
  code { font: 12px ui-monospace, monospace; background: rgb(127 127 127 / .15); padding: 0 .25em; border-radius: 3px; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid rgb(127 127 127 / .25); vertical-align: top; }
  th { position: sticky; top: 0; background: Canvas; }
  td.id, td.expect, td.req, td.result { font: 12px ui-monospace, monospace; white-space: nowrap; }
  td.expect { color: #b3261e; } td.expect.ok { color: #1e7b34; }
  tr.blocked td.result { color: #b3261e; } tr.pass td.result { color: #1e7b34; }
  tr.surprise { background: rgb(255 200 0 / .2); } tr.running td.result { color: GrayText; }
  button { font: inherit; padding: .15rem .7rem; cursor: pointer; }
  #run-all { padding: .35rem 1rem; font-weight: 600; }
`

/** The runner's path on a page kind's origin. */
export function runnerPath(kind: PageKind): string {
  return kind === 'lab' ? '/runner' : `/runner-${kind}`
}

/**
 * The runner for one page kind: only the scenarios made from that page. When some run in a subframe, the
 * page embeds itself from the same-site frame origin (frame.app.test) without an `allow` attribute.
 */
export function runnerPage(lab: Lab, scenarios: readonly Scenario[], kind: PageKind = 'lab'): string {
  const mine = scenarios.filter((s) => (s.from ?? 'lab') === kind)
  const frameOrigin = kind === 'lab' ? null : frameOriginOf(lab.originOf(kind))
  const data = {
    apiOrigin: lab.apiOrigin,
    siteOrigin: lab.siteOrigin,
    frameOrigin,
    frameUrl: frameOrigin && mine.some((s) => s.frame) ? frameOrigin + runnerPath(kind) : null,
    scenarios: mine.map((s) => toPage(lab, s)),
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CORS Lens lab</title>
<style>${STYLE}</style>
</head>
<body>
<h1>CORS Lens lab</h1>
<p>
  This page makes cross-origin requests that a scripted API answers with exactly chosen header lines —
  <span id="count"></span> scenarios, from a plain missing <code>Access-Control-Allow-Origin</code> to failed
  preflights and tainted redirects. Open DevTools and the <strong>CORS</strong> panel, then run a scenario:
  the panel should explain each blocked request the way Chromium judged it (the right-hand column says what
  Chromium reports).
</p>
<p>
  API: <code id="api-origin"></code> (another site). Credentialed scenarios call
  <code id="site-origin"></code>, a same-site host that receives this page's <code>lab=1</code> cookie.
</p>
<button id="run-all" type="button">Run all</button>
<table>
  <thead><tr><th>id</th><th>scenario</th><th>request</th><th>Chromium reports</th><th></th><th>result</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
<script id="lab-data" type="application/json">${scriptJson(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`
}
