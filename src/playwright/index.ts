/**
 * `cors-lens/playwright`: Playwright's `test`, extended so that a CORS block fails the test with the
 * engine's explanation (the verdict, which layer sent which header line, the recommended fix) instead of a
 * timeout or "Failed to fetch" far from the cause.
 *
 *   import { test, expect } from 'cors-lens/playwright'
 *   test.use({ corsLens: { mode: 'fail', allow: ['**\/known-broken/**'] } })
 *
 * Chromium is watched through the DevTools protocol (a CDP session per page, Network domain only: nothing
 * is intercepted); Firefox and WebKit through page events and the console (page-events.ts says what that
 * misses). Playwright's `route.fulfill` answers a request itself and adds CORS headers to it, and no
 * browser lets a preflight be routed: a cross-origin request a test fulfils never exercised CORS, and the
 * test is told so.
 */
import {
  type BrowserContext,
  test as base,
  type Page,
  type PlaywrightTestArgs,
  type PlaywrightTestOptions,
  type PlaywrightWorkerArgs,
  type PlaywrightWorkerOptions,
  type Request,
  type Route,
  type TestInfo,
  type TestType,
} from '@playwright/test'
import { escapeControls, safeLine } from '../cli/terminal.ts'
import { redactUrl } from '../core/index.ts'
import { CdpRecorder, type CdpSessionLike } from './cdp.ts'
import { PAGE_LIMITS, PageRecorder } from './page-events.ts'
import {
  type Block,
  blockedOf,
  blockSummary,
  failureMessage,
  harOf,
  type Report,
  type Seen,
} from './report.ts'

export { expect } from '@playwright/test'

// The package's public types are written out here, importing nothing of the engine, so that the published
// index.d.ts stands alone (vite.config.ts checks it); report.ts proves the engine's entries fit them.

/** A URL glob (`**` any text, `*` any text but `/`) or a RegExp, tested against the request's URLs. */
export type AllowRule = string | RegExp

export interface CorsHeader {
  readonly place: 'preflight-request' | 'preflight-response' | 'request' | 'redirect' | 'response'
  readonly name: string
  readonly value: string
}

/** One blocked request: the same fields as `cors-lens explain --json` (README, "The CLI"), plus the browser's word. */
export interface CorsBlock {
  readonly url: string
  readonly method: string
  readonly initiator: string | null
  readonly verdict: 'blocked' | 'at-risk' | 'ok' | 'not-cors' | 'unknown'
  readonly blocked: boolean
  /** The engine's CorsError (Chromium's name without the k), e.g. "MultipleAllowOriginValues". */
  readonly corsError: string | null
  readonly failedParameter: string | null
  readonly stage: 'preflight' | 'redirect' | 'response' | null
  readonly credentials: 'omit' | 'include' | 'unknown'
  readonly summary: string
  readonly consoleMessage: string | null
  readonly status: number | null
  readonly error: string | null
  readonly preflight: {
    readonly required: boolean
    readonly seen: boolean
    readonly probablyCached: boolean
    readonly status: number | null
  }
  readonly redirects: readonly { readonly from: string; readonly status: number; readonly location: string }[]
  readonly headers: readonly CorsHeader[]
  readonly findings: readonly {
    readonly code: string
    readonly severity: string
    readonly title: string
    readonly explanation: string
    readonly corsError: string | null
    readonly headers: readonly CorsHeader[]
  }[]
  readonly fixes: readonly {
    readonly stack: string
    readonly layer: string
    readonly recommended: boolean
    readonly title: string
    readonly why: string
    readonly snippet: string
    readonly requires: string | null
  }[]
  readonly attribution: {
    readonly culprit: 'proxy' | 'app' | 'both' | 'unknown'
    readonly confidence: 'high' | 'medium' | 'low'
    readonly proxy: string | null
    readonly app: string | null
    readonly evidence: readonly string[]
    readonly lines: readonly {
      readonly header: CorsHeader
      readonly layer: string
      readonly stack: string | null
      readonly confidence: 'high' | 'medium' | 'low'
      readonly evidence: string
    }[]
  } | null
  /** What the browser itself reported (Chromium: corsErrorStatus; Firefox: its console reason key), when known. */
  readonly browserCorsError: string | null
  /** The `allow` rule that matched, as written; null when none did (the test fails on it in mode 'fail'). */
  readonly allowedBy: string | null
}

/** A cross-origin request the test's own route.fulfill answered. */
export interface NotExercised {
  readonly url: string
  readonly method: string
  readonly initiator: string | null
  readonly message: string
}

/** The attached cors-lens-report.json. */
export interface CorsLensReport {
  readonly browser: string
  /** 'cdp': Chromium's Network domain (raw header lines, preflights, corsErrorStatus); 'page': page events and the console. */
  readonly capture: 'cdp' | 'page'
  /** What this capture cannot see, in words (null for CDP). */
  readonly limits: string | null
  readonly blocked: readonly CorsBlock[]
  readonly notExercised: readonly NotExercised[]
  /** Requests the recorder did not keep (over its bound). */
  readonly dropped: number
}

