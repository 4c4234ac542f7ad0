/**
 * Capture + pipeline from recorded webRequest event sequences (shapes as measured in
 * research/extension-testing.md §4 for Chromium and firefox.md §3 for Firefox).
 */
import { describe, expect, it } from 'vitest'
import { NOTES } from '../../src/background/assemble.ts'
import { Capture, type RequestDetails, sameOrigin } from '../../src/background/capture.ts'
import { type Notifier, Pipeline } from '../../src/background/pipeline.ts'
import { RecordStore } from '../../src/background/store.ts'
import type { Diagnosis } from '../../src/core/analysis.ts'
import type { Exchange } from '../../src/core/exchange.ts'
import { emptyDiagnosis, diagnose as realDiagnose } from '../../src/core/index.ts'
import type { Platform } from '../../src/platform/index.ts'
import type { ExchangeRecord } from '../../src/protocol.ts'
import { chromium, type EventName, FakeArea, FakeWebRequest, firefox, ManualTimers } from './fakes.ts'

const PAGE = 'http://app.test:8001'
const API = 'http://api.test:8080'
const TAB = 1878025383

function stubDiagnose(ex: Exchange): Diagnosis {
  const failed = ex.outcome.kind === 'error'
  return { ...emptyDiagnosis(ex), verdict: failed ? 'blocked' : 'ok', blocked: failed }
}

async function setup(options: { platform?: Platform; diagnose?: (ex: Exchange) => Diagnosis } = {}) {
  const platform = options.platform ?? chromium
  const timers = new ManualTimers()
  const area = new FakeArea()
  const store = new RecordStore({ area, setTimer: timers.setTimer })
  const pushed: ExchangeRecord[] = []
  const cleared: { tabId: number; reason: string }[] = []
  const errors: unknown[] = []
  const notifier: Notifier = {
    records: (_tabId, records) => pushed.push(...records),
    tabState: () => {},
    cleared: (tabId, reason) => cleared.push({ tabId, reason }),
  }
  let capture: Capture | null = null
  const pipeline = new Pipeline({
    platform,
    store,
    diagnose: options.diagnose ?? stubDiagnose,
    notifier,
    isInFlight: (id) => capture?.isInFlight(id) ?? false,
    dropInFlight: (tabId) => capture?.dropTab(tabId),
    now: timers.clock,
    setTimer: timers.setTimer,
    onError: (e) => errors.push(e),
  })
  capture = new Capture(platform, pipeline, (e) => errors.push(e))
  const wr = new FakeWebRequest(platform.browser)
  capture.register(wr)
  await pipeline.start()
  // These tests are about capture itself: every tab, as in the 'all-tabs' scope.
  pipeline.setSettings({ captureScope: 'all-tabs' })
  let t = timers.now
  const emit = (name: EventName, d: Partial<RequestDetails> & { requestId: string; url: string }): void => {
    t += 1
    wr.emit(name, {
      method: 'GET',
      tabId: TAB,
      type: 'xmlhttprequest',
      timeStamp: t,
      frameId: 0,
      ...(platform.browser === 'chromium'
        ? { initiator: PAGE }
        : { originUrl: `${PAGE}/`, documentUrl: `${PAGE}/` }),
      ...d,
    })
  }
  /** Lets the pipeline and the store run their timers. */
  const settle = async (ms = 2000): Promise<void> => {
    timers.advance(ms)
    await store.flush()
  }
  return { timers, area, store, pipeline, capture, wr, emit, settle, pushed, cleared, errors }
}

const h = (name: string, value: string) => ({ name, value })
const ORIGIN = h('Origin', PAGE)

