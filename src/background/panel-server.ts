/**
 * The worker's end of src/protocol.ts: accepts panel ports, checks every message, answers `subscribe` with a
 * snapshot from the store and pushes what changes afterwards to the ports subscribed to that tab.
 */
import {
  type BrowserName,
  type CaptureScope,
  type DevtoolsLog,
  type ExchangeRecord,
  isPanelMessage,
  type LiveSource,
  MAX_DEVTOOLS_LOG_ENTRIES,
  MAX_LIVE_ENTRIES,
  PANEL_PORT_NAME,
  type PanelMessage,
  type Settings,
  type WorkerMessage,
  type WorkerTransport,
} from '../protocol.ts'
import type { Notifier } from './pipeline.ts'
import type { RecordStore } from './store.ts'

/** A runtime.Port as far as we use it. */
export interface PanelPort extends WorkerTransport {
  readonly name: string
  readonly sender?: { readonly id?: string }
}

/** What the server asks of the rest of the worker. */
export interface PanelBackend {
  readonly store: RecordStore
  /** Resolves once the store is restored (messages wait for it, so snapshots are complete). */
  readonly ready: Promise<void>
  clear(tabId: number): void
  setPreserveLog(tabId: number, preserveLog: boolean): void
  setSettings(settings: Settings): void
  /** "Reload to capture": reload the tab, keeping its log across that navigation. */
  reload(tabId: number): void
  /** What DevTools logged for the tab before live capture began (sent by the panel when it first shows). */
  devtoolsLog(tabId: number, log: DevtoolsLog): void
  /** Where the tab's live rows come from now (platform and scope decide). */
  liveSource(tabId: number): LiveSource
  /** HAR entries DevTools finished, fed live by the DevTools page (when liveSource says so). */
  devtoolsEntries(tabId: number, since: number, entries: readonly unknown[]): void
  /** The inspected tab loaded a new document, as DevTools saw it. */
  devtoolsNavigated(tabId: number): void
}

const SCOPES: Record<CaptureScope, true> = { 'all-tabs': true, 'devtools-open': true }

export class PanelServer implements Notifier {
  /** Ports → the tabs whose records they receive (panels). */
  private readonly subscriptions = new Map<WorkerTransport, Set<number>>()
  /** Ports → the tabs they watch: subscribed panels and DevTools pages ('inspect'). */
  private readonly watching = new Map<WorkerTransport, Set<number>>()
  /** tabId → number of ports watching it (DevTools open on it, or a panel showing it). */
  private readonly panelsPerTab = new Map<number, number>()
  /** DevTools pages' ports → the tab they inspect: they are told where its live rows come from. */
  private readonly inspecting = new Map<WorkerTransport, number>()
  private backend: PanelBackend | null = null
  /** Called when the set of watched tabs changes (capture may start or stop listening). */
  onPanelsChanged: () => void = () => {}

  /**
   * `inspectWatches`: whether a DevTools page's 'inspect' alone makes its tab watched (Firefox), or only a
   * shown CORS panel does (Chromium, where listening slows the page: see platform's captureStart).
   */
  constructor(
    private readonly extensionId: string,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly inspectWatches = true,
    /** Sent with each snapshot: the panel leads with this browser's console words. */
    private readonly browser: BrowserName = 'chromium',
  ) {}

  attach(backend: PanelBackend): void {
    this.backend = backend
  }

  /** runtime.onConnect handler: takes our panel's ports, ignores everything else. */
  accept(port: PanelPort): void {
    if (port.name !== PANEL_PORT_NAME) return
    if (port.sender?.id !== undefined && port.sender.id !== this.extensionId) {
      port.disconnect()
      return
    }
    this.subscriptions.set(port, new Set())
    this.watching.set(port, new Set())
    // Messages are handled in order, each after the store is restored.
    let chain = this.backend?.ready ?? Promise.resolve()
    port.onMessage.addListener((message) => {
      chain = chain.then(() => this.handle(port, message)).catch((error: unknown) => this.onError(error))
    })
    port.onDisconnect.addListener(() => this.drop(port))
  }

  /** The tabs a DevTools page is open on (their live rows may come from DevTools' log). */
  get inspectedTabs(): Set<number> {
    return new Set(this.inspecting.values())
  }

  /** The tabs someone looks at (the default capture scope). */
  get watchedTabs(): number[] {
    return [...this.panelsPerTab.keys()]
  }

  records(tabId: number, records: readonly ExchangeRecord[]): void {
    if (records.length > 0) this.send(tabId, { type: 'records', tabId, records })
  }

  tabState(tabId: number): void {
    const store = this.backend?.store
    if (store) this.send(tabId, { type: 'tab-state', tabId, tab: store.tabState(tabId) })
  }

  cleared(tabId: number, reason: 'user' | 'navigation'): void {
    this.send(tabId, { type: 'cleared', tabId, reason })
  }

  settingsChanged(settings: Settings): void {
    for (const port of this.subscriptions.keys()) this.post(port, { type: 'settings', settings })
  }

