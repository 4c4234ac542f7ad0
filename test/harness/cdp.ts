/**
 * The CDP oracle and observer. Chromium reports, for each request its CORS check refused, the CorsError it
 * found (Network.loadingFailed.corsErrorStatus): that is the oracle the engine is tested against. The same
 * CDP stream also shows what went over the wire — raw request and response header lines, the preflight,
 * redirects, the net error — and from that alone we build the engine's input (an Exchange). The scenario's
 * script and the credentials mode never go into the Exchange: the engine must judge from what a capture
 * could see, like the extension does.
 */

import type { Protocol } from 'devtools-protocol'
import type { CDPSession, Page } from 'playwright-core'
import type { Exchange, Preflight, Redirect, ResponseSide } from '../../src/core/exchange.ts'
import { type HeaderLine, linesNamed, parseHeadersText } from '../../src/core/headers.ts'
import type { Scenario } from '../lab/scenario.ts'
import type { Lab } from '../lab/server.ts'

export interface Oracle {
  /** CDP corsErrorStatus.corsError (Chromium's CorsError without the k), null when CORS did not refuse it. */
  readonly corsError: string | null
  readonly failedParameter: string | null
  /** loadingFailed.errorText (net::ERR_FAILED for CORS failures), null when the request finished. */
  readonly errorText: string | null
}

export interface Observed {
  readonly requestId: string
  /** The URL the page asked for (before redirects). */
  readonly url: string
  readonly oracle: Oracle
  readonly exchange: Exchange
}

type Event =
  | { readonly kind: 'sent'; readonly p: Protocol.Network.RequestWillBeSentEvent }
  | { readonly kind: 'sentExtra'; readonly p: Protocol.Network.RequestWillBeSentExtraInfoEvent }
  | { readonly kind: 'receivedExtra'; readonly p: Protocol.Network.ResponseReceivedExtraInfoEvent }
  | { readonly kind: 'received'; readonly p: Protocol.Network.ResponseReceivedEvent }
  | { readonly kind: 'failed'; readonly p: Protocol.Network.LoadingFailedEvent }
  | { readonly kind: 'finished'; readonly p: Protocol.Network.LoadingFinishedEvent }

/** CDP's header objects join repeated lines with "\n"; split them back into lines. */
export function headerObjectToLines(headers: Protocol.Network.Headers): HeaderLine[] {
  const out: HeaderLine[] = []
  for (const [name, value] of Object.entries(headers)) {
    for (const v of String(value).split('\n')) out.push({ name, value: v })
  }
  return out
}

function responseFrom(
  extra: Protocol.Network.ResponseReceivedExtraInfoEvent | undefined,
  fallback?: Protocol.Network.Response,
): ResponseSide | undefined {
  if (extra?.headersText) {
    // headersText is the verbatim HTTP/1.x head: the only place where duplicate lines stay separate.
    const { statusLine, headers } = parseHeadersText(extra.headersText)
    const statusText = /^\S+\s+\d{3}\s*(.*)$/.exec(statusLine)?.[1]
    return { status: extra.statusCode, ...(statusText ? { statusText } : {}), headers }
  }
  if (extra) return { status: extra.statusCode, headers: headerObjectToLines(extra.headers) }
  if (fallback)
    return {
      status: fallback.status,
      ...(fallback.statusText ? { statusText: fallback.statusText } : {}),
      headers: headerObjectToLines(fallback.headers),
    }
  return undefined
}

const locationOf = (headers: readonly HeaderLine[]): string => linesNamed(headers, 'location')[0]?.value ?? ''
const isRedirectStatus = (s: number): boolean => s >= 300 && s < 400

/** Records one page's Network events; builds Exchanges and oracles for the requests it saw. */
export class NetworkObserver {
  private readonly events: Event[] = []
  private lastEventAt = Date.now()

  private constructor(
    private readonly page: Page,
    private readonly session: CDPSession,
  ) {}

  static async attach(page: Page): Promise<NetworkObserver> {
    const session = await page.context().newCDPSession(page)
    const o = new NetworkObserver(page, session)
    const push = (e: Event): void => {
      o.events.push(e)
      o.lastEventAt = Date.now()
    }
    session.on('Network.requestWillBeSent', (p) => push({ kind: 'sent', p }))
    session.on('Network.requestWillBeSentExtraInfo', (p) => push({ kind: 'sentExtra', p }))
    session.on('Network.responseReceivedExtraInfo', (p) => push({ kind: 'receivedExtra', p }))
    session.on('Network.responseReceived', (p) => push({ kind: 'received', p }))
    session.on('Network.loadingFailed', (p) => push({ kind: 'failed', p }))
    session.on('Network.loadingFinished', (p) => push({ kind: 'finished', p }))
    await session.send('Network.enable')
    return o
  }