describe('capture: Chromium event sequences', () => {
  it('subscribes to four events with extraHeaders for CORS-capable types, failures only for images and media, plus a main-frame listener', async () => {
    const { wr } = await setup()
    const send = wr.listeners.get('onSendHeaders')?.[0]
    expect(send?.spec).toEqual(['requestHeaders', 'extraHeaders'])
    expect(send?.filter.types).toEqual(['xmlhttprequest', 'font', 'script', 'stylesheet', 'ping', 'other'])
    // Images, media and WebSockets: failures only, and never with extraHeaders (images and media are most
    // of a page's requests; a WebSocket is heard only for Local Network Access, on the same listener).
    const outcomeOnly = wr.listeners.get('onErrorOccurred')?.[1]
    expect(outcomeOnly?.filter.types).toEqual(['image', 'media', 'websocket'])
    expect(outcomeOnly?.spec ?? []).toEqual([])
    expect(wr.listeners.get('onHeadersReceived')?.[1]?.filter.types).toEqual(['main_frame'])
    expect(wr.listeners.get('onHeadersReceived')?.[1]?.spec).toEqual(['responseHeaders'])
    expect([...wr.listeners.keys()].sort()).toEqual([
      'onCompleted',
      'onErrorOccurred',
      'onHeadersReceived',
      'onSendHeaders',
    ])
  })

  it('removes every listener when told to, and registers them again only once', async () => {
    const { wr, capture } = await setup()
    const count = () => [...wr.listeners.values()].reduce((n, l) => n + l.length, 0)
    const before = count()
    expect(before).toBe(6)
    capture.register(wr)
    expect(count()).toBe(before)
    capture.unregister()
    expect(count()).toBe(0)
    expect(capture.listening).toBe(false)
    capture.register(wr)
    expect(count()).toBe(before)
  })

  it('listens per watched tab with a tabId filter, and drops the sets of tabs no longer watched', async () => {
    // The pipeline here takes every tab: only the listeners' tabId filter keeps tab 4 out.
    const { wr, capture, emit, settle, pushed } = await setup()
    const filters = () => [...wr.listeners.values()].flat().map((l) => l.filter.tabId)
    capture.listenTo(wr, [5, 6])
    expect(filters().sort()).toEqual([...Array(6).fill(5), ...Array(6).fill(6)])
    capture.listenTo(wr, [6])
    expect(filters()).toEqual(Array(6).fill(6))
    capture.listenTo(wr, [])
    expect(filters()).toEqual([])
    capture.listenTo(wr, 'all')
    expect(filters()).toEqual(Array(6).fill(undefined))
    // A tab-filtered set hears only its tab (the fake filters like the browser).
    capture.listenTo(wr, [5])
    emit('onSendHeaders', { requestId: '1', tabId: 4, url: `${API}/a`, requestHeaders: [ORIGIN] })
    emit('onErrorOccurred', { requestId: '1', tabId: 4, url: `${API}/a`, error: 'net::ERR_FAILED' })
    emit('onSendHeaders', { requestId: '2', tabId: 5, url: `${API}/b`, requestHeaders: [ORIGIN] })
    emit('onErrorOccurred', { requestId: '2', tabId: 5, url: `${API}/b`, error: 'net::ERR_FAILED' })
    await settle()
    expect(pushed.map((r) => r.exchange.request.url)).toEqual([`${API}/b`])
  })

  it('knows since when each tab is captured live: its own set or every tab’s, whichever began first', async () => {
    const { wr, capture } = await setup()
    capture.unregister()
    expect(capture.listeningSince(5)).toBeNull()
    const before = Date.now()
    capture.listenTo(wr, [5])
    const own = capture.listeningSince(5) ?? Number.NaN
    expect(own).toBeGreaterThanOrEqual(before)
    expect(capture.listeningSince(6)).toBeNull()
    capture.listenTo(wr, [])
    expect(capture.listeningSince(5)).toBeNull()
  })

  it("fetch(url, { method: 'OPTIONS' }) whose preflight fails is one blocked row, the preflight folded in", async () => {
    // The sequence the lab's options-fetch-preflight-fails scenario produces in Chromium 156: the preflight
    // (ACRM OPTIONS) is sent and answered, both end in errors, the actual OPTIONS is never sent.
    const { emit, settle, pushed } = await setup()
    const url = `${API}/options`
    const preflightHeaders = [h('Access-Control-Request-Method', 'OPTIONS'), ORIGIN]
    emit('onSendHeaders', { requestId: '41', method: 'OPTIONS', url, requestHeaders: preflightHeaders })
    emit('onHeadersReceived', {
      requestId: '41',
      method: 'OPTIONS',
      url,
      statusCode: 204,
      statusLine: 'HTTP/1.1 204 No Content',
      responseHeaders: [],
    })
    emit('onErrorOccurred', { requestId: '41', method: 'OPTIONS', url, error: 'net::ERR_FAILED' })
    emit('onErrorOccurred', { requestId: '40', method: 'OPTIONS', url, error: 'net::ERR_FAILED' })
    await settle()
    expect(pushed).toHaveLength(1)
    expect(pushed[0]?.exchange.request.method).toBe('OPTIONS')
    expect(pushed[0]?.exchange.preflight?.response?.status).toBe(204)
  })

  it('keeps the server address webRequest reports (Local Network Access judges by it)', async () => {
    const { emit, settle, pushed } = await setup()
    const url = 'https://router.example/api'
    emit('onErrorOccurred', {
      requestId: '50',
      url,
      ip: '192.168.0.1',
      error: 'net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS',
    })
    await settle()
    expect(pushed[0]?.exchange.remoteAddress).toBe('192.168.0.1')
  })

  it('(a) duplicate ACAO: keeps both lines in wire order, outcome error', async () => {
    const { emit, settle, pushed } = await setup()
    const url = `${API}/dup`
    emit('onSendHeaders', { requestId: '6', url, requestHeaders: [h('Accept', '*/*'), ORIGIN] })
    emit('onHeadersReceived', {
      requestId: '6',
      url,
      statusCode: 200,
      statusLine: 'HTTP/1.1 200 OK',
      responseHeaders: [
        h('Content-Type', 'application/json'),
        h('Access-Control-Allow-Origin', PAGE),
        h('Access-Control-Allow-Origin', '*'),
      ],
    })
    emit('onErrorOccurred', { requestId: '6', url, error: 'net::ERR_FAILED' })
    await settle()
    expect(pushed).toHaveLength(1)
    const ex = pushed[0]?.exchange
    expect(ex?.initiator).toBe(PAGE)
    expect(ex?.request).toEqual({ method: 'GET', url, headers: [h('Accept', '*/*'), ORIGIN] })
    expect(ex?.response?.status).toBe(200)
    expect(ex?.response?.statusText).toBe('OK')
    expect(
      ex?.response?.headers.filter((x) => x.name === 'Access-Control-Allow-Origin').map((x) => x.value),
    ).toEqual([PAGE, '*'])
    expect(ex?.outcome).toEqual({ kind: 'error', error: 'net::ERR_FAILED' })
    expect(ex?.browser).toBe('chromium')
    expect(pushed[0]?.notes).toEqual([])
    expect(pushed[0]?.tabId).toBe(TAB)
  })

  it('(d) preflight-blocked PUT: no onSendHeaders for the request, no invented header lines, names read from ACRH, with a note', async () => {
    const { emit, settle, pushed } = await setup()
    const url = `${API}/preflight`
    const pfHeaders = [
      h('Accept', '*/*'),
      h('Access-Control-Request-Method', 'PUT'),
      h('Access-Control-Request-Headers', 'content-type,x-custom'),
      ORIGIN,
      h('Sec-Fetch-Mode', 'cors'),
    ]
    emit('onSendHeaders', { requestId: '11', url, method: 'OPTIONS', requestHeaders: pfHeaders })
    emit('onHeadersReceived', {
      requestId: '11',
      url,
      method: 'OPTIONS',
      statusCode: 204,
      statusLine: 'HTTP/1.1 204 No Content',
      responseHeaders: [
        h('Access-Control-Allow-Origin', PAGE),
        h('Access-Control-Allow-Headers', 'Content-Type'),
      ],
    })
    emit('onCompleted', { requestId: '11', url, method: 'OPTIONS', statusCode: 204 })
    emit('onErrorOccurred', { requestId: '10', url, method: 'PUT', error: 'net::ERR_FAILED' })
    await settle()
    expect(pushed).toHaveLength(1)
    const r = pushed[0]
    expect(r?.exchange.request).toEqual({
      method: 'PUT',
      url,
      headers: [],
    })
    expect(r?.notes).toContain(NOTES.headersFromPreflight)
    expect(r?.exchange.preflight?.request).toEqual({ method: 'OPTIONS', url, headers: pfHeaders })
    expect(r?.exchange.preflight?.response?.status).toBe(204)
    expect(r?.exchange.response).toBeUndefined()
    expect(r?.exchange.outcome).toEqual({ kind: 'error', error: 'net::ERR_FAILED' })
  })

  it('waits briefly for a preflight whose end arrives after the request error (racy order)', async () => {
    const { emit, settle, pushed, timers } = await setup()
    const url = `${API}/race`
    emit('onSendHeaders', {
      requestId: '21',
      url,
      method: 'OPTIONS',
      requestHeaders: [h('Access-Control-Request-Method', 'PUT'), ORIGIN],
    })
    emit('onErrorOccurred', { requestId: '20', url, method: 'PUT', error: 'net::ERR_FAILED' })
    timers.advance(150)
    expect(pushed).toHaveLength(0)
    emit('onHeadersReceived', {
      requestId: '21',
      url,
      method: 'OPTIONS',
      statusCode: 500,
      responseHeaders: [],
    })
    emit('onCompleted', { requestId: '21', url, method: 'OPTIONS' })
    await settle(200)
    expect(pushed).toHaveLength(1)
    expect(pushed[0]?.exchange.preflight?.response?.status).toBe(500)
  })

  it('passing preflighted request: paired, real request headers kept', async () => {
    const { emit, settle, pushed } = await setup()
    const url = `${API}/ok`
    emit('onSendHeaders', {
      requestId: '31',
      url,
      method: 'OPTIONS',
      requestHeaders: [
        h('Access-Control-Request-Method', 'PUT'),
        h('Access-Control-Request-Headers', 'x-custom'),
        ORIGIN,
      ],
    })
    emit('onHeadersReceived', {
      requestId: '31',
      url,
      method: 'OPTIONS',
      statusCode: 204,
      responseHeaders: [],
    })
    emit('onCompleted', { requestId: '31', url, method: 'OPTIONS' })
    emit('onSendHeaders', {
      requestId: '30',
      url,
      method: 'PUT',
      requestHeaders: [h('X-Custom', '1'), ORIGIN],
    })
    emit('onHeadersReceived', {
      requestId: '30',
      url,
      method: 'PUT',
      statusCode: 200,
      responseHeaders: [h('Access-Control-Allow-Origin', PAGE)],
    })
    emit('onCompleted', { requestId: '30', url, method: 'PUT' })
    await settle()
    expect(pushed).toHaveLength(1)
    expect(pushed[0]?.exchange.request.headers).toEqual([h('X-Custom', '1'), ORIGIN])
    expect(pushed[0]?.exchange.preflight?.request.headers[0]).toEqual(
      h('Access-Control-Request-Method', 'PUT'),
    )
    expect(pushed[0]?.exchange.outcome).toEqual({ kind: 'ok' })
    expect(pushed[0]?.notes).toEqual([])
  })

  it('two identical preflighted requests in flight pair one to one', async () => {
    const { emit, settle, pushed } = await setup()
    const url = `${API}/twice`
    const pf = (id: string) =>
      emit('onSendHeaders', {
        requestId: id,
        url,
        method: 'OPTIONS',
        requestHeaders: [h('Access-Control-Request-Method', 'PUT'), ORIGIN],
      })
    const pfEnd = (id: string, status: number) => {
      emit('onHeadersReceived', {
        requestId: id,
        url,
        method: 'OPTIONS',
        statusCode: status,
        responseHeaders: [],
      })
      emit('onCompleted', { requestId: id, url, method: 'OPTIONS' })
    }
    pf('41')
    pf('43')
    pfEnd('43', 403)
    pfEnd('41', 404)
    emit('onErrorOccurred', { requestId: '42', url, method: 'PUT', error: 'net::ERR_FAILED' })
    emit('onErrorOccurred', { requestId: '40', url, method: 'PUT', error: 'net::ERR_FAILED' })
    await settle()
    expect(pushed).toHaveLength(2)
    const statusOf = (n: number) => pushed[n]?.exchange.preflight?.response?.status
    expect([statusOf(0), statusOf(1)]).toEqual([403, 404])
  })

  it('same-origin request that redirects cross-origin: the chain is kept', async () => {
    const { emit, settle, pushed } = await setup()
    const first = `${PAGE}/go`
    const second = `${API}/landing`
    emit('onSendHeaders', { requestId: '50', url: first, requestHeaders: [h('Accept', '*/*')] })
    emit('onHeadersReceived', {
      requestId: '50',
      url: first,
      statusCode: 302,
      statusLine: 'HTTP/1.1 302 Found',
      responseHeaders: [h('Location', second)],
    })
    emit('onSendHeaders', { requestId: '50', url: second, requestHeaders: [h('Accept', '*/*'), ORIGIN] })
    emit('onHeadersReceived', { requestId: '50', url: second, statusCode: 200, responseHeaders: [] })
    emit('onErrorOccurred', { requestId: '50', url: second, error: 'net::ERR_FAILED' })
    await settle()
    expect(pushed).toHaveLength(1)
    const ex = pushed[0]?.exchange
    expect(ex?.redirects).toEqual([
      { fromUrl: first, status: 302, headers: [h('Location', second)], location: second },
    ])
    expect(ex?.request.url).toBe(second)
    expect(ex?.response?.status).toBe(200)
  })

  it('a redirect the browser refused is a redirect, not the response', async () => {
    const { emit, settle, pushed } = await setup()
    const url = `${API}/redir`
    emit('onSendHeaders', { requestId: '60', url, requestHeaders: [ORIGIN] })
    emit('onHeadersReceived', {
      requestId: '60',
      url,
      statusCode: 301,
      responseHeaders: [h('Location', 'http://user:pw@other.test/')],
    })
    emit('onErrorOccurred', { requestId: '60', url, error: 'net::ERR_FAILED' })
    await settle()
    expect(pushed[0]?.exchange.response).toBeUndefined()
    expect(pushed[0]?.exchange.redirects?.[0]?.location).toBe('http://user:pw@other.test/')
  })

  it('307 to another origin whose second preflight (Origin: null) fails: the last preflight is paired', async () => {
    // The event sequence Chromium 156 gave the worker for the lab's redir-preflight-tainted scenario.
    const { emit, settle, pushed } = await setup({ diagnose: realDiagnose })
    const first = `${API}/s/redir-preflight-tainted`
    const next = 'http://other.test:8090/s/redir-preflight-tainted/next'
    const pfHeaders = (origin: string) => [
      h('Accept', '*/*'),
      h('Access-Control-Request-Method', 'PUT'),
      h('Origin', origin),
      h('Sec-Fetch-Mode', 'cors'),
      h('Referer', `${PAGE}/`),
    ]
    const pfAllowPage = [
      h('Access-Control-Allow-Origin', PAGE),
      h('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE'),
      h('Access-Control-Allow-Headers', 'X-Custom'),
    ]
    const preflight = (id: string, url: string, origin: string) => {
      emit('onSendHeaders', { requestId: id, url, method: 'OPTIONS', requestHeaders: pfHeaders(origin) })
      emit('onHeadersReceived', {
        requestId: id,
        url,
        method: 'OPTIONS',
        statusCode: 204,
        statusLine: 'HTTP/1.1 204 No Content',
        responseHeaders: pfAllowPage,
      })
      emit('onCompleted', { requestId: id, url, method: 'OPTIONS', statusCode: 204 })
    }
    preflight('11', first, PAGE)
    emit('onSendHeaders', {
      requestId: '10',
      url: first,
      method: 'PUT',
      requestHeaders: [h('Content-Type', 'text/plain;charset=UTF-8'), ORIGIN],
    })
    emit('onHeadersReceived', {
      requestId: '10',
      url: first,
      method: 'PUT',
      statusCode: 307,
      statusLine: 'HTTP/1.1 307 Temporary Redirect',
      responseHeaders: [h('Location', next), h('Access-Control-Allow-Origin', PAGE)],
    })
    // The redirect is followed: the second hop gets its own preflight, with Origin: null, and is never sent.
    preflight('12', next, 'null')
    emit('onErrorOccurred', { requestId: '10', url: next, method: 'PUT', error: 'net::ERR_FAILED' })
    await settle()
    expect(pushed).toHaveLength(1)
    const r = pushed[0]
    const ex = r?.exchange
    expect(ex?.request).toEqual({ method: 'PUT', url: next, headers: [] })
    expect(ex?.preflight?.request).toEqual({ method: 'OPTIONS', url: next, headers: pfHeaders('null') })
    expect(ex?.preflight?.response?.status).toBe(204)
    expect(ex?.redirects).toEqual([
      {
        fromUrl: first,
        status: 307,
        headers: [h('Location', next), h('Access-Control-Allow-Origin', PAGE)],
        location: next,
      },
    ])
    expect(ex?.response).toBeUndefined()
    expect(ex?.outcome).toEqual({ kind: 'error', error: 'net::ERR_FAILED' })
    expect(r?.analysis.corsError).toBe('PreflightAllowOriginMismatch')
  })

  it('a followed redirect whose next hop was blocked before sending ends at the new URL', async () => {
    const { emit, settle, pushed } = await setup()
    const url = `${API}/redir`
    const next = `${API}/blocked`
    emit('onSendHeaders', { requestId: '65', url, requestHeaders: [ORIGIN] })
    emit('onHeadersReceived', {
      requestId: '65',
      url,
      statusCode: 302,
      responseHeaders: [h('Location', next), h('Access-Control-Allow-Origin', '*')],
    })
    emit('onErrorOccurred', { requestId: '65', url: next, error: 'net::ERR_BLOCKED_BY_CLIENT' })
    await settle()
    expect(pushed).toHaveLength(1)
    const ex = pushed[0]?.exchange
    expect(ex?.request).toEqual({ method: 'GET', url: next, headers: [] })
    expect(ex?.redirects?.map((x) => [x.fromUrl, x.location])).toEqual([[url, next]])
    expect(ex?.preflight).toBeUndefined()
    expect(pushed[0]?.notes).toEqual([NOTES.headersNotSeen])
  })

  it('drops same-origin and no-cors traffic, and same-origin redirects that stay same-origin', async () => {
    const { emit, settle, pushed } = await setup()
    emit('onSendHeaders', { requestId: '70', url: `${PAGE}/api`, requestHeaders: [] })
    emit('onCompleted', { requestId: '70', url: `${PAGE}/api` })
    emit('onSendHeaders', {
      requestId: '71',
      url: `${API}/img.png`,
      type: 'image',
      requestHeaders: [h('Accept', 'image/*')],
    })
    emit('onCompleted', { requestId: '71', url: `${API}/img.png`, type: 'image' })
    emit('onHeadersReceived', {
      requestId: '72',
      url: `${PAGE}/a`,
      statusCode: 302,
      responseHeaders: [h('Location', '/b')],
    })
    emit('onSendHeaders', { requestId: '72', url: `${PAGE}/b`, requestHeaders: [] })
    emit('onCompleted', { requestId: '72', url: `${PAGE}/b` })
    emit('onErrorOccurred', {
      requestId: '73',
      url: `${API}/x`,
      type: 'image',
      error: 'net::ERR_NAME_NOT_RESOLVED',
    })
    emit('onErrorOccurred', { requestId: '74', url: `${API}/x`, error: 'net::ERR_ABORTED' })
    // Frames are not even subscribed.
    emit('onSendHeaders', {
      requestId: '75',
      url: `${API}/frame`,
      type: 'sub_frame',
      requestHeaders: [ORIGIN],
    })
    await settle()
    expect(pushed).toHaveLength(0)
  })

  it('keeps an image seen only by its generic failure, marked outcome-only, never called blocked', async () => {
    const { emit, settle, pushed } = await setup({ diagnose: realDiagnose })
    emit('onErrorOccurred', {
      requestId: '90',
      url: `${API}/pic.png`,
      type: 'image',
      error: 'net::ERR_FAILED',
    })
    await settle()
    expect(pushed).toHaveLength(1)
    expect(pushed[0]?.exchange.observed).toBe('outcome-only')
    expect(pushed[0]?.analysis.blocked).toBe(false)
    expect(pushed[0]?.analysis.findings[0]?.code).toBe('headers-not-captured')
  })

  it('keeps a failed fetch that was never sent (ad blocker): headers not seen, with a note', async () => {
    const { emit, settle, pushed } = await setup()
    emit('onErrorOccurred', { requestId: '80', url: `${API}/ads`, error: 'net::ERR_BLOCKED_BY_CLIENT' })
    await settle()
    expect(pushed).toHaveLength(1)
    expect(pushed[0]?.notes).toEqual([NOTES.headersNotSeen])
  })

  it('decodes binaryValue headers byte for byte and truncates huge values with their length', async () => {
    const { emit, settle, pushed } = await setup()
    const url = `${API}/odd`
    emit('onSendHeaders', { requestId: '90', url, requestHeaders: [ORIGIN] })
    emit('onHeadersReceived', {
      requestId: '90',
      url,
      statusCode: 200,
      responseHeaders: [
        { name: 'X-Latin', binaryValue: [0x63, 0x61, 0x66, 0xe9] },
        h('X-Huge', 'a'.repeat(100_000)),
      ],
    })
    emit('onCompleted', { requestId: '90', url })
    await settle()
    const headers = pushed[0]?.exchange.response?.headers ?? []
    expect(headers[0]).toEqual(h('X-Latin', 'café'))
    expect(headers[1]?.value.length).toBeLessThan(9000)
    expect(headers[1]?.value).toContain('original length 100000 characters')
    expect(pushed[0]?.notes.some((n) => n.includes('not valid UTF-8'))).toBe(true)
    expect(pushed[0]?.notes.some((n) => n.includes('shortened'))).toBe(true)
  })

  it('survives malformed events without losing later ones', async () => {
    const { wr, emit, settle, pushed, errors } = await setup()
    wr.emit('onSendHeaders', {
      requestId: '1',
      url: `${API}/x`,
      type: 'xmlhttprequest',
      initiator: PAGE,
      tabId: TAB,
      requestHeaders: [null],
    } as unknown as RequestDetails)
    wr.emit('onHeadersReceived', null as unknown as RequestDetails)
    expect(errors.length).toBeGreaterThan(0)
    emit('onSendHeaders', { requestId: '2', url: `${API}/y`, requestHeaders: [ORIGIN] })
    emit('onCompleted', { requestId: '2', url: `${API}/y` })
    await settle()
    expect(pushed.map((r) => r.exchange.request.url)).toEqual([`${API}/y`])
  })

  it('clears the tab log on main-frame navigation, not with preserve log', async () => {
    const { emit, settle, pushed, store, cleared, pipeline } = await setup()
    const one = (id: string) => {
      emit('onSendHeaders', { requestId: id, url: `${API}/${id}`, requestHeaders: [ORIGIN] })
      emit('onCompleted', { requestId: id, url: `${API}/${id}` })
    }
    one('100')
    await settle()
    expect(store.records(TAB)).toHaveLength(1)
    // A redirect of the main frame does not clear; the final document does.
    emit('onHeadersReceived', {
      requestId: '101',
      url: `${PAGE}/`,
      type: 'main_frame',
      statusCode: 302,
      responseHeaders: [],
    })
    expect(cleared).toEqual([])
    one('102') // ended, not yet processed: belongs to the old page
    emit('onHeadersReceived', {
      requestId: '101',
      url: `${PAGE}/`,
      type: 'main_frame',
      statusCode: 200,
      responseHeaders: [],
    })
    expect(cleared).toEqual([{ tabId: TAB, reason: 'navigation' }])
    expect(store.records(TAB)).toHaveLength(0)
    pipeline.setPreserveLog(TAB, true)
    one('103')
    await settle()
    emit('onHeadersReceived', {
      requestId: '104',
      url: `${PAGE}/`,
      type: 'main_frame',
      statusCode: 200,
      responseHeaders: [],
    })
    expect(store.records(TAB).map((r) => r.exchange.request.url)).toEqual([`${API}/103`])
    expect(pushed).toHaveLength(3)
  })

  it('captures only the tabs it listens to: the listener sets are the one source of the scope', async () => {
    const { emit, settle, pushed, capture, wr } = await setup()
    capture.listenTo(wr, [5])
    emit('onSendHeaders', { requestId: '1', url: `${API}/a`, requestHeaders: [ORIGIN] })
    emit('onCompleted', { requestId: '1', url: `${API}/a` })
    emit('onSendHeaders', { requestId: '2', tabId: 5, url: `${API}/b`, requestHeaders: [ORIGIN] })
    emit('onCompleted', { requestId: '2', tabId: 5, url: `${API}/b` })
    await settle()
    expect(pushed.map((r) => r.tabId)).toEqual([5])
  })

  it('runs the real engine once per exchange and adds cross-request findings', async () => {
    let calls = 0
    const { emit, settle, pushed } = await setup({
      diagnose: (ex) => {
        calls++
        return realDiagnose(ex)
      },
    })
    const get = (id: string, path: string, status: number, acao: boolean, end: 'ok' | 'err') => {
      const url = `${API}${path}`
      emit('onSendHeaders', { requestId: id, url, requestHeaders: [ORIGIN] })
      emit('onHeadersReceived', {
        requestId: id,
        url,
        statusCode: status,
        responseHeaders: acao ? [h('Access-Control-Allow-Origin', PAGE)] : [h('Server', 'nginx/1.27.0')],
      })
      if (end === 'ok') emit('onCompleted', { requestId: id, url })
      else emit('onErrorOccurred', { requestId: id, url, error: 'net::ERR_FAILED' })
    }
    get('1', '/items', 200, true, 'ok')
    get('2', '/items/9', 500, false, 'err')
    await settle()
    expect(calls).toBe(2)
    const failing = pushed.find((r) => r.exchange.response?.status === 500)
    const codes = failing?.analysis.findings.map((f) => f.code)
    expect(codes).toContain('cors-headers-missing-on-errors')
    expect(
      pushed.find((r) => r.exchange.response?.status === 200)?.analysis.findings.map((f) => f.code),
    ).not.toContain('cors-headers-missing-on-errors')
  })

  it('an engine exception gives an "unknown" record instead of losing the exchange', async () => {
    const { emit, settle, pushed } = await setup({
      diagnose: () => {
        throw new Error('boom')
      },
    })
    emit('onSendHeaders', { requestId: '1', url: `${API}/a`, requestHeaders: [ORIGIN] })
    emit('onCompleted', { requestId: '1', url: `${API}/a` })
    await settle()
    expect(pushed[0]?.analysis.verdict).toBe('unknown')
    expect(pushed[0]?.analysis.summary).toContain('boom')
  })

  it('tab close removes the tab and its storage', async () => {
    const { emit, settle, store, area, pipeline } = await setup()
    emit('onSendHeaders', { requestId: '1', url: `${API}/a`, requestHeaders: [ORIGIN] })
    emit('onCompleted', { requestId: '1', url: `${API}/a` })
    await settle()
    expect([...area.data.keys()].some((k) => k.startsWith(`cl:r:${TAB}:`))).toBe(true)
    pipeline.tabClosed(TAB)
    await settle()
    expect(store.records(TAB)).toEqual([])
    expect([...area.data.keys()].filter((k) => k.includes(String(TAB)))).toEqual([])
  })
})

