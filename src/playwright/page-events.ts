/**
 * Firefox and WebKit: no CDP, so what the page's own events say (Playwright's request, response and
 * requestfailed, with the header lines they expose) and the browser's console line for each CORS block
 * (Firefox: "Cross-Origin Request Blocked: … (Reason: …)"). Less than Chromium's: no preflight is
 * visible, no raw response head (Playwright's header list may merge duplicate lines), and the browser
 * states its verdict only as console text.
 */
import type { ConsoleMessage, Page, Request, Response } from '@playwright/test'
import { type Exchange, firefoxReasonKey, type HeaderLine } from '../core/index.ts'
import { MAX_REQUESTS } from './cdp.ts'
import type { Seen } from './report.ts'

export const PAGE_LIMITS =
  'Firefox/WebKit capture: from page events and the console, not the DevTools protocol — preflights are not ' +
  'seen, duplicate header lines may be merged, and the CorsError is inferred from the headers (Chromium names it)'

const BLOCKED =
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at '

/** Firefox's console line → the URL it names and its reason key (linear: indexOf and slices). */
export function parseFirefoxBlock(text: string): { url: string; reason: string } | null {
  const start = text.indexOf(BLOCKED)
  if (start < 0) return null
  const rest = text.slice(start + BLOCKED.length, start + BLOCKED.length + 20_000)
  const at = rest.indexOf('. (Reason: ')
  if (at < 0) return null
  let url = rest.slice(0, at)
  if (url.startsWith('‘') && url.endsWith('’')) url = url.slice(1, -1)
  const after = rest.slice(at + '. (Reason: '.length)
  const end = after.lastIndexOf(').')
  const reason = end < 0 ? after : after.slice(0, end)
  return { url, reason: firefoxReasonKey(reason) ?? reason }
}

interface Rec {
  readonly request: Request
  readonly startedAt: number
  headers?: Promise<HeaderLine[]>
  response?: Promise<{ status: number; statusText: string; headers: HeaderLine[] } | null>
  error?: string
  done: boolean
}

function originOf(url: string): string | null {
  try {
    const o = new URL(url).origin
    return o === 'null' ? null : o
  } catch {
    return null
  }
}

const lines = (list: readonly { name: string; value: string }[]): HeaderLine[] =>
  list.map((h) => ({ name: h.name, value: h.value }))

export class PageRecorder {
  private readonly recs: Rec[] = []
  private readonly consoleBlocks = new Map<string, string>()
  dropped = 0

  constructor(
    private readonly page: Page,
    private readonly browser: 'firefox' | 'webkit',
  ) {
    page.on('request', (request) => {
      if (request.redirectedFrom()) return
      if (!/^https?:/i.test(request.url()) || request.resourceType() === 'document') return
      if (this.recs.length >= MAX_REQUESTS) {
        this.dropped++
        return
      }
      this.recs.push({
        request,
        startedAt: Date.now(),
        headers: request.headersArray().then(lines, () => []),
        done: false,
      })
    })
    const end = (request: Request, response: Response | null, error?: string): void => {
      let first = request
      for (let r = request.redirectedFrom(); r; r = r.redirectedFrom()) first = r
      const rec = this.recs.find((x) => x.request === first)
      if (!rec) return
      rec.done = true
      if (error !== undefined) rec.error = error
      if (response)
        rec.response = response.headersArray().then(
          (h) => ({ status: response.status(), statusText: response.statusText(), headers: lines(h) }),
          () => null,
        )
    }
    page.on('requestfailed', (request) => {
      end(request, null, request.failure()?.errorText ?? 'failed')
    })
    page.on('requestfinished', (request) => {
      void request.response().then(
        (r) => end(request, r),
        () => end(request, null),
      )
    })
    page.on('console', (msg: ConsoleMessage) => {
      if (this.consoleBlocks.size >= MAX_REQUESTS) return
      const block = parseFirefoxBlock(msg.text())
      if (block) this.consoleBlocks.set(block.url, block.reason)
    })
  }

  async settle({ timeoutMs = 3_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.recs.some((r) => !r.done) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25))
    // The console line comes after requestfailed.
    await new Promise((r) => setTimeout(r, 150))
  }

  async observed(): Promise<Seen[]> {
    const out: Seen[] = []
    const pageOrigin = originOf(this.page.url())
    for (const rec of this.recs) {
      if (!rec.done) continue
      const url = rec.request.url()
      let frameUrl = ''
      try {
        frameUrl = rec.request.frame().url()
      } catch {
        // A service worker's request has no frame: the page's origin stands for it.
      }
      const origin = originOf(frameUrl) ?? pageOrigin
      if (origin && originOf(url) === origin) continue
      const response = (await rec.response) ?? null
      const reason = this.consoleBlocks.get(url) ?? null
      const x: Exchange = {
        initiator: origin,
        request: { method: rec.request.method(), url, headers: (await rec.headers) ?? [] },
        ...(response ? { response } : {}),
        outcome: rec.error !== undefined ? { kind: 'error', error: rec.error } : { kind: 'ok' },
        ...(this.browser === 'firefox' ? { browser: 'firefox' as const } : {}),
      }
      out.push({ exchange: x, browserCorsError: reason, startedAt: rec.startedAt })
    }
    return out
  }
}
