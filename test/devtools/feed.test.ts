/**
 * The DevTools page as an event source: what it forwards of DevTools' log, when, and in which messages.
 * devtools.network is a fake here; the real one is exercised in test/e2e/capture-equivalence.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DevtoolsFeed, type DevtoolsNetworkLike, FEED_FLUSH_MS, POLL_MS } from '../../src/devtools/feed.ts'
import type { PanelMessage } from '../../src/protocol.ts'

const entry = (url: string, over: Record<string, unknown> = {}) => ({
  startedDateTime: '2026-12-08T02:00:00.000Z',
  time: 5,
  request: { method: 'GET', url, headers: [{ name: 'Origin', value: 'http://app.test' }] },
  response: { status: 200, headers: [] },
  getContent: () => {},
  ...over,
})
/** A same-origin image: nothing CORS can say about it, so it stays in DevTools. */
const image = entry('http://app.test/a.png', {
  request: { method: 'GET', url: 'http://app.test/a.png', headers: [] },
})

function fakeNetwork(log: unknown[] = []) {
  const finished = new Set<(r: unknown) => void>()
  const navigated: ((url: string) => void)[] = []
  const network: DevtoolsNetworkLike = {
    getHAR: (cb) => cb({ entries: log }),
    onRequestFinished: {
      addListener: (cb) => finished.add(cb),
      removeListener: (cb) => finished.delete(cb),
    },
    onNavigated: { addListener: (cb) => navigated.push(cb) },
  }
  return {
    network,
    finished,
    finish: (e: unknown) => {
      for (const cb of finished) cb(e)
    },
    navigate: () => {
      for (const cb of navigated) cb('http://app.test/')
    },
  }
}

describe('DevtoolsFeed', () => {
  const sent: PanelMessage[] = []
  beforeEach(() => {
    vi.useFakeTimers()
    sent.length = 0
  })
  afterEach(() => vi.useRealTimers())
  const entriesSent = () =>
    sent.flatMap((m) => (m.type === 'devtools-entries' ? m.entries : [])) as { request: { url: string } }[]

  it('listens to onRequestFinished only once the panel shows with a DevTools source, and sends what may matter', () => {
    const n = fakeNetwork()
    const feed = new DevtoolsFeed(
      n.network,
      3,
      (m) => sent.push(m),
      () => 1000,
    )
    feed.setShown(true)
    expect(n.finished.size).toBe(0) // webRequest until the worker says otherwise
    feed.setSource('devtools-combined')
    expect(n.finished.size).toBe(1)
    expect(sent[0]).toEqual({ type: 'devtools-entries', tabId: 3, since: 1000, entries: [] })
    n.finish(entry('http://api.test/x'))
    n.finish(image)
    vi.advanceTimersByTime(FEED_FLUSH_MS)
    expect(entriesSent().map((e) => e.request.url)).toEqual(['http://api.test/x'])
    expect(entriesSent()[0]).not.toHaveProperty('getContent')
    // Hidden, it keeps listening (a hidden panel's rows stay live); a scope change to webRequest stops it.
    feed.setShown(false)
    expect(n.finished.size).toBe(1)
    feed.setSource('webrequest')
    expect(n.finished.size).toBe(0)
  })

  it('flushes what it holds before telling the worker the page navigated', () => {
    const n = fakeNetwork()
    const feed = new DevtoolsFeed(n.network, 3, (m) => sent.push(m))
    feed.setSource('devtools-finished')
    feed.setShown(true)
    n.finish(entry('http://api.test/old'))
    n.navigate()
    expect(sent.map((m) => m.type)).toEqual(['devtools-entries', 'devtools-entries', 'devtools-navigated'])
  })

  it('getHAR on a cadence while visible: what was logged before is the backfill’s, only new finished entries are sent', async () => {
    const log: unknown[] = [entry('http://api.test/before')]
    const n = fakeNetwork(log)
    const feed = new DevtoolsFeed(n.network, 3, (m) => sent.push(m))
    feed.setSource('devtools-poll')
    feed.setShown(true)
    await vi.advanceTimersByTimeAsync(0)
    log.push(entry('http://api.test/after', { startedDateTime: '2026-12-08T02:00:01.000Z' }))
    log.push(entry('http://api.test/in-flight', { response: { status: 0, headers: [] } }))
    await vi.advanceTimersByTimeAsync(POLL_MS + FEED_FLUSH_MS)
    expect(entriesSent().map((e) => e.request.url)).toEqual(['http://api.test/after'])
    feed.setShown(false)
    log.push(entry('http://api.test/while-hidden', { startedDateTime: '2026-12-08T02:00:02.000Z' }))
    await vi.advanceTimersByTimeAsync(3 * POLL_MS)
    expect(entriesSent()).toHaveLength(1) // no getHAR while hidden
    feed.setShown(true) // shown again: it catches up
    await vi.advanceTimersByTimeAsync(FEED_FLUSH_MS)
    expect(entriesSent().map((e) => e.request.url)).toEqual([
      'http://api.test/after',
      'http://api.test/while-hidden',
    ])
  })
})