describe('capture: Firefox event sequences', () => {
  it('uses no extraHeaders, reads the initiator from originUrl, keeps Firefox types', async () => {
    const { wr } = await setup({ platform: firefox })
    const send = wr.listeners.get('onSendHeaders')?.[0]
    expect(send?.spec).toEqual(['requestHeaders'])
    expect(send?.filter.types).toContain('beacon')
    expect(wr.listeners.get('onErrorOccurred')?.[1]?.filter.types).toContain('imageset')
  })

  it('(d) preflight failure: request headers first, then the preflight, both end in NS_ERROR_DOM_BAD_URI', async () => {
    const { emit, settle, pushed } = await setup({ platform: firefox })
    const url = 'http://api.test:9180/preflight'
    emit('onSendHeaders', {
      requestId: '21',
      url,
      method: 'PUT',
      requestHeaders: [h('Accept', '*/*'), h('X-Custom', '1'), h('Content-Type', 'application/json'), ORIGIN],
    })
    emit('onSendHeaders', {
      requestId: '22',
      url,
      method: 'OPTIONS',
      requestHeaders: [
        h('Access-Control-Request-Method', 'PUT'),
        h('Access-Control-Request-Headers', 'content-type,x-custom'),
        ORIGIN,
      ],
    })
    emit('onHeadersReceived', {
      requestId: '22',
      url,
      method: 'OPTIONS',
      statusCode: 204,
      responseHeaders: [
        h('Access-Control-Allow-Origin', PAGE),
        h('Access-Control-Allow-Headers', 'Content-Type'),
      ],
    })
    emit('onErrorOccurred', { requestId: '22', url, method: 'OPTIONS', error: 'NS_ERROR_DOM_BAD_URI' })
    emit('onErrorOccurred', { requestId: '21', url, method: 'PUT', error: 'NS_ERROR_DOM_BAD_URI' })
    await settle()
    expect(pushed).toHaveLength(1)
    const ex = pushed[0]?.exchange
    expect(ex?.initiator).toBe(PAGE)
    expect(ex?.browser).toBe('firefox')
    expect(ex?.request.headers).toContainEqual(h('X-Custom', '1'))
    expect(ex?.preflight?.error).toBe('NS_ERROR_DOM_BAD_URI')
    expect(ex?.preflight?.response?.status).toBe(204)
    expect(pushed[0]?.notes).toEqual([])
  })

  it('(a) a simple CORS failure ends in onCompleted: outcome ok, merged ACAO as Firefox sends it', async () => {
    const { emit, settle, pushed } = await setup({ platform: firefox })
    const url = 'http://api.test:9180/dup'
    emit('onSendHeaders', { requestId: '17', url, requestHeaders: [ORIGIN] })
    emit('onHeadersReceived', {
      requestId: '17',
      url,
      statusCode: 200,
      responseHeaders: [h('Access-Control-Allow-Origin', `${PAGE}, *`)],
    })
    emit('onCompleted', { requestId: '17', url })
    await settle()
    expect(pushed[0]?.exchange.outcome).toEqual({ kind: 'ok' })
    expect(pushed[0]?.exchange.response?.headers).toEqual([h('Access-Control-Allow-Origin', `${PAGE}, *`)])
  })
})

