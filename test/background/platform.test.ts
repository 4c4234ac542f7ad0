import { describe, expect, it } from 'vitest'
import { Capture } from '../../src/background/capture.ts'
import { detectPlatform, extraInfoSpec, initiatorOf, supportsExtraHeaders } from '../../src/platform/index.ts'
import { CHROMIUM_ENUMS, chromium, FakeWebRequest, FIREFOX_ENUMS, firefox, NOOP_SINK } from './fakes.ts'
import { schemaError } from './webrequest-schemas.ts'

describe('platform', () => {
  it('detects extraHeaders from the schema enum (Firefox throws if it is passed)', () => {
    expect(supportsExtraHeaders(CHROMIUM_ENUMS)).toBe(true)
    expect(supportsExtraHeaders(FIREFOX_ENUMS)).toBe(false)
    expect(supportsExtraHeaders({})).toBe(false)
    expect(extraInfoSpec(chromium, 'onSendHeaders', 'requestHeaders')).toEqual([
      'requestHeaders',
      'extraHeaders',
    ])
    expect(extraInfoSpec(firefox, 'onSendHeaders', 'requestHeaders')).toEqual(['requestHeaders'])
    // Firefox's onErrorOccurred has no extraInfoSpec parameter; Chromium's takes ['extraHeaders'].
    expect(extraInfoSpec(firefox, 'onErrorOccurred')).toBeUndefined()
    expect(extraInfoSpec(chromium, 'onErrorOccurred')).toEqual(['extraHeaders'])
    expect(extraInfoSpec(firefox, 'onCompleted')).toBeUndefined()
    expect(() => extraInfoSpec(firefox, 'onErrorOccurred', 'responseHeaders')).toThrow(/no extraInfoSpec/)
  })

  it('knows each browser: order of preflight vs request headers, hidden headers, types it accepts', () => {
    expect(chromium).toMatchObject({
      browser: 'chromium',
      originVisible: true,
      preflightOrder: 'preflight-first',
      captureStart: 'panel-shown',
    })
    expect(firefox.captureStart).toBe('devtools-open')
    expect(chromium.hiddenRequestHeaders.has('authorization')).toBe(true)
    expect(firefox).toMatchObject({ browser: 'firefox', originVisible: true, preflightOrder: 'actual-first' })
    expect(firefox.hiddenRequestHeaders.size).toBe(0)
    expect(chromium.corsTypes).not.toContain('beacon')
    expect(firefox.corsTypes).toEqual(expect.arrayContaining(['beacon', 'xmlhttprequest', 'font']))
    expect(firefox.outcomeOnlyTypes).toEqual(['image', 'media', 'imageset'])
    // Chromium: WebSockets too, failures only (Local Network Access refuses them since Chrome 147).
    expect(chromium.outcomeOnlyTypes).toEqual(['image', 'media', 'websocket'])
    for (const p of [chromium, firefox])
      for (const t of ['main_frame', 'sub_frame', 'websocket']) expect(p.corsTypes).not.toContain(t)
    // Chromium without extraHeaders (very old): Origin is hidden, so "no Origin" proves nothing.
    expect(detectPlatform({ ResourceType: CHROMIUM_ENUMS.ResourceType }, {}).originVisible).toBe(false)
  })

  it('reads the initiator from Chromium initiator or Firefox originUrl', () => {
    expect(initiatorOf({ initiator: 'http://app.test:1' })).toBe('http://app.test:1')
    expect(initiatorOf({ originUrl: 'http://app.test:9101/page?x' })).toBe('http://app.test:9101')
    expect(initiatorOf({ originUrl: 'http://app.test:9101/other' })).toBe('http://app.test:9101')
    expect(initiatorOf({ documentUrl: 'not a url' })).toBeNull()
    expect(initiatorOf({})).toBeNull()
  })
})

describe('webRequest fakes are as strict as the browser schemas', () => {
  const filter = { urls: ['<all_urls>'], types: ['xmlhttprequest'] }
  it('reject what Firefox 153 rejects: a third argument to onErrorOccurred (even undefined), extraHeaders', () => {
    expect(schemaError('firefox', 'onErrorOccurred', [filter])).toBeNull()
    expect(schemaError('firefox', 'onErrorOccurred', [filter, undefined])).toMatch(/Incorrect argument types/)
    expect(schemaError('firefox', 'onErrorOccurred', [filter, []])).toMatch(/Incorrect argument types/)
    expect(schemaError('firefox', 'onSendHeaders', [filter, ['requestHeaders', 'extraHeaders']])).toMatch(
      /Invalid enumeration value "extraHeaders"/,
    )
    expect(schemaError('firefox', 'onCompleted', [filter, undefined])).toBeNull()
    expect(schemaError('firefox', 'onCompleted', [{ urls: ['<all_urls>'], types: ['webbundle'] }])).toMatch(
      /Invalid enumeration value "webbundle"/,
    )
  })

  it('reject what Chromium rejects: Firefox-only types and filter keys, unknown options', () => {
    expect(schemaError('chromium', 'onErrorOccurred', [filter, ['extraHeaders']])).toBeNull()
    expect(schemaError('chromium', 'onErrorOccurred', [{ urls: ['<all_urls>'], types: ['beacon'] }])).toMatch(
      /Invalid enumeration value "beacon"/,
    )
    expect(schemaError('chromium', 'onSendHeaders', [{ ...filter, incognito: false }])).toMatch(
      /Unexpected property "incognito"/,
    )
    expect(schemaError('chromium', 'onCompleted', [filter, ['requestHeaders']])).toMatch(
      /Invalid enumeration/,
    )
    expect(schemaError('chromium', 'onSendHeaders', [{ types: [] }])).toMatch(/"urls" is required/)
  })

  it('the issue-9 call (onErrorOccurred with a third argument) throws on the Firefox fake', () => {
    const wr = new FakeWebRequest('firefox')
    expect(() => wr.onErrorOccurred.addListener(() => undefined, filter, undefined)).toThrow(
      'Incorrect argument types for webRequest.onErrorOccurred.',
    )
  })

  it.each([
    ['chromium', chromium],
    ['firefox', firefox],
  ] as const)('Capture.register passes exactly the arguments the %s schema takes', (browser, platform) => {
    const wr = new FakeWebRequest(browser)
    const errors: unknown[] = []
    new Capture(platform, NOOP_SINK, (e) => errors.push(e)).register(wr)
    expect(errors).toEqual([])
    expect(wr.listeners.get('onErrorOccurred')?.length).toBe(2)
    expect(wr.listeners.get('onHeadersReceived')?.length).toBe(2)
  })
})
