/** Fakes for the worker's browser surfaces: a storage area, webRequest events, timers, a port. */
import type { RequestDetails, RequestFilterLike, WebRequestLike } from '../../src/background/capture.ts'
import type { StorageAreaLike } from '../../src/background/store.ts'
import { detectPlatform, type Platform } from '../../src/platform/index.ts'
import type { PanelMessage, WorkerMessage } from '../../src/protocol.ts'
import { type SchemaBrowser, schemaError, WEBREQUEST_SCHEMAS } from './webrequest-schemas.ts'

/** chrome.storage.session's QUOTA_BYTES (10 MB, shared by the whole extension). */
export const SESSION_QUOTA_BYTES = 10_485_760

/** An item's size as storage.session estimates it (approximated: key plus the value's JSON). */
const itemBytes = (k: string, v: unknown): number => k.length + JSON.stringify(v).length

export class FakeArea implements StorageAreaLike {
  readonly data = new Map<string, unknown>()
  sets = 0
  removes = 0
  /** Like Chrome: a set that would pass the quota is refused whole, and nothing of it is stored. */
  constructor(readonly quotaBytes = SESSION_QUOTA_BYTES) {}
  get bytesInUse(): number {
    let n = 0
    for (const [k, v] of this.data) n += itemBytes(k, v)
    return n
  }
  async get(_keys: null): Promise<Record<string, unknown>> {
    // storage.session hands back copies (structured clone).
    return structuredClone(Object.fromEntries(this.data))
  }
  async set(items: Record<string, unknown>): Promise<void> {
    this.sets++
    let after = this.bytesInUse
    for (const [k, v] of Object.entries(items))
      after += itemBytes(k, v) - (this.data.has(k) ? itemBytes(k, this.data.get(k)) : 0)
    if (after > this.quotaBytes)
      throw new Error('Session storage quota bytes exceeded. Values were not stored.')
    for (const [k, v] of Object.entries(items)) this.data.set(k, structuredClone(v))
  }
  async remove(keys: string[]): Promise<void> {
    this.removes++
    for (const k of keys) this.data.delete(k)
  }
}

/** Timers that run only when the test says so. */
export class ManualTimers {
  now = 1_800_000_000_000
  private timers: { at: number; fn: () => void }[] = []
  readonly setTimer = (fn: () => void, ms: number): unknown => {
    const t = { at: this.now + ms, fn }
    this.timers.push(t)
    return t
  }
  readonly clock = (): number => this.now
  advance(ms: number): void {
    const until = this.now + ms
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at)
      const next = this.timers[0]
      if (!next || next.at > until) break
      this.timers.shift()
      this.now = next.at
      next.fn()
    }
    this.now = until
  }
  get pending(): number {
    return this.timers.length
  }
}

type Listener = {
  cb: (d: RequestDetails) => undefined
  filter: RequestFilterLike
  spec: string[] | undefined
}
export type EventName = 'onSendHeaders' | 'onHeadersReceived' | 'onCompleted' | 'onErrorOccurred'

/**
 * webRequest as strict as the browser: addListener checks its arguments against that browser's real schema
 * (webrequest-schemas.ts) and throws what the browser throws, so a call the browser rejects fails the test.
 */
export class FakeWebRequest implements WebRequestLike {
  readonly listeners = new Map<EventName, Listener[]>()
  readonly onSendHeaders = this.event('onSendHeaders')
  readonly onHeadersReceived = this.event('onHeadersReceived')
  readonly onCompleted = this.event('onCompleted')
  readonly onErrorOccurred = this.event('onErrorOccurred')

  constructor(readonly browser: SchemaBrowser = 'chromium') {}

  private event(name: EventName) {
    return {
      addListener: (cb: Listener['cb'], ...args: unknown[]) => {
        if (typeof cb !== 'function') throw new Error(`Incorrect argument types for webRequest.${name}.`)
        const error = schemaError(this.browser, name, args)
        if (error) throw new Error(error)
        const list = this.listeners.get(name) ?? []
        list.push({ cb, filter: args[0] as RequestFilterLike, spec: args[1] as string[] | undefined })
        this.listeners.set(name, list)
      },
      removeListener: (cb: Listener['cb']) => {
        this.listeners.set(
          name,
          (this.listeners.get(name) ?? []).filter((l) => l.cb !== cb),
        )
      },
    }
  }

  /** Dispatches like the browser: only to listeners whose type and tabId filters match. */
  emit(name: EventName, details: RequestDetails): void {
    for (const l of this.listeners.get(name) ?? []) {
      if (l.filter.types && details && !l.filter.types.includes(details.type)) continue
      if (l.filter.tabId !== undefined && details && l.filter.tabId !== details.tabId) continue
      l.cb(details)
    }
  }
}

const typeEnum = (types: readonly string[]): Record<string, string> =>
  Object.fromEntries(types.map((t) => [t.toUpperCase(), t]))

/** The enums as each browser exposes them on webRequest (Firefox's keys measured in firefox.md §3). */
export const CHROMIUM_ENUMS = {
  OnHeadersReceivedOptions: {
    BLOCKING: 'blocking',
    RESPONSE_HEADERS: 'responseHeaders',
    EXTRA_HEADERS: 'extraHeaders',
  },
  ResourceType: typeEnum(WEBREQUEST_SCHEMAS.chromium.resourceTypes),
}

export const FIREFOX_ENUMS = {
  OnHeadersReceivedOptions: { BLOCKING: 'blocking', RESPONSEHEADERS: 'responseHeaders' },
  ResourceType: typeEnum(WEBREQUEST_SCHEMAS.firefox.resourceTypes),
}

export const chromium: Platform = detectPlatform(CHROMIUM_ENUMS, {})
export const firefox: Platform = detectPlatform(FIREFOX_ENUMS, { getBrowserInfo: () => Promise.resolve({}) })

/** A capture sink that wants nothing (registration-only tests, the bench's subscription recording). */
export const NOOP_SINK = {
  ended: () => {},
  preflightStarted: () => {},
  preflightEnded: () => {},
  navigated: () => false,
}

/** An in-memory port pair end, as the worker sees it. */
export class FakePort {
  readonly name: string
  readonly sender: { id: string }
  readonly sent: WorkerMessage[] = []
  private messageListeners: ((m: PanelMessage) => void)[] = []
  private disconnectListeners: (() => void)[] = []
  disconnected = false
  constructor(name: string, senderId = 'ext-id') {
    this.name = name
    this.sender = { id: senderId }
  }
  postMessage(m: WorkerMessage): void {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object')
    this.sent.push(structuredClone(m))
  }
  readonly onMessage = { addListener: (cb: (m: PanelMessage) => void) => this.messageListeners.push(cb) }
  readonly onDisconnect = { addListener: (cb: () => void) => this.disconnectListeners.push(cb) }
  disconnect(): void {
    this.disconnected = true
  }
  /** The panel sends a message (any shape: the worker must validate). */
  fromPanel(m: unknown): void {
    for (const cb of this.messageListeners) cb(m as PanelMessage)
  }
  close(): void {
    this.disconnected = true
    for (const cb of this.disconnectListeners) cb()
  }
}