describe('sameOrigin (hot path)', () => {
  it('compares the initiator with the URL prefix', () => {
    expect(sameOrigin('http://a.test', 'http://a.test/x')).toBe(true)
    expect(sameOrigin('http://a.test', 'http://a.test:81/x')).toBe(false)
    expect(sameOrigin('http://a.test', 'http://a.test.evil/x')).toBe(false)
    expect(sameOrigin('http://a.test', 'https://a.test/x')).toBe(false)
    expect(sameOrigin('null', 'null/x')).toBe(false)
  })
})

describe('pipeline before the store is restored', () => {
  it('holds ended requests and navigations until restore, then applies them in order', async () => {
    const timers = new ManualTimers()
    const area = new FakeArea()
    // An earlier worker left one record for the tab.
    const earlier = new RecordStore({ area, setTimer: () => 0 })
    earlier.add(TAB, {
      startedAt: 1,
      exchange: {
        initiator: PAGE,
        request: { method: 'GET', url: `${API}/old`, headers: [] },
        outcome: { kind: 'ok' },
      },
      analysis: stubDiagnose({
        initiator: PAGE,
        request: { method: 'GET', url: '', headers: [] },
        outcome: { kind: 'ok' },
      }),
      notes: [],
    })
    await earlier.flush()
    const store = new RecordStore({ area, setTimer: timers.setTimer })
    const pushed: ExchangeRecord[] = []
    const pipeline = new Pipeline({
      platform: chromium,
      store,
      diagnose: stubDiagnose,
      notifier: {
        records: (_t, r) => pushed.push(...r),
        tabState: () => {},
        cleared: () => {},
      },
      now: timers.clock,
      setTimer: timers.setTimer,
    })
    const capture = new Capture(chromium, pipeline)
    const wr = new FakeWebRequest()
    capture.register(wr)
    const base = { tabId: TAB, type: 'xmlhttprequest', initiator: PAGE, method: 'GET', timeStamp: 5 }
    wr.emit('onSendHeaders', { ...base, requestId: '1', url: `${API}/new`, requestHeaders: [ORIGIN] })
    wr.emit('onCompleted', { ...base, requestId: '1', url: `${API}/new` })
    timers.advance(500)
    expect(pushed).toEqual([])
    const started = pipeline.start()
    await started
    timers.advance(500)
    await store.flush()
    expect(store.records(TAB).map((r) => r.exchange.request.url)).toEqual([`${API}/old`, `${API}/new`])
    expect(store.records(TAB).map((r) => r.seq)).toEqual([1, 2])
  })
})