  private handle(port: WorkerTransport, raw: unknown): void {
    const backend = this.backend
    const message = validate(raw)
    if (!backend || !message || !this.subscriptions.has(port)) return
    switch (message.type) {
      case 'inspect':
        this.inspecting.set(port, message.tabId)
        if (this.inspectWatches) this.watch(port, message.tabId)
        else this.onPanelsChanged() // its tab's live source may change (platform's liveSourceFor)
        this.tellLiveSource(port, message.tabId)
        return
      case 'devtools-log':
        backend.devtoolsLog(message.tabId, message.log)
        return
      case 'devtools-entries':
        backend.devtoolsEntries(message.tabId, message.since, message.entries)
        return
      case 'devtools-navigated':
        backend.devtoolsNavigated(message.tabId)
        return
      case 'keepalive':
        return
      case 'reload':
        backend.reload(message.tabId)
        return
      case 'subscribe': {
        this.subscriptions.get(port)?.add(message.tabId)
        this.watch(port, message.tabId)
        this.post(port, {
          type: 'snapshot',
          tabId: message.tabId,
          records: backend.store.records(message.tabId),
          tab: backend.store.tabState(message.tabId),
          settings: backend.store.settings,
          browser: this.browser,
        })
        return
      }
      case 'clear':
        backend.clear(message.tabId)
        return
      case 'set-preserve-log':
        backend.setPreserveLog(message.tabId, message.preserveLog)
        return
      case 'set-settings':
        backend.setSettings(message.settings)
        this.settingsChanged(backend.store.settings)
        return
    }
  }

  /** Tells every DevTools page where its tab's live rows come from (after a scope change). */
  liveSourcesChanged(): void {
    for (const [port, tabId] of this.inspecting) this.tellLiveSource(port, tabId)
  }

  private tellLiveSource(port: WorkerTransport, tabId: number): void {
    const source = this.backend?.liveSource(tabId)
    if (source) this.post(port, { type: 'live-source', tabId, source })
  }

  private watch(port: WorkerTransport, tabId: number): void {
    const tabs = this.watching.get(port)
    if (!tabs || tabs.has(tabId)) return
    tabs.add(tabId)
    this.panelsPerTab.set(tabId, (this.panelsPerTab.get(tabId) ?? 0) + 1)
    this.onPanelsChanged()
  }

  private send(tabId: number, message: WorkerMessage): void {
    for (const [port, tabs] of this.subscriptions) if (tabs.has(tabId)) this.post(port, message)
  }

  private post(port: WorkerTransport, message: WorkerMessage): void {
    try {
      port.postMessage(message)
    } catch (error) {
      // A port that died without onDisconnect (worker shutting down): forget it.
      this.drop(port)
      this.onError(error)
    }
  }

  private drop(port: WorkerTransport): void {
    this.subscriptions.delete(port)
    if (this.inspecting.delete(port) && !this.inspectWatches) this.onPanelsChanged()
    const tabs = this.watching.get(port)
    if (!tabs) return
    this.watching.delete(port)
    for (const tabId of tabs) {
      const n = (this.panelsPerTab.get(tabId) ?? 1) - 1
      if (n > 0) this.panelsPerTab.set(tabId, n)
      else this.panelsPerTab.delete(tabId)
    }
    if (tabs.size > 0) this.onPanelsChanged()
  }
}

/** isPanelMessage checks the type; this checks every field the worker will use. */
export function validate(m: unknown): PanelMessage | null {
  if (!isPanelMessage(m)) return null
  switch (m.type) {
    case 'subscribe':
    case 'inspect':
    case 'reload':
    case 'clear':
      return isTabId(m.tabId) ? { type: m.type, tabId: m.tabId } : null
    case 'keepalive':
      return { type: 'keepalive' }
    case 'devtools-log': {
      const log = m.log as { creator?: unknown; entries?: unknown } | null
      const entries = typeof log === 'object' && log !== null ? log.entries : undefined
      return isTabId(m.tabId) && Array.isArray(entries) && entries.length <= MAX_DEVTOOLS_LOG_ENTRIES
        ? { type: m.type, tabId: m.tabId, log: { creator: log?.creator, entries } }
        : null
    }
    case 'devtools-entries': {
      const { entries, since } = m as { entries?: unknown; since?: unknown }
      return isTabId(m.tabId) &&
        Array.isArray(entries) &&
        entries.length <= MAX_LIVE_ENTRIES &&
        typeof since === 'number' &&
        Number.isFinite(since)
        ? { type: m.type, tabId: m.tabId, since, entries }
        : null
    }
    case 'devtools-navigated':
      return isTabId(m.tabId) ? { type: m.type, tabId: m.tabId } : null
    case 'set-preserve-log':
      return isTabId(m.tabId) && typeof m.preserveLog === 'boolean'
        ? { type: m.type, tabId: m.tabId, preserveLog: m.preserveLog }
        : null
    case 'set-settings': {
      const scope = (m.settings as { captureScope?: unknown } | null)?.captureScope
      return typeof scope === 'string' && Object.hasOwn(SCOPES, scope)
        ? { type: m.type, settings: { captureScope: scope as CaptureScope } }
        : null
    }
    default:
      return null
  }
}

function isTabId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}
