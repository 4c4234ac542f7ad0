/**
 * The DevTools page: runs from the moment DevTools opens on a tab, whichever panel is showing, until it
 * closes. It adds the CORS panel, and its port tells the worker "DevTools is open on tab N". In Firefox that
 * starts capture (the default scope); in Chromium, where any webRequest listener slows the page, capture
 * starts when the CORS panel first shows and DevTools' own log supplies what came before (platform's
 * captureStart). The keepalive holds the worker (and so its listeners) up while DevTools stays open.
 * Root-relative paths: Chrome resolves them against the extension root, Firefox against this page.
 */
import { extensionApi } from '../platform/api.ts'
import { connectPanel, runtimePortTransport } from '../protocol.ts'

/** Below the service worker's 30 s idle timeout. */
const KEEPALIVE_MS = 20_000

const api = extensionApi()
void api.devtools.panels.create('CORS', '/icons/icon-32.png', '/src/panel/panel.html')
const tabId = api.devtools.inspectedWindow.tabId
connectPanel({
  connect: () => runtimePortTransport(api.runtime),
  tabId,
  hello: { type: 'inspect', tabId },
  onMessage: () => {},
  keepAliveMs: KEEPALIVE_MS,
})