describe('capture: a WebSocket Local Network Access refused (Chrome 147+)', () => {
  // Chromium 156, measured (test/lab/local-network.ts): onBeforeRequest, onSendHeaders, then onErrorOccurred
  // with type websocket and net::ERR_FAILED, no ip. Only the failures-only listener hears it.
  const ws = (requestId: string, url: string) => ({
    requestId,
    url,
    type: 'websocket',
    error: 'net::ERR_FAILED',
  })

  it("a public page's WebSocket to 127.0.0.1 is one row, named as the LNA block", async () => {
    const { emit, settle, pushed } = await setup({ diagnose: realDiagnose })
    emit('onErrorOccurred', ws('1', 'ws://127.0.0.1:9000/live'))
    await settle()
    expect(pushed).toHaveLength(1)
    const r = pushed[0]
    expect(r?.exchange.api).toBe('websocket')
    expect(r?.analysis.corsError).toBe('InsecureLocalNetwork')
    expect(r?.analysis.findings[0]?.explanation).toContain('WebSocket')
    expect(r?.analysis.consoleMessage).toBe("WebSocket connection to 'ws://127.0.0.1:9000/live' failed: ")
  })

  it('any other failed WebSocket is no row (a name that says nothing, the same space)', async () => {
    const { emit, settle, pushed } = await setup({ diagnose: realDiagnose })
    emit('onErrorOccurred', ws('2', 'ws://api.test:8080/live'))
    emit('onErrorOccurred', { ...ws('3', 'ws://127.0.0.1:9000/live'), initiator: 'http://127.0.0.1:8001' })
    await settle()
    expect(pushed).toHaveLength(0)
  })
})
