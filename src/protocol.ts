/**
 * Everything the panel and the worker say to each other, typed, over a swappable transport
 * (a runtime Port in the extension, an in-memory pair in tests). The panel never touches the
 * worker's store any other way.
 */
import type { Analysis, Exchange } from './core/verdict.ts'

/** One captured exchange as the panel shows it. `seq` grows per tab; the panel uses it to drop duplicates. */
export interface ExchangeRecord {
  readonly id: string
  readonly seq: number
  readonly tabId: number
  /** Wall-clock ms when the request started. */
  readonly startedAt: number
  readonly exchange: Exchange
  /**
   * The verdict and findings, as the worker judged them. Attribution and fixes are not sent: the panel
   * computes them from the exchange when shown (panel/complete.ts). Imported records carry them already.
   */
  readonly analysis: Analysis
  /** Capture notes shown to the user, e.g. "request headers taken from the preflight's Access-Control-Request-Headers". */
  readonly notes: readonly string[]
}

/**
 * The browser the worker runs in (src/platform detects it). The panel is the same code on every browser and
 * learns which console's words to lead with from the worker's snapshot, never by probing the browser itself.
 */
export type BrowserName = 'chromium' | 'firefox'

export type CaptureScope = 'all-tabs' | 'devtools-open'

export interface Settings {
  readonly captureScope: CaptureScope
}

export interface TabState {
  readonly preserveLog: boolean
  /** Exchanges evicted from the worker's bounded store (the panel says so). */
  readonly evicted: number
}

/**
 * DevTools' own network log for the inspected tab (devtools.network.getHAR: a HAR 1.2 `log`), as the panel
 * read it when it first showed. The worker keeps what started before its live capture of the tab began.
 */
export interface DevtoolsLog {
  readonly creator: unknown
  readonly entries: readonly unknown[]
}

/** The newest entries of DevTools' log the panel sends (a long session can log many thousands). */
export const MAX_DEVTOOLS_LOG_ENTRIES = 5000

/**
 * Where a tab's live rows come from while its CORS panel shows (src/platform decides; the worker tells the
 * DevTools page): the worker's webRequest listeners, or DevTools' own log fed by the DevTools page —
 * devtools.network.onRequestFinished per request, or getHAR read on a cadence while the panel is visible;
 * 'devtools-combined': onRequestFinished plus a failures-only webRequest listener for what the log lacks.
 */
export type LiveSource = 'webrequest' | 'devtools-finished' | 'devtools-poll' | 'devtools-combined'

/** HAR entries the DevTools page sends in one message (it batches; a burst is split). */
export const MAX_LIVE_ENTRIES = 500

export type PanelMessage =
  | { readonly type: 'subscribe'; readonly tabId: number }
  /** From the DevTools page: DevTools is open on this tab for as long as the port lives (capture scope). */
  | { readonly type: 'inspect'; readonly tabId: number }
  /** Keeps the worker awake while DevTools is open, so capture never has a gap (ports alone do not). */
  | { readonly type: 'keepalive' }
  /** "Reload to capture": the worker reloads the tab and keeps the log across that one navigation. */
  | { readonly type: 'reload'; readonly tabId: number }
  | { readonly type: 'clear'; readonly tabId: number }
  | { readonly type: 'devtools-log'; readonly tabId: number; readonly log: DevtoolsLog }
  /**
   * From the DevTools page, live: HAR entries DevTools finished since the last message (its log is the event
   * source; the worker reads them with the one HAR reader). `since`: when this feed began (epoch ms).
   */
  | {
      readonly type: 'devtools-entries'
      readonly tabId: number
      readonly since: number
      readonly entries: readonly unknown[]
    }
  /** From the DevTools page: the inspected tab loaded a new document (devtools.network.onNavigated). */
  | { readonly type: 'devtools-navigated'; readonly tabId: number }
  | { readonly type: 'set-preserve-log'; readonly tabId: number; readonly preserveLog: boolean }
  | { readonly type: 'set-settings'; readonly settings: Settings }

export type WorkerMessage =
  | {
      readonly type: 'snapshot'
      readonly tabId: number
      readonly records: readonly ExchangeRecord[]
      readonly tab: TabState
      readonly settings: Settings
      readonly browser: BrowserName
    }
  | { readonly type: 'records'; readonly tabId: number; readonly records: readonly ExchangeRecord[] }
  | { readonly type: 'cleared'; readonly tabId: number; readonly reason: 'user' | 'navigation' }
  | { readonly type: 'tab-state'; readonly tabId: number; readonly tab: TabState }
  | { readonly type: 'settings'; readonly settings: Settings }
  /** To the DevTools page: where this tab's live rows come from now (it feeds DevTools' log, or not). */
  | { readonly type: 'live-source'; readonly tabId: number; readonly source: LiveSource }