export interface CorsLensOptions {
  /** 'fail' (default): a CORS block not matched by `allow` fails the test. 'warn': annotations only. */
  readonly mode?: 'fail' | 'warn'
  /** Known failures: URL globs (`**` any text, `*` any text but `/`) or RegExps, tested against the request's URLs. */
  readonly allow?: readonly AllowRule[]
}

/**
 * The `cors` fixture: what this test's pages did. In Chromium the lists are live (what CDP reported so far;
 * `await cors.settle()` first to include requests still ending); in Firefox and WebKit they are as of the
 * last `settle()`.
 */
export interface CorsLens {
  /** CORS blocks the `allow` list does not expect. */
  readonly blocked: readonly CorsBlock[]
  /** CORS blocks the `allow` list expects. */
  readonly allowed: readonly CorsBlock[]
  /** Cross-origin requests the test's own `route.fulfill` answered (CORS was not exercised). */
  readonly notExercised: readonly NotExercised[]
  /** Waits until the pages' requests have ended (and their raw header lines arrived), then refreshes the lists. */
  settle(): Promise<void>
  report(): CorsLensReport
}

type Recorder = { kind: 'cdp'; rec: CdpRecorder } | { kind: 'page'; rec: PageRecorder }

class Watch implements CorsLens {
  private readonly pages = new Map<Page, Promise<Recorder | null>>()
  private readonly fulfilled: NotExercised[] = []
  private blocks: Block[] = []
  private records: Parameters<typeof harOf>[0] = []
  private dropped = 0
  private readonly patched = new WeakSet<object>()
  private readonly wrapped = new WeakMap<
    (...a: never[]) => unknown,
    (route: Route, request: Request) => unknown
  >()

  constructor(
    readonly browserName: string,
    private readonly allow: readonly AllowRule[],
  ) {}

  get blocked(): readonly CorsBlock[] {
    this.refresh()
    return this.blocks.filter((b) => b.allowedBy === null)
  }

  get allowed(): readonly CorsBlock[] {
    this.refresh()
    return this.blocks.filter((b) => b.allowedBy !== null)
  }

  get notExercised(): readonly NotExercised[] {
    return [...this.fulfilled]
  }

  private get capture(): 'cdp' | 'page' {
    return this.browserName === 'chromium' ? 'cdp' : 'page'
  }

  /** Starts watching a page: resolves once its requests are being recorded. */
  watch(page: Page): Promise<Recorder | null> {
    let p = this.pages.get(page)
    if (p) return p
    p = this.start(page)
    this.pages.set(page, p)
    this.patchRoutes(page)
    return p
  }

  private async start(page: Page): Promise<Recorder | null> {
    if (this.capture === 'page')
      return {
        kind: 'page',
        rec: new PageRecorder(page, this.browserName === 'firefox' ? 'firefox' : 'webkit'),
      }
    const rec = new CdpRecorder(() => page.url())
    try {
      const session = await page.context().newCDPSession(page)
      await rec.attach(session as unknown as CdpSessionLike)
      return { kind: 'cdp', rec }
    } catch {
      // A page closed before it could be watched: nothing of it to report.
      return null
    }
  }

  /**
   * Wraps route handlers so a `route.fulfill` of a cross-origin request is known: Playwright answers it
   * without a server and puts Access-Control-Allow-Origin on it itself.
   */
  patchRoutes(target: Page | BrowserContext): void {
    if (this.patched.has(target)) return
    this.patched.add(target)
    const route = target.route.bind(target) as (
      url: unknown,
      handler: unknown,
      options?: unknown,
    ) => Promise<unknown>
    const unroute = target.unroute.bind(target) as (url: unknown, handler?: unknown) => Promise<unknown>
    const patchedTarget = target as unknown as {
      route: (url: unknown, handler: unknown, options?: unknown) => Promise<unknown>
      unroute: (url: unknown, handler?: unknown) => Promise<unknown>
    }
    patchedTarget.route = (url, handler, options) => {
      if (typeof handler !== 'function') return route(url, handler, options)
      const original = handler as (route: Route, request: Request) => unknown
      let w = this.wrapped.get(original)
      if (!w) {
        w = (r: Route, request: Request) => {
          const fulfill = r.fulfill.bind(r)
          r.fulfill = (o) => {
            this.noteFulfilled(request, target)
            return fulfill(o)
          }
          return original(r, request)
        }
        this.wrapped.set(original, w)
      }
      return route(url, w, options)
    }
    patchedTarget.unroute = (url, handler) =>
      unroute(
        url,
        typeof handler === 'function' ? (this.wrapped.get(handler as () => unknown) ?? handler) : handler,
      )
  }