  /** A position in the event log; `requestsSince(mark)` looks only at requests started after it. */
  mark(): number {
    return this.events.length
  }

  /** Ids of the page's own requests (not preflights, not documents unless asked) started after `mark`. */
  requestIdsSince(mark: number, { documents = false } = {}): string[] {
    const ids: string[] = []
    for (const e of this.events.slice(mark)) {
      if (e.kind !== 'sent' || e.p.redirectResponse || e.p.initiator.type === 'preflight') continue
      if (e.p.type === 'Document' && !documents) continue
      if (!ids.includes(e.p.requestId)) ids.push(e.p.requestId)
    }
    return ids
  }

  private ended(id: string): boolean {
    return this.events.some((e) => (e.kind === 'failed' || e.kind === 'finished') && e.p.requestId === id)
  }

  /**
   * Wait until every request started after `mark` has ended, then until the stream is quiet: the ExtraInfo
   * events (raw headers) may arrive after loadingFailed.
   */
  async settle(mark: number, { quietMs = 120, timeoutMs = 10_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const ids = this.requestIdsSince(mark)
      const done = ids.every((id) => this.ended(id))
      if (done && Date.now() - this.lastEventAt >= quietMs) return
      if (Date.now() > deadline)
        throw new Error(`CDP: requests ${ids.filter((id) => !this.ended(id)).join(', ')} did not end`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  oracle(requestId: string): Oracle {
    for (const e of this.events) {
      if (e.p.requestId !== requestId) continue
      if (e.kind === 'failed')
        return {
          corsError: e.p.corsErrorStatus?.corsError ?? null,
          failedParameter: e.p.corsErrorStatus ? e.p.corsErrorStatus.failedParameter : null,
          errorText: e.p.errorText,
        }
      if (e.kind === 'finished') return { corsError: null, failedParameter: null, errorText: null }
    }
    return { corsError: null, failedParameter: null, errorText: null }
  }

  /**
   * The Exchange for one request, from the wire only. `request` is the last hop as sent (after any
   * redirects; headers empty when it was never sent); `redirects` lists every redirect response, followed or
   * refused; `preflight` is the last preflight CDP linked to the request.
   */
  exchange(requestId: string): Exchange {
    const mine = this.events.filter((e) => e.p.requestId === requestId)
    const hops = mine.flatMap((e) => (e.kind === 'sent' ? [e.p] : []))
    const sentExtra = mine.flatMap((e) => (e.kind === 'sentExtra' ? [e.p] : []))
    const receivedExtra = mine.flatMap((e) => (e.kind === 'receivedExtra' ? [e.p] : []))
    const first = hops[0]
    if (!first) throw new Error(`CDP: no requestWillBeSent for ${requestId}`)

    // Hop i's response is the i-th responseReceivedExtraInfo, or hop i+1's redirectResponse.
    const redirects: Redirect[] = []
    for (let i = 1; i < hops.length; i++) {
      const prev = hops[i - 1]
      const r = responseFrom(receivedExtra[i - 1], hops[i]?.redirectResponse)
      if (!prev || !r) continue
      redirects.push({
        fromUrl: prev.request.url,
        status: r.status,
        headers: r.headers,
        location: locationOf(r.headers),
      })
    }
    const last = hops[hops.length - 1] ?? first
    let response = responseFrom(receivedExtra[hops.length - 1])
    const failed = mine.find((e) => e.kind === 'failed')
    if (response && failed && isRedirectStatus(response.status) && locationOf(response.headers)) {
      // A redirect the browser refused to follow: no further hop. It is a redirect, not the response.
      redirects.push({
        fromUrl: last.request.url,
        status: response.status,
        headers: response.headers,
        location: locationOf(response.headers),
      })
      response = undefined
    }
    const lastExtra = sentExtra[hops.length - 1]
    const outcome: Exchange['outcome'] =
      failed?.kind === 'failed'
        ? { kind: 'error', error: failed.p.errorText }
        : mine.some((e) => e.kind === 'finished')
          ? { kind: 'ok' }
          : { kind: 'unknown' }
    const preflight = this.preflightOf(requestId)
    return {
      initiator: this.initiator(first),
      request: {
        method: last.request.method,
        url: last.request.url,
        headers: lastExtra ? headerObjectToLines(lastExtra.headers) : [],
      },
      ...(preflight ? { preflight } : {}),
      ...(redirects.length ? { redirects } : {}),
      ...(response ? { response } : {}),
      outcome,
      browser: 'chromium',
    }
  }

  private initiator(sent: Protocol.Network.RequestWillBeSentEvent): string | null {
    const doc = sent.documentURL || this.page.url()
    try {
      const origin = new URL(doc).origin
      return origin === 'null' ? null : origin
    } catch {
      return null
    }
  }

  private preflightOf(requestId: string): Preflight | undefined {
    const ids = this.events.flatMap((e) =>
      e.kind === 'sent' && e.p.initiator.type === 'preflight' && e.p.initiator.requestId === requestId
        ? [e.p.requestId]
        : [],
    )
    const id = ids[ids.length - 1]
    if (id === undefined) return undefined
    const mine = this.events.filter((e) => e.p.requestId === id)
    const sent = mine.find((e) => e.kind === 'sent')
    if (sent?.kind !== 'sent') return undefined
    const sentExtra = mine.find((e) => e.kind === 'sentExtra')
    const receivedExtra = mine.find((e) => e.kind === 'receivedExtra')
    const received = mine.find((e) => e.kind === 'received')
    const failed = mine.find((e) => e.kind === 'failed')
    const response = responseFrom(
      receivedExtra?.kind === 'receivedExtra' ? receivedExtra.p : undefined,
      received?.kind === 'received' ? received.p.response : undefined,
    )
    return {
      request: {
        method: sent.p.request.method,
        url: sent.p.request.url,
        headers: sentExtra?.kind === 'sentExtra' ? headerObjectToLines(sentExtra.p.headers) : [],
      },
      ...(response ? { response } : {}),
      ...(failed?.kind === 'failed' ? { error: failed.p.errorText } : {}),
    }
  }

  observed(requestId: string): Observed {
    const sent = this.events.find((e) => e.kind === 'sent' && e.p.requestId === requestId)
    return {
      requestId,
      url: sent?.kind === 'sent' ? sent.p.request.url : '',
      oracle: this.oracle(requestId),
      exchange: this.exchange(requestId),
    }
  }

  async detach(): Promise<void> {
    await this.session.detach().catch(() => {})
  }
}

const observers = new WeakMap<Page, Promise<NetworkObserver>>()

/** One observer per page, attached on first use. */
export function observerFor(page: Page): Promise<NetworkObserver> {
  let o = observers.get(page)
  if (!o) {
    o = NetworkObserver.attach(page)
    observers.set(page, o)
  }
  return o
}

/**
 * Run a page action and report every request it started (not preflights): the oracle (corsErrorStatus)
 * and the wire-only Exchange, in start order. For e2e tests: `oracleFor(page, () => page.evaluate(...))`.
 */
export async function oracleFor(page: Page, run: () => Promise<unknown>): Promise<Observed[]> {
  const observer = await observerFor(page)
  const mark = observer.mark()
  await run()
  await observer.settle(mark)
  return observer.requestIdsSince(mark).map((id) => observer.observed(id))
}

export interface ScenarioRun {
  readonly oracle: Oracle
  readonly exchange: Exchange
  /** What the page's runScenario said: fetch resolved ('ok') or rejected ('failed'). */
  readonly pageResult: 'ok' | 'failed'
}

/**
 * Run one scenario on a page showing the runner (test/lab/runner.ts) and observe it. The scenario's request
 * is the one to its URL; other requests the page makes meanwhile are ignored.
 */
export async function observeScenario(page: Page, lab: Lab, scenario: Scenario): Promise<ScenarioRun> {
  const observer = await observerFor(page)
  const mark = observer.mark()
  const pageResult = await page.evaluate(
    (id) => (window as unknown as { runScenario(id: string): Promise<'ok' | 'failed'> }).runScenario(id),
    scenario.id,
  )
  await observer.settle(mark)
  const url = lab.scenarioUrl(scenario)
  // An <iframe> scenario's request is a (sub)document.
  const ids = observer.requestIdsSince(mark, { documents: scenario.fetch.via === 'iframe' })
  const id = ids.find((i) => observer.observed(i).url === url) ?? ids[0]
  if (id === undefined) throw new Error(`CDP saw no request for scenario ${scenario.id} (${url})`)
  const { oracle, exchange } = observer.observed(id)
  return { oracle, exchange, pageResult }
}
