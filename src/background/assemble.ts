/**
 * Turns one ended request (and its paired preflight) into the engine's Exchange, plus the capture notes the
 * panel shows. Pure: it only reads what capture recorded. Follows the CDP harness's convention: `request` is
 * the last hop as sent (or, when its own preflight stopped it, the hop that was never sent, without header
 * lines; `preflight` is then that hop's), `redirects` lists every redirect response (followed or refused).
 */
import {
  type Exchange,
  type HeaderLine,
  isRedirectStatus,
  type Preflight,
  parseStatusLine,
  type Redirect,
  type ResponseSide,
} from '../core/verdict.ts'
import { isOutcomeOnlyType } from '../platform/index.ts'
import type { RawHeader, RawResponse, TrackedPreflight, TrackedRequest } from './tracked.ts'

export const NOTES = {
  headersFromPreflight:
    "The request was stopped by its preflight and never sent: its header names come from the preflight's Access-Control-Request-Headers (values unknown).",
  headersNotSeen: 'The browser reported only how this request ended; its headers were not seen.',
  preflightResultNotSeen:
    "The preflight's outcome was not seen (it had not finished when the request ended).",
  binaryHeader: 'A header value was not valid UTF-8; it is shown byte for byte (as Latin-1).',
} as const

export interface Assembled {
  readonly exchange: Exchange
  readonly notes: string[]
}

export function assemble(
  req: TrackedRequest,
  preflight: TrackedPreflight | null,
  browser: 'chromium' | 'firefox',
): Assembled {
  const notes: string[] = []
  const decoder = { binary: false }
  const hops = req.hops
  const last = hops[hops.length - 1]
  const redirects: Redirect[] = []
  for (let i = 0; i < hops.length - 1; i++) {
    const hop = hops[i]
    if (hop?.response) redirects.push(redirectOf(hop.url, hop.response, decoder))
  }
  let response = last?.response ? responseOf(last.response, decoder) : undefined
  if (
    response &&
    req.end?.kind === 'error' &&
    isRedirectStatus(response.status) &&
    locationOf(response.headers)
  ) {
    // A redirect the browser refused to follow: it is a redirect, not the response.
    redirects.push({
      fromUrl: last?.url ?? '',
      status: response.status,
      headers: response.headers,
      location: locationOf(response.headers),
    })
    response = undefined
  }

  let requestHeaders: HeaderLine[]
  if (last?.requestHeaders) requestHeaders = lines(last.requestHeaders, decoder)
  else if (preflight && preflight.requestHeaderNames.length > 0) {
    // Never invent header lines: the engine reads the names from the preflight's Access-Control-Request-Headers.
    requestHeaders = []
    notes.push(NOTES.headersFromPreflight)
  } else {
    requestHeaders = []
    notes.push(preflight ? NOTES.headersFromPreflight : NOTES.headersNotSeen)
  }

  let pf: Preflight | undefined
  if (preflight) {
    pf = {
      request: { method: 'OPTIONS', url: preflight.url, headers: lines(preflight.requestHeaders, decoder) },
      ...(preflight.response ? { response: responseOf(preflight.response, decoder) } : {}),
      ...(preflight.end?.kind === 'error' ? { error: preflight.end.error } : {}),
    }
    if (!preflight.end && !preflight.response) notes.push(NOTES.preflightResultNotSeen)
  }
  if (decoder.binary) notes.push(NOTES.binaryHeader)

  const exchange: Exchange = {
    initiator: req.initiator,
    request: { method: last?.method ?? 'GET', url: last?.url ?? '', headers: requestHeaders },
    ...(pf ? { preflight: pf } : {}),
    ...(redirects.length > 0 ? { redirects } : {}),
    ...(response ? { response } : {}),
    outcome: req.end ?? { kind: 'unknown' },
    ...(req.ip ? { remoteAddress: req.ip } : {}),
    ...(isOutcomeOnlyType(req.type) ? { observed: 'outcome-only' as const } : {}),
    ...(req.type === 'websocket' ? { api: 'websocket' as const } : {}),
    browser,
  }
  return { exchange, notes }
}

function redirectOf(fromUrl: string, r: RawResponse, decoder: { binary: boolean }): Redirect {
  const headers = lines(r.headers, decoder)
  return { fromUrl, status: r.status, headers, location: locationOf(headers) }
}

function responseOf(r: RawResponse, decoder: { binary: boolean }): ResponseSide {
  const statusText = parseStatusLine(r.statusLine)?.text
  return { status: r.status, ...(statusText ? { statusText } : {}), headers: lines(r.headers, decoder) }
}

function locationOf(headers: readonly HeaderLine[]): string {
  return headers.find((h) => h.name.toLowerCase() === 'location')?.value ?? ''
}

/** Header lines in wire order, duplicates kept; `binaryValue` bytes decoded one byte per character. */
export function lines(raw: readonly RawHeader[], decoder: { binary: boolean }): HeaderLine[] {
  const out: HeaderLine[] = []
  for (const h of raw) {
    if (typeof h?.name !== 'string') continue
    if (typeof h.value === 'string') out.push({ name: h.name, value: h.value })
    else if (h.binaryValue) {
      decoder.binary = true
      out.push({ name: h.name, value: isomorphicDecode(h.binaryValue) })
    } else out.push({ name: h.name, value: '' })
  }
  return out
}

/** Fetch's "isomorphic decode": each byte becomes the code point of the same number. Lossless. */
export function isomorphicDecode(bytes: ArrayLike<number>): string {
  let s = ''
  const n = Math.min(bytes.length, 1 << 20)
  for (let i = 0; i < n; i += 4096) {
    const chunk: number[] = []
    for (let j = i; j < Math.min(n, i + 4096); j++) chunk.push((bytes[j] ?? 0) & 0xff)
    s += String.fromCharCode(...chunk)
  }
  return s
}
