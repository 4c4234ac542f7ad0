/**
 * Messages from the worker cross a process boundary and may come from an older or newer build: check
 * their shape before the panel trusts them. A malformed record is dropped and counted, never rendered,
 * so one bad record cannot blank the panel.
 */
import type { BrowserName, ExchangeRecord, Settings, TabState, WorkerMessage } from '../protocol.ts'

export interface Checked {
  readonly message: WorkerMessage
  /** Records dropped from the message because their shape was wrong. */
  readonly dropped: number
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object'

const isSide = (v: unknown): boolean =>
  isObject(v) && typeof v.method === 'string' && typeof v.url === 'string' && Array.isArray(v.headers)

const isResponse = (v: unknown): boolean =>
  v === undefined || (isObject(v) && typeof v.status === 'number' && Array.isArray(v.headers))

/** Deep enough that every field the list and the detail read is what its type says. */
export function isExchangeRecord(v: unknown): v is ExchangeRecord {
  if (!isObject(v)) return false
  if (typeof v.id !== 'string' || typeof v.seq !== 'number' || typeof v.startedAt !== 'number') return false
  if (!Array.isArray(v.notes ?? [])) return false
  const ex = v.exchange
  if (!isObject(ex) || !isSide(ex.request) || !isResponse(ex.response) || !isObject(ex.outcome)) return false
  if (ex.preflight !== undefined && !(isObject(ex.preflight) && isSide(ex.preflight.request))) return false
  if (ex.preflight !== undefined && isObject(ex.preflight) && !isResponse(ex.preflight.response)) return false
  if (ex.redirects !== undefined && !Array.isArray(ex.redirects)) return false
  const d = v.analysis
  if (!isObject(d) || typeof d.verdict !== 'string' || typeof d.summary !== 'string') return false
  if (!Array.isArray(d.findings) || !isObject(d.preflight)) return false
  if (!isObject(d.credentials)) return false
  return d.corsError === null || typeof d.corsError === 'string'
}

const isTabState = (v: unknown): v is TabState =>
  isObject(v) && typeof v.preserveLog === 'boolean' && typeof v.evicted === 'number'

const isSettings = (v: unknown): v is Settings =>
  isObject(v) && (v.captureScope === 'all-tabs' || v.captureScope === 'devtools-open')

const isBrowserName = (v: unknown): v is BrowserName => v === 'chromium' || v === 'firefox'

function records(v: unknown): { records: ExchangeRecord[]; dropped: number } | null {
  if (!Array.isArray(v)) return null
  const out = v.filter(isExchangeRecord)
  return { records: out, dropped: v.length - out.length }
}

/** The message, cleaned; null when it is not a worker message at all (or not for this tab). */
export function checkWorkerMessage(m: unknown, tabId: number): Checked | null {
  if (!isObject(m) || typeof m.type !== 'string') return null
  if (m.type === 'settings')
    return isSettings(m.settings) ? { message: { type: 'settings', settings: m.settings }, dropped: 0 } : null
  if (m.tabId !== tabId) return null
  switch (m.type) {
    case 'snapshot': {
      const r = records(m.records)
      if (!r || !isTabState(m.tab) || !isSettings(m.settings) || !isBrowserName(m.browser)) return null
      return {
        message: {
          type: 'snapshot',
          tabId,
          records: r.records,
          tab: m.tab,
          settings: m.settings,
          browser: m.browser,
        },
        dropped: r.dropped,
      }
    }
    case 'records': {
      const r = records(m.records)
      if (!r) return null
      return { message: { type: 'records', tabId, records: r.records }, dropped: r.dropped }
    }
    case 'cleared':
      return m.reason === 'user' || m.reason === 'navigation'
        ? { message: { type: 'cleared', tabId, reason: m.reason }, dropped: 0 }
        : null
    case 'tab-state':
      return isTabState(m.tab) ? { message: { type: 'tab-state', tabId, tab: m.tab }, dropped: 0 } : null
    default:
      return null
  }
}
