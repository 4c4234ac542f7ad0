import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { runInNewContext } from 'node:vm'
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

/**
 * extensionApi() is webextension-polyfill over these fakes. The polyfill reads globalThis.chrome and
 * globalThis.browser once, when its module runs, and the module loader runs it once per test file: the
 * Chromium case loads src/platform/api.ts as the worker does; the other two run the polyfill's own file
 * (the one the bundler takes) in a fresh context with their globals.
 */
describe('extensionApi (webextension-polyfill)', () => {
  /** chrome as Chromium has it: callback APIs (lastError set during the callback), webRequest enums. */
  const fakeChrome = () => {
    const runtime: { id: string; lastError?: { message: string }; getPlatformInfo?: unknown } = {
      id: 'ext-id',
    }
    /** A Chromium callback API: the callback comes last, runtime.lastError is set only while it runs. */
    const callbackApi =
      (answer: (...args: unknown[]) => { error?: string; value?: unknown }) =>
      (...args: unknown[]) => {
        const cb = args.pop()
        if (typeof cb !== 'function') throw new Error('this fake wants the callback the polyfill passes')
        const { error, value } = answer(...args)
        queueMicrotask(() => {
          runtime.lastError = error === undefined ? undefined : { message: error }
          cb(value)
          runtime.lastError = undefined
        })
      }
    runtime.getPlatformInfo = callbackApi(() => ({ value: { os: 'linux' } }))
    const tabs = {
      reload: callbackApi((tabId) => (tabId === 404 ? { error: 'No tab with id: 404.' } : {})),
    }
    const webRequest = Object.assign(new FakeWebRequest('chromium'), CHROMIUM_ENUMS)
    return { runtime, tabs, webRequest }
  }

  const polyfillIn = (globals: Record<string, unknown>): unknown => {
    const module = { exports: {} as unknown }
    const file = createRequire(import.meta.url).resolve('webextension-polyfill')
    runInNewContext(readFileSync(file, 'utf8'), { ...globals, module, exports: module.exports })
    return module.exports
  }

  it('Chromium: wraps chrome, whose webRequest events reach the strict fake unchanged (extraHeaders, filters)', async () => {
    const chrome = fakeChrome()
    const g = globalThis as { chrome?: unknown }
    g.chrome = chrome
    const { extensionApi } = await import('../../src/platform/api.ts')
    delete g.chrome
    const api = extensionApi()
    expect(api).not.toBe(chrome)
    // The events are chrome's own objects: the polyfill wraps no webRequest listener.
    expect(api.webRequest.onSendHeaders).toBe(chrome.webRequest.onSendHeaders)
    const platform = detectPlatform(api.webRequest, api.runtime)
    expect(platform).toMatchObject({ browser: 'chromium', extraHeaders: true })
    const errors: unknown[] = []
    new Capture(platform, NOOP_SINK, (e) => errors.push(e)).register(api.webRequest, 7)
    expect(errors).toEqual([])
    const send = chrome.webRequest.listeners.get('onSendHeaders')?.[0]
    expect(send?.spec).toEqual(['requestHeaders', 'extraHeaders'])
    expect(send?.filter).toEqual({ urls: ['<all_urls>'], types: platform.corsTypes, tabId: 7 })
    expect(chrome.webRequest.listeners.get('onErrorOccurred')?.map((l) => l.spec)).toEqual([
      ['extraHeaders'],
      undefined,
    ])
    // Callback methods become promises, and runtime.lastError a rejection.
    await expect(api.runtime.getPlatformInfo()).resolves.toEqual({ os: 'linux' })
    await expect(api.tabs.reload(1)).resolves.toBeUndefined()
    await expect(api.tabs.reload(404)).rejects.toThrow('No tab with id: 404.')
  })

  it('Firefox: the native browser object itself, untouched', () => {
    const webRequest = Object.assign(new FakeWebRequest('firefox'), FIREFOX_ENUMS)
    const browser = { runtime: { id: 'ext-id', getBrowserInfo: async () => ({}) }, webRequest }
    expect(polyfillIn({ chrome: browser, browser })).toBe(browser)
  })

  it('outside an extension the polyfill refuses to load (so src/platform/index.ts does not import it)', () => {
    expect(() => polyfillIn({})).toThrow('This script should only be loaded in a browser extension.')
  })
})
