/**
 * Chromium: what one page's requests did, from the DevTools protocol's Network domain, without intercepting
 * anything (the same events test/harness/cdp.ts turns into the differential oracle). The raw response head
 * (responseReceivedExtraInfo.headersText) is the only place where duplicate header lines stay separate;
 * loadingFailed.corsErrorStatus is the browser's own verdict; preflights arrive as requests whose initiator
 * names the request they were for.
 */
import type { Exchange, HeaderLine, Preflight, Redirect, ResponseSide } from '../core/index.ts'
import { linesNamed, parseHeadersText, parseStatusLine } from '../core/index.ts'

// The fields read here, typed locally: the package's types must not depend on devtools-protocol.
type Headers = Record<string, string>
interface CdpRequest {
  readonly url: string
  readonly method: string
}
interface CdpResponse {
  readonly status: number
  readonly statusText?: string
  readonly headers: Headers
}
export interface RequestWillBeSent {
  readonly requestId: string
  readonly request: CdpRequest
  readonly documentURL?: string
  readonly type?: string
  readonly initiator: { readonly type: string; readonly requestId?: string }
  readonly redirectResponse?: CdpResponse
  readonly wallTime?: number
}
export interface RequestExtra {
  readonly requestId: string
  readonly headers: Headers
}
export interface ResponseExtra {
  readonly requestId: string
  readonly statusCode: number
  readonly headers: Headers
  readonly headersText?: string
}
export interface ResponseReceived {
  readonly requestId: string
  readonly response: CdpResponse
}
export interface LoadingFailed {
  readonly requestId: string
  readonly errorText: string
  readonly corsErrorStatus?: { readonly corsError: string; readonly failedParameter: string }
}

/** The part of a Playwright CDPSession used here. */
export interface CdpSessionLike {
  on(event: string, listener: (payload: never) => void): unknown
  send(method: 'Network.enable'): Promise<unknown>
}

interface Rec {
  readonly id: string
  readonly hops: RequestWillBeSent[]
  readonly sentExtra: RequestExtra[]
  readonly receivedExtra: ResponseExtra[]
  received?: ResponseReceived
  failed?: LoadingFailed
  finished: boolean
  /** Wall-clock start, epoch ms. */
  startedAt: number
}

/** One page's requests at most: a test that makes more is summarised, not held whole in memory. */
export const MAX_REQUESTS = 5_000

/** What the browser said of one request, beside the Exchange the engine judges. */
export interface BrowserVerdict {
  /** loadingFailed.corsErrorStatus.corsError: Chromium's CorsError without the k; null when CORS let it through. */
  readonly corsError: string | null
  readonly failedParameter: string | null
}

export interface Observed {
  readonly exchange: Exchange
  readonly browser: BrowserVerdict
  readonly startedAt: number
}

/** CDP's header objects join repeated lines with "\n"; split them back into lines. */
function headerLines(headers: Headers): HeaderLine[] {
  const out: HeaderLine[] = []
  for (const [name, value] of Object.entries(headers))
    for (const v of String(value).split('\n')) out.push({ name, value: v })
  return out
}

function responseFrom(extra: ResponseExtra | undefined, fallback?: CdpResponse): ResponseSide | undefined {
  if (extra?.headersText) {
    const { statusLine, headers } = parseHeadersText(extra.headersText)
    // The engine's own status-line reader: linear, where a regex over a server's text need not be.
    const statusText = parseStatusLine(statusLine)?.text
    return { status: extra.statusCode, ...(statusText ? { statusText } : {}), headers }
  }
  if (extra) return { status: extra.statusCode, headers: headerLines(extra.headers) }
  if (fallback)
    return {
      status: fallback.status,
      ...(fallback.statusText ? { statusText: fallback.statusText } : {}),
      headers: headerLines(fallback.headers),
    }
  return undefined
}

const locationOf = (headers: readonly HeaderLine[]): string => linesNamed(headers, 'location')[0]?.value ?? ''

function originOf(url: string | undefined): string | null {
  if (!url) return null
  try {
    const o = new URL(url).origin
    return o === 'null' ? null : o
  } catch {
    return null
  }
}

const isHttp = (url: string): boolean => /^https?:/i.test(url)

export class CdpRecorder {
  private readonly recs = new Map<string, Rec>()
  /** Preflight request id → the request it was for. */
  private readonly preflightFor = new Map<string, string>()
  /** Request id → its last preflight's id. */
  private readonly lastPreflight = new Map<string, string>()
  private lastEventAt = Date.now()
  /** Requests seen beyond MAX_REQUESTS (not recorded). */
  dropped = 0

  constructor(private readonly pageUrl: () => string) {}

