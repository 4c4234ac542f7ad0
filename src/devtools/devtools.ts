/**
 * The DevTools page: runs from the moment DevTools opens on a tab, whichever panel is showing, until it
 * closes. It adds the CORS panel, and its port tells the worker "DevTools is open on tab N": that is the
 * default capture scope, so capture starts here, not when the CORS panel is first shown. The keepalive
 * holds the worker (and so its listeners) up while DevTools stays open.
 * Root-relative paths: Chrome resolves them against the extension root, Firefox against this page.
 */
import { portTransport } from '../panel/env.ts'
import { connectPanel } from '../protocol.ts'

/** Below the service worker's 30 s idle timeout. */
const KEEPALIVE_MS = 20_000

chrome.devtools.panels.create('CORS', '/icons/icon-32.png', '/src/panel/panel.html')
const tabId = chrome.devtools.inspectedWindow.tabId
connectPanel({
  connect: portTransport,
  tabId,
  hello: { type: 'inspect', tabId },
  onMessage: () => {},
  keepAliveMs: KEEPALIVE_MS,
})
