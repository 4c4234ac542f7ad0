import { describe, expect, it } from 'vitest'
import { type ActualKey, type PreflightKey, PreflightPairer } from '../../src/background/pairing.ts'

const URL_A = 'http://api.test:8080/preflight'
const HIDDEN = new Set(['authorization', 'cache-control'])

function pairer(
  order: 'preflight-first' | 'actual-first' = 'preflight-first',
  inFlight: Set<string> = new Set(),
) {
  return new PreflightPairer<PreflightKey>({
    order,
    hiddenRequestHeaders: HIDDEN,
    maxAgeMs: 60_000,
    isReserved: (pid, claimer) => {
      const owner = String(Number(pid) - 1)
      return owner !== claimer && inFlight.has(owner)
    },
  })
}

function preflight(id: string, at: number, over: Partial<PreflightKey> = {}): PreflightKey {
  return {
    id,
    tabId: 1,
    url: URL_A,
    startedAt: at,
    requestMethod: 'PUT',
    requestHeaderNames: ['x-custom'],
    ...over,
  }
}

function actual(id: string, over: Partial<ActualKey> = {}): ActualKey {
  return {
    id,
    tabId: 1,
    url: URL_A,
    method: 'PUT',
    sentHeaderNames: null,
    sentAt: null,
    endedAt: 1000,
    ...over,
  }
}

describe('PreflightPairer', () => {
  it('pairs a preflight-blocked request (never sent) with its preflight', () => {
    const p = pairer()
    p.add(preflight('11', 100))
    expect(p.claim(actual('10'))?.id).toBe('11')
    expect(p.size).toBe(0)
  })

  it('pairs two identical requests in flight one to one, whichever ends first', () => {
    const p = pairer()
    p.add(preflight('11', 100))
    p.add(preflight('13', 110))
    // The second request ends first: it must take its own preflight, not the first one's.
    expect(p.claim(actual('12'))?.id).toBe('13')
    expect(p.claim(actual('10'))?.id).toBe('11')
  })

  it('pairs two identical requests when ids are not consecutive (other requests interleaved)', () => {
    const p = pairer()
    p.add(preflight('15', 100))
    p.add(preflight('22', 110))
    expect(p.claim(actual('10'))?.id).toBe('15')
    expect(p.claim(actual('20'))?.id).toBe('22')
  })

  it('does not steal a preflight that belongs to another request still in flight', () => {
    const inFlight = new Set(['12'])
    const p = pairer('actual-first', inFlight)
    p.add(preflight('13', 200))
    // Request 10 had a cached preflight; 13 is 12's (12 is still in flight).
    expect(
      p.claim(actual('10', { sentHeaderNames: new Set(['x-custom', 'origin']), sentAt: 150 })),
    ).toBeUndefined()
    inFlight.delete('12')
    expect(p.claim(actual('12', { sentHeaderNames: new Set(['x-custom']), sentAt: 190 }))?.id).toBe('13')
  })

  it('never pairs a preflight created before the request (smaller id)', () => {
    const p = pairer()
    p.add(preflight('9', 100))
    expect(p.claim(actual('10'))).toBeUndefined()
  })

  it('matches the method and the header names', () => {
    const p = pairer()
    p.add(preflight('11', 100, { requestMethod: 'DELETE' }))
    expect(p.claim(actual('10', { method: 'PUT' }))).toBeUndefined()
    p.add(preflight('21', 100, { requestHeaderNames: ['x-other'] }))
    expect(
      p.claim(actual('20', { sentHeaderNames: new Set(['x-custom', 'origin']), sentAt: 150, endedAt: 200 })),
    ).toBeUndefined()
    expect(
      p.claim(actual('20', { sentHeaderNames: new Set(['x-other', 'origin']), sentAt: 150, endedAt: 200 }))
        ?.id,
    ).toBe('21')
  })

  it('ignores header names the browser hides from onSendHeaders (Authorization)', () => {
    const p = pairer()
    p.add(preflight('11', 100, { requestHeaderNames: ['authorization', 'x-custom'] }))
    const sent = new Set(['x-custom', 'origin', 'accept'])
    expect(p.claim(actual('10', { sentHeaderNames: sent, sentAt: 150 }))?.id).toBe('11')
  })

  it('respects the browser order: Chromium sends the preflight first, Firefox after the request headers', () => {
    const chrome = pairer('preflight-first')
    chrome.add(preflight('11', 300))
    // Sent at 200, before this preflight started: it cannot be this request's preflight (cached one used).
    expect(
      chrome.claim(actual('10', { sentHeaderNames: new Set(['x-custom']), sentAt: 200 })),
    ).toBeUndefined()
    const ff = pairer('actual-first')
    ff.add(preflight('11', 300))
    expect(ff.claim(actual('10', { sentHeaderNames: new Set(['x-custom']), sentAt: 200 }))?.id).toBe('11')
  })

  it('keeps tabs and URLs apart', () => {
    const p = pairer()
    p.add(preflight('11', 100, { tabId: 2 }))
    p.add(preflight('13', 100, { url: `${URL_A}?other` }))
    expect(p.claim(actual('10'))).toBeUndefined()
    expect(p.claim(actual('10', { tabId: 2 }))?.id).toBe('11')
  })

  it('a preflight seen only by its error (method unknown) matches any method', () => {
    const p = pairer()
    p.add(preflight('11', 100, { requestMethod: null, requestHeaderNames: [] }))
    expect(p.claim(actual('10', { method: 'PATCH' }))?.id).toBe('11')
  })

  it('falls back to the oldest candidate for non-numeric ids', () => {
    const p = pairer()
    p.add(preflight('b', 120))
    p.add(preflight('a', 100))
    expect(p.claim(actual('x'))?.id).toBe('a')
  })

  it('expires old preflights and drops a tab', () => {
    const p = pairer()
    p.add(preflight('11', 0))
    p.add(preflight('13', 50_000, { tabId: 2 }))
    expect(p.expire(61_000).map((x) => x.id)).toEqual(['11'])
    p.dropTab(2)
    expect(p.size).toBe(0)
  })

  it('rejects preflights outside the time window', () => {
    const p = pairer()
    p.add(preflight('11', 2000))
    expect(p.claim(actual('10', { endedAt: 1000 }))).toBeUndefined()
  })
})
