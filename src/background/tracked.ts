/**
 * What capture keeps per request while it is in flight: the webRequest events' own arrays, held by
 * reference (no copies on the hot path). Turned into an Exchange only once the request has ended.
 */
import { splitHeaderList } from '../core/verdict.ts'

/** A header as webRequest delivers it: `binaryValue` instead of `value` when the bytes are not UTF-8. */
export interface RawHeader {
  readonly name: string
  readonly value?: string
  readonly binaryValue?: ArrayLike<number>
}

export interface RawResponse {
  readonly status: number
  readonly statusLine: string
  readonly headers: readonly RawHeader[]
}

/** One HTTP request of a (possibly redirected) web request. */
export interface Hop {
  readonly url: string
  readonly method: string
  /** As sent (onSendHeaders); null when this hop was not observed being sent. */
  readonly requestHeaders: readonly RawHeader[] | null
  /** webRequest timeStamp of onSendHeaders, null when not observed. */
  readonly sentAt: number | null
  response: RawResponse | null
}

export type End = { readonly kind: 'ok' } | { readonly kind: 'error'; readonly error: string }

export interface TrackedRequest {
  readonly id: string
  readonly tabId: number
  readonly type: string
  readonly initiator: string
  /** webRequest timeStamp (ms since the epoch) of the first event seen. */
  readonly startedAt: number
  readonly hops: Hop[]
  end: End | null
  endedAt: number
  /** The server address the browser used (webRequest `ip` on the ending event), when it gave one. */
  ip?: string
}

export interface TrackedPreflight {
  readonly id: string
  readonly tabId: number
  readonly url: string
  readonly initiator: string
  readonly startedAt: number
  readonly requestHeaders: readonly RawHeader[]
  /** Access-Control-Request-Method; null when unknown (a preflight seen only by its error). */
  readonly requestMethod: string | null
  /** Access-Control-Request-Headers, split and lower-cased. */
  readonly requestHeaderNames: readonly string[]
  response: RawResponse | null
  end: End | null
}

/** Lower-cased lookup of a raw header's text value (only UTF-8 values; used for ACRM/ACRH/Origin). */
export function rawHeaderValue(headers: readonly RawHeader[], lowerName: string): string | null {
  for (const h of headers) {
    if (h.name.length === lowerName.length && h.name.toLowerCase() === lowerName) return h.value ?? null
  }
  return null
}

/** Access-Control-Request-Headers as names: the engine's one list rule, lower-cased. */
export function splitHeaderNames(value: string | null): string[] {
  return splitHeaderList(value).map((name) => name.toLowerCase())
}
