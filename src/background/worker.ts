/**
 * The background entry (service worker in Chromium, event page in Firefox). Wires capture → pipeline →
 * store → panel server. Every listener is registered synchronously here, at the top level, so the browser
 * can wake the worker for them; the store restores itself meanwhile and everything that needs it waits.
 */
import { diagnose } from '../core/index.ts'
import { detectPlatform, extensionApi } from '../platform/index.ts'
import { Capture, type WebRequestLike } from './capture.ts'
import { PanelServer } from './panel-server.ts'
import { Pipeline } from './pipeline.ts'
import { RecordStore } from './store.ts'

const api = extensionApi()

/** Errors are logged, rate-limited: a broken event must neither kill capture nor flood the console. */
let logged = 0
function logError(error: unknown): void {
  if (logged++ < 20) console.error('CORS Lens:', error)
}

const platform = detectPlatform(api.webRequest, api.runtime)
const store = new RecordStore({ area: api.storage.session, onError: logError })
const server = new PanelServer(api.runtime.id, logError)
let capture: Capture | null = null
const pipeline = new Pipeline({
  platform,
  store,
  diagnose,
  notifier: server,
  isInFlight: (id) => capture?.isInFlight(id) ?? false,
  dropInFlight: (tabId) => capture?.dropTab(tabId),
  sweepInFlight: (now, maxAgeMs) => capture?.sweep(now, maxAgeMs),
  onError: logError,
})
capture = new Capture(platform, pipeline, logError)
const ready = pipeline.start()

server.attach({
  store,
  ready,
  clear: (tabId) => pipeline.clearTab(tabId, 'user'),
  setPreserveLog: (tabId, preserveLog) => pipeline.setPreserveLog(tabId, preserveLog),
  setSettings: (settings) => {
    pipeline.setSettings(settings)
    syncListening()
  },
})

// The browser's event types are wider than what we read; capture declares the fields it uses.
const webRequest: WebRequestLike = api.webRequest
capture.register(webRequest)

/**
 * Listen only when something may be captured: always in the default 'all-tabs' scope; in 'devtools-open'
 * only while a panel is connected. (The top-level registration above stays, so the browser can wake us.)
 */
function syncListening(): void {
  if (store.settings.captureScope === 'all-tabs' || server.hasAnyPanel) capture?.register(webRequest)
  else capture?.unregister()
}
server.onPanelsChanged = () => void ready.then(syncListening)
void ready.then(syncListening)
api.runtime.onConnect.addListener((port) => {
  try {
    server.accept(port)
  } catch (error) {
    logError(error)
  }
})
api.tabs.onRemoved.addListener((tabId) => {
  try {
    pipeline.tabClosed(tabId)
  } catch (error) {
    logError(error)
  }
})
