/**
 * Adversarial suite, worker side (issue 8): a flooding tab cannot push another tab's requests out of the
 * capture's in-flight maps, and preflights that never end cannot grow the worker without bound. Bounds are
 * entry counts, never times. Events have Chromium's shapes (the fakes are as strict as the browser).
 */
import { describe, expect, it } from 'vitest'
import {
  Capture,
  type CaptureSink,
  MAX_IN_FLIGHT,
  MAX_IN_FLIGHT_PER_TAB,
  MAX_PREFLIGHTS,
  type RequestDetails,
} from '../../src/background/capture.ts'
import { PerTabMap } from '../../src/background/per-tab.ts'
import type { TrackedRequest } from '../../src/background/tracked.ts'
import { chromium, type EventName, FakeWebRequest } from './fakes.ts'

const PAGE = 'http://app.test:8001'
const API = 'http://api.test:8080'

function setup() {
  const ended: TrackedRequest[] = []
  const sink: CaptureSink = {
    ended: (r) => ended.push(r),
    preflightStarted: () => {},
    preflightEnded: () => {},
    navigated: () => false,
  }
  const capture = new Capture(chromium, sink)
  const wr = new FakeWebRequest()
  capture.register(wr)
  let t = 0
  const emit = (name: EventName, d: Partial<RequestDetails> & { requestId: string; tabId: number }): void => {
    t += 1
    wr.emit(name, {
      method: 'GET',
      url: `${API}/x`,
      type: 'xmlhttprequest',
      timeStamp: t,
      frameId: 0,
      initiator: PAGE,
      requestHeaders: [{ name: 'Origin', value: PAGE }],
      ...d,
    })
  }
  return { capture, emit, ended }
}

describe('size: the capture maps are bounded per tab and in total', () => {
  it('a tab flooding 20,000 unfinished requests does not evict another tab’s request', () => {
    const { capture, emit, ended } = setup()
    emit('onSendHeaders', { requestId: 'quiet-1', tabId: 1 })
    for (let i = 0; i < 20_000; i++) emit('onSendHeaders', { requestId: `flood-${i}`, tabId: 2 })
    expect(capture.inFlightCount).toBeLessThanOrEqual(MAX_IN_FLIGHT_PER_TAB + 1)
    emit('onCompleted', { requestId: 'quiet-1', tabId: 1, statusCode: 200 })
    expect(ended.map((r) => r.id)).toEqual(['quiet-1'])
  })

  it('20,000 preflights that never end stay within the preflight cap', () => {
    const { capture, emit } = setup()
    for (let i = 0; i < 20_000; i++)
      emit('onSendHeaders', {
        requestId: `p-${i}`,
        tabId: 1 + (i % 7),
        method: 'OPTIONS',
        requestHeaders: [
          { name: 'Origin', value: PAGE },
          { name: 'Access-Control-Request-Method', value: 'PUT' },
        ],
      })
    expect(capture.inFlightCount).toBeLessThanOrEqual(MAX_PREFLIGHTS)
  })

  it('over the total, the biggest tab gives up its oldest entry; a small tab keeps all of its own', () => {
    const map = new PerTabMap<{ tabId: number }>(3, 5)
    for (const id of ['a1', 'a2', 'a3']) map.set(id, { tabId: 1 })
    map.set('b1', { tabId: 2 })
    map.set('b2', { tabId: 2 })
    map.set('a4', { tabId: 1 }) // tab 1 over its cap: its own oldest goes
    expect(map.has('a1')).toBe(false)
    map.set('c1', { tabId: 3 }) // the total is full: the biggest tab (1) pays
    expect([...map].map(([id]) => id).sort()).toEqual(['a3', 'a4', 'b1', 'b2', 'c1'])
    expect(map.countOf(2)).toBe(2)
    expect(MAX_IN_FLIGHT).toBeGreaterThan(MAX_IN_FLIGHT_PER_TAB)
  })
})
