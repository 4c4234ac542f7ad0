/**
 * The extension API object, from webextension-polyfill (https://github.com/mozilla/webextension-polyfill):
 * in Firefox the native `browser`; in Chromium a Proxy over `chrome` whose callback methods return promises.
 * Events, enums and namespaces it has no metadata for (webRequest's events and OnHeadersReceivedOptions,
 * storage.session, runtime.onConnect, the Port from runtime.connect) are `chrome`'s own objects, so
 * webRequest.addListener gets its filter and extraInfoSpec ('extraHeaders' included) unchanged.
 * It reads only `globalThis.chrome`/`globalThis.browser` (no window or document), so it runs in a service
 * worker. Apart from index.ts because it throws when loaded outside an extension, and index.ts's detection
 * is loaded by capture and the tests without one.
 */
import browser, { type Browser } from 'webextension-polyfill'
import type { WebRequestEnums } from './index.ts'

/**
 * The polyfill's types (generated from Firefox's schemas) declare functions and events, not the schema enums
 * both browsers also put on webRequest at runtime; detection reads those (index.ts, detectPlatform).
 */
export type ExtensionApi = Browser & { readonly webRequest: WebRequestEnums }

/** The one extension API object of this context: the worker and the DevTools page read everything from it. */
export function extensionApi(): ExtensionApi {
  return browser
}
