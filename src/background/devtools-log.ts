/**
 * DevTools' own network log as a capture source for what came before live capture: the panel reads it with
 * devtools.network.getHAR when it first shows; here its entries that started before the tab's live capture
 * began are read by the one HAR reader (the same one that reads a saved DevTools export).
 */
import { type Exchange, harToExchanges } from '../core/verdict.ts'
import type { DevtoolsLog } from '../protocol.ts'

export const DEVTOOLS_LOG_NOTE =
  'Recorded by DevTools before CORS Lens began capturing this tab; read from DevTools’ own network log.'

/** The exchanges DevTools logged that started before `since` (epoch ms); later ones are captured live. */
export function exchangesBefore(log: DevtoolsLog, since: number): Exchange[] {
  const entries = log.entries.filter((e) => startedAt(e) < since)
  if (entries.length === 0) return []
  const read = harToExchanges({ log: { version: '1.2', creator: log.creator, pages: [], entries } })
  return 'error' in read ? [] : read.exchanges
}

/** An entry's start (epoch ms); an entry without a readable one is not placed before anything. */
function startedAt(entry: unknown): number {
  const value =
    entry !== null && typeof entry === 'object'
      ? (entry as { startedDateTime?: unknown }).startedDateTime
      : null
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY
}