  private noteFulfilled(request: Request, target: Page | BrowserContext): void {
    if (this.fulfilled.length >= 1_000) return
    let from: string | null = null
    try {
      from = new URL(request.frame().url()).origin
    } catch {
      const page = 'url' in target ? target : null
      try {
        from = page ? new URL(page.url()).origin : null
      } catch {
        from = null
      }
    }
    const headerOrigin = request.headers().origin ?? null
    const initiator = from && from !== 'null' ? from : headerOrigin
    let to: string | null = null
    try {
      to = new URL(request.url()).origin
    } catch {
      to = null
    }
    if (!initiator || !to || initiator === to) return
    // What a page asked for is shown: secrets out of the URL, controls escaped (the one redaction and escaping).
    const url = redactUrl(request.url())
    this.fulfilled.push({
      url,
      method: request.method(),
      initiator,
      message: safeLine(
        `route.fulfill answered ${request.method()} ${url} (from ${initiator}): CORS was not exercised. ` +
          'Playwright adds Access-Control-Allow-Origin to fulfilled responses itself and no preflight is ever routed, ' +
          'so this passes whatever the real server sends; test it against the real server (or `cors-lens check` it).',
      ),
    })
  }

  async settle(): Promise<void> {
    const recs = (await Promise.all(this.pages.values())).filter((r): r is Recorder => r !== null)
    await Promise.all(recs.map((r) => r.rec.settle()))
    const seen: Seen[] = []
    this.dropped = 0
    for (const r of recs) {
      this.dropped += r.rec.dropped
      if (r.kind === 'cdp')
        for (const o of r.rec.observed())
          seen.push({ exchange: o.exchange, browserCorsError: o.browser.corsError, startedAt: o.startedAt })
      else seen.push(...(await r.rec.observed()))
    }
    this.apply(seen)
  }

  /** Synchronous refresh for the getters (Chromium: what CDP reported so far). */
  private refresh(): void {
    if (this.capture !== 'cdp') return
    const seen: Seen[] = []
    // Only pages already being recorded: the getters cannot wait.
    for (const r of this.ready)
      for (const o of r.observed())
        seen.push({ exchange: o.exchange, browserCorsError: o.browser.corsError, startedAt: o.startedAt })
    this.apply(seen)
  }

  private readonly ready: CdpRecorder[] = []

  noteReady(r: Recorder | null): void {
    if (r?.kind === 'cdp' && !this.ready.includes(r.rec)) this.ready.push(r.rec)
  }

  private apply(seen: readonly Seen[]): void {
    const { blocks, records } = blockedOf(seen, this.allow)
    this.blocks = blocks
    this.records = records
  }

  report(): Report {
    return {
      browser: this.browserName,
      capture: this.capture,
      limits: this.capture === 'page' ? PAGE_LIMITS : null,
      blocked: this.blocks,
      notExercised: [...this.fulfilled],
      dropped: this.dropped,
    }
  }

  har(): object {
    return harOf(this.records)
  }
}

async function finish(w: Watch, mode: 'fail' | 'warn', testInfo: TestInfo): Promise<void> {
  await w.settle()
  const report = w.report()
  for (const n of report.notExercised)
    testInfo.annotations.push({ type: 'cors-lens: not exercised', description: n.message })
  for (const b of report.blocked)
    if (b.allowedBy !== null)
      testInfo.annotations.push({
        type: 'cors-lens: allowed',
        description: `${blockSummary(b)} (allowed by ${b.allowedBy})`,
      })
  if (report.blocked.length || report.notExercised.length) {
    await testInfo.attach('cors-lens-report.json', {
      body: escapeControls(JSON.stringify(report, null, 2), 'json'),
      contentType: 'application/json',
    })
  }
  if (report.blocked.length)
    await testInfo.attach('cors-lens.har', {
      body: escapeControls(JSON.stringify(w.har(), null, 2), 'json'),
      contentType: 'application/json',
    })
  const failing = report.blocked.filter((b) => b.allowedBy === null)
  if (!failing.length) return
  if (mode === 'warn') {
    for (const b of failing)
      testInfo.annotations.push({ type: 'cors-lens: blocked', description: blockSummary(b) })
    return
  }
  throw new CorsLensError(failureMessage(report))
}

/** The error a CORS block fails a test with (mode 'fail'). */
export class CorsLensError extends Error {
  override name: string = 'CorsLensError'
}

/** The fixtures this package adds: the `corsLens` option and the `cors` fixture. */
export interface CorsLensFixtures {
  corsLens: CorsLensOptions
  cors: CorsLens
}

export const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & CorsLensFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions
> = base.extend<CorsLensFixtures>({
  corsLens: [{ mode: 'fail', allow: [] }, { option: true }],
  cors: [
    async ({ context, corsLens, browserName }, use, testInfo) => {
      const w = new Watch(browserName, corsLens.allow ?? [])
      w.patchRoutes(context)
      const onPage = (page: Page): void => {
        void w.watch(page).then((r) => w.noteReady(r))
      }
      for (const page of context.pages()) onPage(page)
      context.on('page', onPage)
      await use(w)
      context.off('page', onPage)
      await finish(w, corsLens.mode ?? 'fail', testInfo)
    },
    { auto: true },
  ],
  // The test's page is watched before the test can use it (a page opened later is watched from its 'page' event).
  page: async ({ page, cors }, use) => {
    if (cors instanceof Watch) cors.noteReady(await cors.watch(page))
    await use(page)
  },
})
