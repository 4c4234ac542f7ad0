/**
 * The addListener signatures of the webRequest events, per browser, derived from each browser's own schema
 * (not restated from our code), so the fakes reject exactly the calls the browser rejects.
 *
 * Firefox: chrome/toolkit/content/extensions/schemas/web_request.json inside /usr/lib/firefox-esr/omni.ja
 *   (Firefox ESR 153.8.0, BuildID 20261117185949), read with
 *   `unzip -p /usr/lib/firefox-esr/omni.ja chrome/toolkit/content/extensions/schemas/web_request.json`:
 *   each event's `extraParameters` and the `*Options`, `ResourceType` and `RequestFilter` types.
 * Chromium: extensions/common/api/web_request.json (chromium/chromium, commit 2d6ca3ea0d9b); the resource
 *   types are those Debian's Chromium 156 exposes as `webRequest.ResourceType` (it adds 'webbundle').
 *
 * Schema semantics both browsers apply: arguments beyond `extraParameters` are an error (Firefox:
 * "Incorrect argument types for webRequest.onErrorOccurred", even for an explicit `undefined`); an optional
 * parameter may be omitted or undefined; enum arrays reject unknown values ("Invalid enumeration value").
 */

export type SchemaBrowser = 'chromium' | 'firefox'

export interface EventSignature {
  /** Allowed extraInfoSpec values; null when the event has no extraInfoSpec parameter at all. */
  readonly extraInfoSpec: readonly string[] | null
}

export interface WebRequestSchema {
  readonly resourceTypes: readonly string[]
  /** RequestFilter's properties. */
  readonly filterProperties: readonly string[]
  readonly events: Readonly<Record<string, EventSignature>>
}

export const WEBREQUEST_SCHEMAS: Readonly<Record<SchemaBrowser, WebRequestSchema>> = {
  firefox: {
    resourceTypes: [
      'main_frame',
      'sub_frame',
      'stylesheet',
      'script',
      'image',
      'object',
      'xmlhttprequest',
      'xslt',
      'ping',
      'beacon',
      'xml_dtd',
      'font',
      'media',
      'websocket',
      'csp_report',
      'imageset',
      'web_manifest',
      'speculative',
      'json',
      'other',
    ],
    filterProperties: ['urls', 'types', 'tabId', 'windowId', 'incognito'],
    events: {
      onBeforeRequest: { extraInfoSpec: ['blocking', 'requestBody'] },
      onBeforeSendHeaders: { extraInfoSpec: ['requestHeaders', 'blocking'] },
      onSendHeaders: { extraInfoSpec: ['requestHeaders'] },
      onHeadersReceived: { extraInfoSpec: ['blocking', 'responseHeaders'] },
      onAuthRequired: { extraInfoSpec: ['responseHeaders', 'blocking', 'asyncBlocking'] },
      onResponseStarted: { extraInfoSpec: ['responseHeaders'] },
      onBeforeRedirect: { extraInfoSpec: ['responseHeaders'] },
      onCompleted: { extraInfoSpec: ['responseHeaders'] },
      onErrorOccurred: { extraInfoSpec: null },
    },
  },
  chromium: {
    resourceTypes: [
      'main_frame',
      'sub_frame',
      'stylesheet',
      'script',
      'image',
      'font',
      'object',
      'xmlhttprequest',
      'ping',
      'csp_report',
      'media',
      'websocket',
      'webbundle',
      'other',
    ],
    filterProperties: ['urls', 'types', 'tabId', 'windowId'],
    events: {
      onBeforeRequest: { extraInfoSpec: ['blocking', 'requestBody', 'extraHeaders'] },
      onBeforeSendHeaders: { extraInfoSpec: ['requestHeaders', 'blocking', 'extraHeaders'] },
      onSendHeaders: { extraInfoSpec: ['requestHeaders', 'extraHeaders'] },
      onHeadersReceived: { extraInfoSpec: ['blocking', 'responseHeaders', 'extraHeaders'] },
      onAuthRequired: { extraInfoSpec: ['responseHeaders', 'blocking', 'asyncBlocking', 'extraHeaders'] },
      onResponseStarted: { extraInfoSpec: ['responseHeaders', 'extraHeaders'] },
      onBeforeRedirect: { extraInfoSpec: ['responseHeaders', 'extraHeaders'] },
      onCompleted: { extraInfoSpec: ['responseHeaders', 'extraHeaders'] },
      onErrorOccurred: { extraInfoSpec: ['extraHeaders'] },
    },
  },
}

/**
 * Validates one addListener call the way the browser's schema does; returns the browser's complaint, or null.
 * `args` are the arguments after the callback.
 */
export function schemaError(browser: SchemaBrowser, event: string, args: readonly unknown[]): string | null {
  const schema = WEBREQUEST_SCHEMAS[browser]
  const signature = schema.events[event]
  const where = `webRequest.${event}`
  if (!signature) return `${where} does not exist`
  const maxArgs = signature.extraInfoSpec === null ? 1 : 2
  if (args.length > maxArgs || args.length < 1) return `Incorrect argument types for ${where}.`
  const filter = args[0]
  if (typeof filter !== 'object' || filter === null) return `Incorrect argument types for ${where}.`
  for (const key of Object.keys(filter))
    if (!schema.filterProperties.includes(key))
      return `Type error for parameter filter (Unexpected property "${key}") for ${where}.`
  const { urls, types } = filter as { urls?: unknown; types?: unknown }
  if (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string'))
    return `Type error for parameter filter (Property "urls" is required) for ${where}.`
  if (types !== undefined) {
    if (!Array.isArray(types)) return `Type error for parameter filter (Expected array) for ${where}.`
    const bad = types.find((t) => !schema.resourceTypes.includes(t))
    if (bad !== undefined)
      return `Type error for parameter filter (Invalid enumeration value ${JSON.stringify(bad)}) for ${where}.`
  }
  const spec = args[1]
  if (spec === undefined) return null
  if (!Array.isArray(spec)) return `Type error for parameter extraInfoSpec (Expected array) for ${where}.`
  const bad = spec.find((v) => !signature.extraInfoSpec?.includes(v))
  if (bad !== undefined)
    return `Type error for parameter extraInfoSpec (Invalid enumeration value ${JSON.stringify(bad)}) for ${where}.`
  return null
}
