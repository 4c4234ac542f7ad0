/**
 * The background entry (service worker in Chromium, event page in Firefox). Wires capture → pipeline →
 * store → panel server. runtime and tabs listeners are registered synchronously at the top level, so the
 * browser can wake the worker for them. The webRequest listeners are NOT: they are added only once the
 * settings are read, and only where someone looks (a tab whose CORS panel shows — in Firefox, a tab with
 * DevTools open; what DevTools logged before comes from its own log), each set filtered to its tab. A listener registered at start "until the setting is read" is what made idle browsing cost: any
 * webRequest listener makes Chromium proxy every frame's loader created meanwhile (bench).
 */
// analyze only: the recipes (fixes) never load in the worker; the panel completes what it shows.
import { analyze } from '../core/verdict.ts'
import { extensionApi } from '../platform/api.ts'
import { detectPlatform } from '../platform/index.ts'
import { liveSourceFor } from '../platform/live-source.ts'
import type { DevtoolsLog, LiveSource } from '../protocol.ts'
import { Capture, FailureWatch, type WebRequestLike } from './capture.ts'
import { LiveLog } from './devtools-log.ts'
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
// Chromium: a tab is watched once its CORS panel shows; Firefox: as soon as DevTools opens (platform).
const server = new PanelServer(
  api.runtime.id,
  logError,
  platform.captureStart === 'devtools-open',
  platform.browser,
)
let capture: Capture | null = null
const pipeline = new Pipeline({
  platform,
  store,
  diagnose: analyze,
  notifier: server,
  isInFlight: (id) => capture?.isInFlight(id) ?? false,
  dropInFlight: (tabId) => capture?.dropTab(tabId),
  sweepInFlight: (now, maxAgeMs) => capture?.sweep(now, maxAgeMs),
  onError: logError,
})
capture = new Capture(platform, pipeline, logError)
const ready = pipeline.start()
/** DevTools' own log as the live source, fed by the DevTools page (platform's liveSourceFor says where). */
const failures = new FailureWatch(platform, logError)
const live = new LiveLog(
  (tabId, drafts) => pipeline.live(tabId, drafts),
  Date.now,
  undefined,
  (tabId, method, url) => failures.take(tabId, method, url),
)
/** tabId → when its DevTools page began feeding (what started before comes from the backfill). */
const liveSince = new Map<number, number>()
const liveSource = (tabId: number): LiveSource =>
  liveSourceFor(platform.browser, store.settings.captureScope, server.inspectedTabs.has(tabId))
// For the harness (test/harness/devtools.ts): the tabs whose rows come from DevTools' log now.
Object.assign(globalThis, { corsLensLiveTabs: () => [...liveSince.keys()] })

/** What DevTools logged before live rows began: webRequest's start, or the DevTools feed's. */
function backfill(tabId: number, log: DevtoolsLog): void {
  if (liveSource(tabId) === 'webrequest') {
    pipeline.backfill(tabId, log, capture?.listeningSince(tabId) ?? Date.now())
    return
  }
  const since = liveSince.get(tabId) ?? Date.now()
  // A request still in flight is listed when it finishes (by the feed); one the feed sent already, once.
  const before = log.entries.filter((e) => finished(e) && startedBefore(e, since))
  pipeline.backfill(tabId, { creator: log.creator, entries: live.unseen(tabId, before) }, since)
}

server.attach({
  store,
  ready,
  clear: (tabId) => pipeline.clearTab(tabId, 'user'),
  setPreserveLog: (tabId, preserveLog) => pipeline.setPreserveLog(tabId, preserveLog),
  setSettings: (settings) => {
    pipeline.setSettings(settings)
    syncListening()
  },
  reload: (tabId) => {
    pipeline.keepLogOnce(tabId)
    void api.tabs.reload(tabId).catch(logError)
  },
  devtoolsLog: backfill,
  liveSource,
  devtoolsEntries: (tabId, since, entries) => {
    if (liveSource(tabId) === 'webrequest') return // a scope change crossed the feed's last message
    liveSince.set(tabId, since)
    live.add(tabId, entries)
  },
  devtoolsNavigated: (tabId) => {
    if (liveSource(tabId) === 'webrequest') return
    live.process(true)
    if (pipeline.navigated(tabId)) live.dropTab(tabId)
  },
})

// The browser's event types are wider than what we read; capture declares the fields it uses.
const webRequest: WebRequestLike = api.webRequest

/** Listen where something may be captured: every tab in 'all-tabs'; else only the tabs someone looks at. */
function syncListening(): void {
  const allTabs = store.settings.captureScope === 'all-tabs'
  const tabs = server.watchedTabs.filter((tabId) => liveSource(tabId) === 'webrequest')
  capture?.listenTo(webRequest, allTabs ? 'all' : tabs)
  // 'devtools-combined': the failures-only listener, for what DevTools' log lacks (capture.ts FailureWatch).
  const combined = server.watchedTabs.filter((tabId) => liveSource(tabId) === 'devtools-combined')
  failures.listenTo(webRequest, allTabs ? [] : combined)
  keepAwake(allTabs)
  server.liveSourcesChanged()
}

/**
 * In 'all-tabs' the listeners are registered after the settings are read, so an event that woke a stopped
 * worker would find none: the worker stays up instead (an extension API call resets its idle timer).
 */
let awake: ReturnType<typeof setInterval> | null = null
function keepAwake(on: boolean): void {
  if (on && awake === null) awake = setInterval(() => void api.runtime.getPlatformInfo(), 20_000)
  if (!on && awake !== null) {
    clearInterval(awake)
    awake = null
  }
}
server.onPanelsChanged = () => void ready.then(syncListening)
void ready.then(syncListening)
api.tabs.onRemoved.addListener((tabId) => {
  live.dropTab(tabId)
  liveSince.delete(tabId)
})

/** A HAR entry DevTools finished: it has a response or a failure (an in-flight one has neither). */
function finished(entry: unknown): boolean {
  const r = (entry as { response?: { status?: unknown; _error?: unknown } } | null)?.response
  return (typeof r?.status === 'number' && r.status > 0) || (typeof r?._error === 'string' && r._error !== '')
}

function startedBefore(entry: unknown, since: number): boolean {
  const t = Date.parse(String((entry as { startedDateTime?: unknown } | null)?.startedDateTime))
  return Number.isFinite(t) && t < since
}

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
