/**
 * Pairs an actual request with its CORS preflight. webRequest gives the preflight its own requestId and no
 * link, so this matches on what both carry: tab, URL, Access-Control-Request-Method/-Headers, request-id
 * order and timing. Pure: no browser API, fully unit-tested.
 *
 * Rules, in order:
 * 1. Same tab and URL; ACRM equals the actual method (a preflight seen only by its error matches any).
 * 2. When the actual request was sent, every ACRH name must be among its sent header names (except names
 *    the browser never shows, e.g. Authorization in Chromium).
 * 3. Timing: the preflight started before the actual request ended, within `maxAgeMs`. If the actual request
 *    was sent, Chromium sends the preflight before it (`preflight-first`), Firefox after (`actual-first`).
 * 4. Ids: a preflight is created after its request, so a numeric preflight id must be larger. The one whose
 *    id is the actual id + 1 (what both browsers do) wins; otherwise the nearest larger id that is not
 *    "reserved" (its id − 1 is another request still in flight: it belongs to that one); otherwise the oldest.
 * A claimed preflight is removed, so two identical requests in flight get one preflight each.
 */
import type { PreflightOrder } from '../platform/index.ts'

export interface PreflightKey {
  readonly id: string
  readonly tabId: number
  readonly url: string
  readonly startedAt: number
  readonly requestMethod: string | null
  readonly requestHeaderNames: readonly string[]
}

export interface ActualKey {
  readonly id: string
  readonly tabId: number
  /** The URL of the last hop (a preflight precedes the hop it is for). */
  readonly url: string
  readonly method: string
  /** Lower-cased names of the last hop's headers as sent; null when it was never sent. */
  readonly sentHeaderNames: ReadonlySet<string> | null
  /** When the last hop was sent (onSendHeaders timeStamp); null when never sent. */
  readonly sentAt: number | null
  readonly endedAt: number
}

export interface PairingOptions {
  readonly order: PreflightOrder
  readonly hiddenRequestHeaders: ReadonlySet<string>
  /** Preflights older than this (relative to the actual's end) never match, and are expired. */
  readonly maxAgeMs: number
  /** True when a preflight with this id belongs to another request that is still in flight. */
  readonly isReserved?: (preflightId: string, claimerId: string) => boolean
}

export class PreflightPairer<P extends PreflightKey> {
  private readonly byTarget = new Map<string, P[]>()

  constructor(private readonly options: PairingOptions) {}

  add(preflight: P): void {
    const key = target(preflight.tabId, preflight.url)
    const list = this.byTarget.get(key)
    if (list) list.push(preflight)
    else this.byTarget.set(key, [preflight])
  }

  get size(): number {
    let n = 0
    for (const list of this.byTarget.values()) n += list.length
    return n
  }

  /** Finds, removes and returns the actual request's preflight, or undefined when none fits. */
  claim(actual: ActualKey): P | undefined {
    const key = target(actual.tabId, actual.url)
    const list = this.byTarget.get(key)
    if (!list) return undefined
    const fits = list.filter((p) => this.fits(p, actual))
    const chosen = this.choose(fits, actual)
    if (!chosen) return undefined
    list.splice(list.indexOf(chosen), 1)
    if (list.length === 0) this.byTarget.delete(key)
    return chosen
  }

  /** Drops preflights that nobody claimed in time (their request was cached, same-tab noise, …). */
  expire(now: number): P[] {
    const dropped: P[] = []
    for (const [key, list] of this.byTarget) {
      const keep = list.filter((p) => {
        const old = now - p.startedAt > this.options.maxAgeMs
        if (old) dropped.push(p)
        return !old
      })
      if (keep.length === 0) this.byTarget.delete(key)
      else if (keep.length !== list.length) this.byTarget.set(key, keep)
    }
    return dropped
  }

  /** Drops every preflight of a tab (navigation, tab closed). */
  dropTab(tabId: number): void {
    const prefix = `${tabId} `
    for (const key of this.byTarget.keys()) if (key.startsWith(prefix)) this.byTarget.delete(key)
  }

  private fits(p: PreflightKey, a: ActualKey): boolean {
    if (p.requestMethod !== null && p.requestMethod !== a.method) {
      if (p.requestMethod.toUpperCase() !== a.method.toUpperCase()) return false
    }
    if (p.startedAt > a.endedAt || a.endedAt - p.startedAt > this.options.maxAgeMs) return false
    // Both browsers number requests in creation order, and a preflight is created after its request.
    const pid = numericId(p.id)
    const aid = numericId(a.id)
    if (pid !== null && aid !== null && pid <= aid) return false
    if (a.sentAt !== null) {
      if (this.options.order === 'preflight-first' ? p.startedAt > a.sentAt : p.startedAt < a.sentAt)
        return false
    }
    if (a.sentHeaderNames) {
      for (const name of p.requestHeaderNames) {
        if (!a.sentHeaderNames.has(name) && !this.options.hiddenRequestHeaders.has(name)) return false
      }
    }
    return true
  }

  private choose(fits: readonly P[], a: ActualKey): P | undefined {
    const actualId = numericId(a.id)
    const isNext = (p: P): boolean => actualId !== null && numericId(p.id) === actualId + 1
    const next = fits.find(isNext)
    if (next) return next
    const free = fits.filter((p) => !this.options.isReserved?.(p.id, a.id))
    let best: P | undefined
    let bestId = Number.POSITIVE_INFINITY
    for (const p of free) {
      const id = numericId(p.id)
      if (id !== null && id < bestId) {
        best = p
        bestId = id
      }
    }
    if (best) return best
    let oldest: P | undefined
    for (const p of free) if (!oldest || p.startedAt < oldest.startedAt) oldest = p
    return oldest
  }
}

function target(tabId: number, url: string): string {
  return `${tabId} ${url}`
}

function numericId(id: string): number | null {
  const n = Number(id)
  return Number.isSafeInteger(n) ? n : null
}
