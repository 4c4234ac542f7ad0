import { describe, expect, it } from 'vitest'
import { detectPlatform, extraInfoSpec, initiatorOf, supportsExtraHeaders } from '../../src/platform/index.ts'
import { CHROMIUM_ENUMS, chromium, FIREFOX_ENUMS, firefox } from './fakes.ts'

describe('platform', () => {
  it('detects extraHeaders from the schema enum (Firefox throws if it is passed)', () => {
    expect(supportsExtraHeaders(CHROMIUM_ENUMS)).toBe(true)
    expect(supportsExtraHeaders(FIREFOX_ENUMS)).toBe(false)
    expect(supportsExtraHeaders({})).toBe(false)
    expect(extraInfoSpec(chromium, 'requestHeaders')).toEqual(['requestHeaders', 'extraHeaders'])
    expect(extraInfoSpec(firefox, 'requestHeaders')).toEqual(['requestHeaders'])
  })

  it('knows each browser: order of preflight vs request headers, hidden headers, types it accepts', () => {
    expect(chromium).toMatchObject({
      browser: 'chromium',
      originVisible: true,
      preflightOrder: 'preflight-first',
    })
    expect(chromium.hiddenRequestHeaders.has('authorization')).toBe(true)
    expect(firefox).toMatchObject({ browser: 'firefox', originVisible: true, preflightOrder: 'actual-first' })
    expect(firefox.hiddenRequestHeaders.size).toBe(0)
    expect(chromium.corsTypes).not.toContain('beacon')
    expect(firefox.corsTypes).toEqual(expect.arrayContaining(['beacon', 'xmlhttprequest', 'font']))
    expect(firefox.outcomeOnlyTypes).toEqual(['image', 'media', 'imageset'])
    expect(chromium.outcomeOnlyTypes).toEqual(['image', 'media'])
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
