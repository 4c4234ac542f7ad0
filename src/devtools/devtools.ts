/**
 * The DevTools page: runs from the moment DevTools opens on a tab, whichever panel is showing, until it
 * closes. It adds the CORS panel, and its port tells the worker "DevTools is open on tab N". In Firefox that
 * starts capture (the default scope); in Chromium, where any webRequest listener slows the page, live rows
 * come from DevTools' own log once the CORS panel shows: this page feeds it to the worker (feed.ts), and
 * the panel's first getHAR supplies what came before. The worker says which source a tab uses
 * ('live-source'). The keepalive holds the worker up while DevTools stays open.
 * Root-relative paths: Chrome resolves them against the extension root, Firefox against this page.
 */
import { extensionApi } from '../platform/api.ts'
import { connectPanel, runtimePortTransport } from '../protocol.ts'
import { DevtoolsFeed, type DevtoolsNetworkLike } from './feed.ts'

/** Below the service worker's 30 s idle timeout. */
const KEEPALIVE_MS = 20_000

const api = extensionApi()
const tabId = api.devtools.inspectedWindow.tabId
let feed: DevtoolsFeed | null = null
const connection = connectPanel({
  connect: () => runtimePortTransport(api.runtime),
  tabId,
  hello: { type: 'inspect', tabId },
  onMessage: (m) => {
    if (m.type === 'live-source' && m.tabId === tabId) feed?.setSource(m.source)
  },
  keepAliveMs: KEEPALIVE_MS,
})
// chrome.devtools in its callback form (Chromium's devtools.* return no promises; Firefox takes callbacks too).
const devtools = chrome.devtools
feed = new DevtoolsFeed(devtools.network as unknown as DevtoolsNetworkLike, tabId, (m) => connection.send(m))
devtools.panels.create('CORS', '/icons/icon-32.png', '/src/panel/panel.html', (panel) => {
  panel.onShown.addListener(() => feed?.setShown(true))
  panel.onHidden.addListener(() => feed?.setShown(false))
})