  async attach(session: CdpSessionLike): Promise<void> {
    const on = <T>(event: string, f: (p: T) => void): void => {
      session.on(event, ((p: T) => {
        this.lastEventAt = Date.now()
        f(p)
      }) as (payload: never) => void)
    }
    on<RequestWillBeSent>('Network.requestWillBeSent', (p) => {
      if (p.initiator.type === 'preflight' && p.initiator.requestId) {
        this.preflightFor.set(p.requestId, p.initiator.requestId)
        this.lastPreflight.set(p.initiator.requestId, p.requestId)
      }
      const r = this.rec(p.requestId)
      if (!r) return
      if (r.hops.length === 0 && p.wallTime) r.startedAt = Math.round(p.wallTime * 1000)
      r.hops.push(p)
    })
    on<RequestExtra>('Network.requestWillBeSentExtraInfo', (p) => this.rec(p.requestId)?.sentExtra.push(p))
    on<ResponseExtra>('Network.responseReceivedExtraInfo', (p) =>
      this.rec(p.requestId)?.receivedExtra.push(p),
    )
    on<ResponseReceived>('Network.responseReceived', (p) => {
      const r = this.rec(p.requestId)
      if (r) r.received = p
    })
    on<LoadingFailed>('Network.loadingFailed', (p) => {
      const r = this.rec(p.requestId)
      if (r) r.failed = p
    })
    on<{ requestId: string }>('Network.loadingFinished', (p) => {
      const r = this.rec(p.requestId)
      if (r) r.finished = true
    })
    await session.send('Network.enable')
  }

  private rec(id: string): Rec | undefined {
    let r = this.recs.get(id)
    if (r) return r
    if (this.recs.size >= MAX_REQUESTS) {
      this.dropped++
      return undefined
    }
    r = { id, hops: [], sentExtra: [], receivedExtra: [], finished: false, startedAt: Date.now() }
    this.recs.set(id, r)
    return r
  }

  private ended(r: Rec): boolean {
    return r.finished || r.failed !== undefined
  }

  /** The page's own requests: not preflights, not documents (navigations are not CORS). */
  private actual(): Rec[] {
    return [...this.recs.values()].filter((r) => {
      const first = r.hops[0]
      return (
        first !== undefined &&
        first.initiator.type !== 'preflight' &&
        !this.preflightFor.has(r.id) &&
        first.type !== 'Document' &&
        isHttp(first.request.url)
      )
    })
  }

  /**
   * Until every request has ended and the stream has been quiet a moment (the ExtraInfo events with the
   * raw header lines may come after loadingFailed), or the deadline: a request still open then (a stream,
   * a long poll) is left out.
   */
  async settle({ quietMs = 150, timeoutMs = 3_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const open = this.actual().some((r) => !this.ended(r))
      if (!open && Date.now() - this.lastEventAt >= quietMs) return
      if (Date.now() > deadline) return
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  /** Every cross-origin request that has ended, as the engine's Exchange, with Chromium's own verdict. */
  observed(): Observed[] {
    const out: Observed[] = []
    for (const r of this.actual()) {
      if (!this.ended(r)) continue
      const x = this.exchange(r)
      if (!x) continue
      const origin = x.initiator
      const urls = [x.request.url, ...(x.redirects ?? []).map((h) => h.fromUrl)]
      if (origin && urls.every((u) => originOf(u) === origin)) continue
      out.push({
        exchange: x,
        browser: {
          corsError: r.failed?.corsErrorStatus?.corsError ?? null,
          failedParameter: r.failed?.corsErrorStatus?.failedParameter ?? null,
        },
        startedAt: r.startedAt,
      })
    }
    return out
  }

  private exchange(r: Rec): Exchange | null {
    const { hops } = r
    const first = hops[0]
    const last = hops[hops.length - 1]
    if (!first || !last) return null
    const redirects: Redirect[] = []
    for (let i = 1; i < hops.length; i++) {
      const prev = hops[i - 1]
      const resp = responseFrom(r.receivedExtra[i - 1], hops[i]?.redirectResponse)
      if (!prev || !resp) continue
      redirects.push({
        fromUrl: prev.request.url,
        status: resp.status,
        headers: resp.headers,
        location: locationOf(resp.headers),
      })
    }
    let response = responseFrom(r.receivedExtra[hops.length - 1], r.received?.response)
    if (
      response &&
      r.failed &&
      response.status >= 300 &&
      response.status < 400 &&
      locationOf(response.headers)
    ) {
      // A redirect the browser refused to follow: it is a redirect, not the response.
      redirects.push({
        fromUrl: last.request.url,
        status: response.status,
        headers: response.headers,
        location: locationOf(response.headers),
      })
      response = undefined
    }
    const sentExtra = r.sentExtra[hops.length - 1]
    const preflight = this.preflightOf(r.id)
    return {
      initiator: originOf(first.documentURL) ?? originOf(this.pageUrl()),
      request: {
        method: last.request.method,
        url: last.request.url,
        headers: sentExtra ? headerLines(sentExtra.headers) : [],
      },
      ...(preflight ? { preflight } : {}),
      ...(redirects.length ? { redirects } : {}),
      ...(response ? { response } : {}),
      outcome: r.failed ? { kind: 'error', error: r.failed.errorText } : { kind: 'ok' },
      browser: 'chromium',
      ...(first.type === 'Fetch'
        ? { api: 'fetch' as const }
        : first.type === 'XHR'
          ? { api: 'xhr' as const }
          : {}),
    }
  }

  private preflightOf(requestId: string): Preflight | undefined {
    const id = this.lastPreflight.get(requestId)
    const r = id === undefined ? undefined : this.recs.get(id)
    const sent = r?.hops[0]
    if (!r || !sent) return undefined
    const response = responseFrom(r.receivedExtra[0], r.received?.response)
    const extra = r.sentExtra[0]
    return {
      request: {
        method: sent.request.method,
        url: sent.request.url,
        headers: extra ? headerLines(extra.headers) : [],
      },
      ...(response ? { response } : {}),
      ...(r.failed ? { error: r.failed.errorText } : {}),
    }
  }
}