export const PANEL_PORT_NAME = 'cors-lens-panel'

/** The smallest thing both ends need from a connection. chrome.runtime.Port fits it. */
export interface Transport<Out, In> {
  postMessage(message: Out): void
  readonly onMessage: { addListener(cb: (message: In) => void): void }
  readonly onDisconnect: { addListener(cb: () => void): void }
  disconnect(): void
}

export type PanelTransport = Transport<PanelMessage, WorkerMessage>
/** The worker's end: what arrives comes from another context, unknown until the worker checks it (panel-server's validate). */
export type WorkerTransport = Transport<WorkerMessage, unknown>

/** The part of runtime.Port (chrome.runtime.connect's result) that a transport uses. */
export interface RuntimePort {
  postMessage(message: unknown): void
  readonly onMessage: { addListener(cb: (message: unknown) => void): void }
  readonly onDisconnect: { addListener(cb: () => void): void }
  disconnect(): void
}

/**
 * The panel's and the DevTools page's end of a runtime Port to the worker, as the protocol's transport.
 * Incoming messages stay unchecked here on purpose: the panel checks them (panel/messages.ts) before use.
 */
export function runtimePortTransport(runtime: {
  connect(info: { readonly name: string }): RuntimePort
}): PanelTransport {
  const port = runtime.connect({ name: PANEL_PORT_NAME })
  return {
    postMessage: (m) => port.postMessage(m),
    onMessage: { addListener: (cb) => port.onMessage.addListener((m) => cb(m as WorkerMessage)) },
    onDisconnect: { addListener: (cb) => port.onDisconnect.addListener(() => cb()) },
    disconnect: () => port.disconnect(),
  }
}

const MESSAGE_TYPES: Record<PanelMessage['type'], true> = {
  subscribe: true,
  inspect: true,
  keepalive: true,
  reload: true,
  clear: true,
  'devtools-log': true,
  'devtools-entries': true,
  'devtools-navigated': true,
  'set-preserve-log': true,
  'set-settings': true,
}

/** Messages arrive from another context: check the shape before trusting it. */
export function isPanelMessage(m: unknown): m is PanelMessage {
  if (m === null || typeof m !== 'object') return false
  const { type } = m as { type?: unknown }
  return typeof type === 'string' && Object.hasOwn(MESSAGE_TYPES, type)
}

export interface PanelConnection {
  send(message: PanelMessage): void
  close(): void
}

/**
 * The panel's end: connects, subscribes to its tab, and reconnects by itself when the worker stops
 * (the port disconnects). Each reconnect re-subscribes, and the worker answers with a full snapshot
 * from its persisted store, so nothing is missed.
 */
export function connectPanel(options: {
  readonly connect: () => PanelTransport
  readonly tabId: number
  readonly onMessage: (message: WorkerMessage) => void
  readonly onStatus?: (status: 'connected' | 'reconnecting') => void
  readonly retryMs?: number
  /** The first message of each connection (default: subscribe to the tab). */
  readonly hello?: PanelMessage
  /** Sends a keepalive this often (the DevTools page: keeps the worker, and so capture, running). */
  readonly keepAliveMs?: number
}): PanelConnection {
  let transport: PanelTransport | null = null
  let closed = false
  const pending: PanelMessage[] = []
  const open = (): void => {
    if (closed) return
    let t: PanelTransport
    try {
      t = options.connect()
    } catch {
      options.onStatus?.('reconnecting')
      setTimeout(open, options.retryMs ?? 250)
      return
    }
    transport = t
    t.onMessage.addListener((m) => options.onMessage(m))
    t.onDisconnect.addListener(() => {
      if (transport === t) transport = null
      if (closed) return
      options.onStatus?.('reconnecting')
      setTimeout(open, options.retryMs ?? 250)
    })
    t.postMessage(options.hello ?? { type: 'subscribe', tabId: options.tabId })
    for (const m of pending.splice(0)) t.postMessage(m)
    options.onStatus?.('connected')
  }
  open()
  const keepAlive =
    options.keepAliveMs === undefined
      ? null
      : setInterval(() => {
          try {
            transport?.postMessage({ type: 'keepalive' })
          } catch {
            // The port died: onDisconnect reconnects.
          }
        }, options.keepAliveMs)
  return {
    send(message) {
      if (transport) transport.postMessage(message)
      else pending.push(message)
    },
    close() {
      closed = true
      if (keepAlive !== null) clearInterval(keepAlive)
      transport?.disconnect()
    },
  }
}
