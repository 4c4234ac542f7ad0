/**
 * Panel-local enrichment where DevTools is open: DevTools' own log (devtools.network.getHAR) has each
 * request as a HAR entry, whose `_initiator` names the script and line that made it. webRequest cannot
 * see that, so the panel matches entries to records by method and URL and keeps the answer to itself.
 */
import { type DevtoolsLog, type ExchangeRecord, MAX_DEVTOOLS_LOG_ENTRIES } from '../protocol.ts'
import { devtools } from './env.ts'

export interface InitiatorScript {
  readonly url: string
  /** 0-based, as DevTools reports it. */
  readonly line: number
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object'

/** The script frame that started the request: the top stack frame with a URL, else the parser location. */
export function initiatorFromHarEntry(entry: unknown): InitiatorScript | null {
  if (!isObject(entry) || !isObject(entry._initiator)) return null
  const init = entry._initiator
  let stack: unknown = init.stack
  // Async stacks nest through `parent`; the first frame with a URL is the caller the user wrote.
  while (isObject(stack)) {
    const frames = Array.isArray(stack.callFrames) ? stack.callFrames : []
    for (const f of frames) {
      if (isObject(f) && typeof f.url === 'string' && f.url && typeof f.lineNumber === 'number')
        return { url: f.url, line: f.lineNumber }
    }
    stack = stack.parent
  }
  if (typeof init.url === 'string' && init.url && typeof init.lineNumber === 'number')
    return { url: init.url, line: init.lineNumber }
  return null
}

export function initiatorKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`
}

/** Method and URL of a HAR entry, or null when it is not shaped like one. */
export function harEntryKey(entry: unknown): string | null {
  if (!isObject(entry) || !isObject(entry.request)) return null
  const { method, url } = entry.request
  return typeof method === 'string' && typeof url === 'string' ? initiatorKey(method, url) : null
}

/** Known initiators by method and URL; the newest entry for a URL wins. Bounded so it cannot grow forever. */
export class InitiatorIndex {
  private readonly byKey = new Map<string, InitiatorScript>()
  version = 0

  constructor(private readonly max = 20_000) {}

  add(entry: unknown): boolean {
    const key = harEntryKey(entry)
    const init = initiatorFromHarEntry(entry)
    if (!key || !init) return false
    this.byKey.delete(key)
    this.byKey.set(key, init)
    if (this.byKey.size > this.max) {
      const oldest = this.byKey.keys().next().value
      if (oldest !== undefined) this.byKey.delete(oldest)
    }
    this.version++
    return true
  }

  /** What DevTools' log says started the request (the worker's records carry no script). */
  lookup(r: ExchangeRecord): InitiatorScript | null {
    return this.byKey.get(initiatorKey(r.exchange.request.method, r.exchange.request.url)) ?? null
  }
}

/**
 * Reads DevTools' own log (getHAR) once: the initiators go to the index, the log itself to `onLog`. Called
 * when the panel opens (the worker keeps what came before its live capture) and when a detail needs an
 * initiator not known yet: never per request, since a per-request listener makes DevTools build a HAR entry
 * for every request of the page. No-op in a tab.
 */
export function readDevtoolsLog(
  index: InitiatorIndex,
  changed: () => void,
  onLog: (log: DevtoolsLog) => void = () => {},
): void {
  const dt = devtools()
  if (!dt) return
  dt.network.getHAR((log) => {
    const entries: readonly unknown[] = Array.isArray(log?.entries) ? log.entries : []
    let any = false
    for (const e of entries) any = index.add(e) || any
    if (any) changed()
    onLog({ creator: log?.creator, entries: entries.slice(-MAX_DEVTOOLS_LOG_ENTRIES) })
  })
}
