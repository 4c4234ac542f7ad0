/**
 * What lint's nginx e2e tests share: one lab and one Chromium per test file, a case started in the lab's
 * real nginx in front of the lab's Express app and linted as rendered (the file nginx ran is the file
 * lint read), and a fetch from a page on any origin, judged by the CorsError CDP reports.
 */
import { type Browser, type BrowserContext, chromium } from 'playwright-core'
import { expect } from 'vitest'
import { type LintFinding, lint } from '../../src/core/lint/index.ts'
import { caseSlots, type NginxCase } from '../core/lint/fixtures/nginx-cases.ts'
import { oracleFor } from '../harness/cdp.ts'
import { BASE_FLAGS, findChromium } from '../harness/chromium.ts'
import { type Lab, startLab } from '../lab/server.ts'
import { type RunningStack, startStack } from '../lab/stacks/stack.ts'

/**
 * Pages of another site, served by the lab's page server under names only this browser resolves: an
 * attacker's site, one a loose `^http://app.example` lets in, one a `^http://.*app\.test` lets in.
 */
export const EVIL_HOSTS = ['evil.test', 'app.example.evil.test', 'evilapp.test'] as const

export interface NginxLab {
  readonly lab: Lab
  readonly browser: Browser
  /** http://app.test:PORT: the page lint's cases allow. */
  readonly page: string
  /** The same page server under another host name: http://HOST:PORT. */
  originOn(host: string): string
  close(): Promise<void>
}

export async function openNginxLab(): Promise<NginxLab> {
  const lab = await startLab({ scenarios: [] })
  const executablePath = findChromium()
  if (!executablePath) throw new Error('No Chromium: run `npm run setup`.')
  const rules = [lab.hostResolverRules, ...EVIL_HOSTS.map((h) => `MAP ${h} 127.0.0.1`)].join(', ')
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [...BASE_FLAGS, `--host-resolver-rules=${rules}`],
  })
  const port = new URL(lab.pageOrigin).port
  return {
    lab,
    browser,
    page: lab.pageOrigin,
    originOn: (host) => `http://${host}:${port}`,
    async close() {
      await browser.close().catch(() => {})
      await lab.close()
    },
  }
}

export interface Running {
  readonly stack: RunningStack
  /** http://api.test:PORT, the nginx in front of the app. */
  readonly api: string
  /** The nginx.conf nginx runs. */
  readonly conf: string
  readonly findings: readonly LintFinding[]
  stop(): Promise<void>
}

/** Starts the case in nginx + Express and lints the config nginx read. */
export async function run(lab: NginxLab, c: NginxCase): Promise<Running> {
  const slots = caseSlots(c, lab.page)
  const stack = await startStack({
    proxy: 'nginx',
    app: 'express',
    proxySlots: slots.proxy,
    appSlots: slots.app,
  })
  const conf = stack.files.nginx ?? ''
  return {
    stack,
    api: `http://api.test:${stack.port}`,
    conf,
    findings: lint([{ file: 'nginx.conf', text: conf }]).findings,
    stop: () => stack.stop(),
  }
}

/** The one finding of this code; fails the test (with what lint found) if there is none. */
export function finding(r: Running, code: string): LintFinding {
  const f = r.findings.find((x) => x.code === code)
  expect(f, `${code} in ${JSON.stringify(r.findings.map((x) => x.code))}`).toBeDefined()
  return f as LintFinding
}

/** The line of the config a finding points at. */
export const lineAt = (r: Running, f: LintFinding): string => r.conf.split('\n')[f.line - 1]?.trim() ?? ''

export interface FetchInit {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  readonly credentials?: 'omit' | 'same-origin' | 'include'
}

export const PUT_JSON: FetchInit = {
  method: 'PUT',
  headers: { 'Content-Type': 'application/json' },
  body: '{"a":1}',
}

export interface Seen {
  /** CDP's corsErrorStatus.corsError, null when CORS let the page read the response. */
  readonly corsError: string | null
  /** The status the page read (after reading the body), or 'failed'. */
  readonly read: number | 'failed'
  /** Whether Chromium sent a preflight for it. */
  readonly preflighted: boolean
}

/** fetch(url) from a page on `origin`, in `context` (one HTTP cache and preflight cache per context). */
export async function fetchFrom(
  context: BrowserContext,
  origin: string,
  url: string,
  init: FetchInit = {},
): Promise<Seen> {
  const page = await context.newPage()
  try {
    await page.goto(`${origin}/`)
    const script = `fetch(${JSON.stringify(url)}, ${JSON.stringify(init)}).then((r) => r.text().then(() => r.status), () => 'failed')`
    let read: number | 'failed' = 'failed'
    const seen = await oracleFor(page, async () => {
      read = (await page.evaluate(script)) as number | 'failed'
    })
    const mine = seen.find((o) => o.url === url)
    if (!mine) throw new Error(`CDP saw no request to ${url}`)
    return { corsError: mine.oracle.corsError, read, preflighted: mine.exchange.preflight !== undefined }
  } finally {
    await page.close().catch(() => {})
  }
}

/** fetchFrom in a fresh context (empty caches). */
export async function fetchFresh(
  lab: NginxLab,
  origin: string,
  url: string,
  init: FetchInit = {},
): Promise<Seen> {
  const context = await lab.browser.newContext()
  try {
    return await fetchFrom(context, origin, url, init)
  } finally {
    await context.close().catch(() => {})
  }
}

/** A slot's text with its first line that includes `what` replaced by `replacement` (or dropped). */
export function replaceLine(text: string, what: string, replacement = ''): string {
  const lines = text.split('\n')
  const at = lines.findIndex((l) => l.includes(what))
  if (at < 0) throw new Error(`no line with ${what} in:\n${text}`)
  lines.splice(at, 1, ...(replacement ? replacement.split('\n') : []))
  return lines.join('\n')
}

/** A slot's text with its `if ($request_method = OPTIONS) { … }` block replaced by `replacement`. */
export function replaceOptionsBlock(text: string, replacement: string): string {
  const start = text.indexOf('if ($request_method')
  const end = text.indexOf('\n}', start)
  if (start < 0 || end < 0) throw new Error(`no OPTIONS block in:\n${text}`)
  return text.slice(0, start) + replacement + text.slice(end + 2)
}

/**
 * A map fix (`map $http_origin … { … }` then add_header lines) split where its `where` puts it: the map
 * into the http block, the add_header lines into the location. `origin` replaces the placeholder origin
 * a fix carries when the config named none of its own (ACAO * or $http_origin).
 */
export function splitMapFix(snippet: string, origin?: string): { http: string; location: string } {
  const end = snippet.indexOf('\n}\n')
  if (!snippet.startsWith('map ') || end < 0) throw new Error(`not a map fix:\n${snippet}`)
  const escaped = (origin ?? '').replaceAll('.', '\\.')
  const http = snippet.slice(0, end + 2)
  return {
    http: origin ? http.replaceAll('https://app\\.example', escaped) : http,
    location: snippet.slice(end + 3),
  }
}
