/**
 * The one Chromium harness: launches Debian's Chromium (never a downloaded browser) with a fresh profile,
 * optionally with the built extension, and with the lab's host names mapped to loopback.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type BrowserContext, chromium, type Worker } from 'playwright-core'

export const EXTENSION_DIR = resolve(import.meta.dirname, '../../dist')

/** CHROMIUM_PATH, else Debian's binary, else another Chromium on the machine. */
export function findChromium(): string | null {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/lib/chromium/chromium',
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
  ]
  return candidates.find((p): p is string => !!p && existsSync(p)) ?? null
}

export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

/**
 * Evaluated in the extension's worker: whether it holds any webRequest listener, asked of the browser's own
 * event bindings (event.hasListeners()), not of our code's bookkeeping. A string: runs as it is written.
 */
export const HAS_WEBREQUEST_LISTENERS = `(() => {
  const w = chrome.webRequest
  return [w.onBeforeRequest, w.onSendHeaders, w.onHeadersReceived, w.onCompleted, w.onErrorOccurred,
    w.onBeforeSendHeaders, w.onResponseStarted, w.onBeforeRedirect, w.onAuthRequired]
    .some((e) => e.hasListeners())
})()`

/** Polls until the worker holds listeners (or none), as the tabs someone looks at come and go. */
export async function pollListening(
  ask: () => Promise<boolean>,
  listening: boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const now = await ask().catch(() => null)
    if (now === listening) return
    if (Date.now() > until) throw new Error(`the worker never ${listening ? 'started' : 'stopped'} listening`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export interface LaunchOptions {
  readonly hostResolverRules: string
  /** Load an unpacked extension (default: the built CORS Lens in dist/). False: no extension. */
  readonly extension?: string | false
  readonly headless?: boolean
  readonly args?: readonly string[]
  /** Playwright's own HAR recorder: written to this path when the browser closes. */
  readonly recordHar?: string
}

export interface LaunchedBrowser {
  readonly context: BrowserContext
  readonly profileDir: string
  /** The extension's service worker (when an extension is loaded). */
  worker(): Promise<Worker>
  extensionId(): Promise<string>
  /** Whether the extension's worker holds any webRequest listener (HAS_WEBREQUEST_LISTENERS). */
  listening(): Promise<boolean>
  close(): Promise<void>
}

export async function launchChromium(options: LaunchOptions): Promise<LaunchedBrowser> {
  const executablePath = findChromium()
  if (!executablePath)
    throw new Error(
      "No Chromium found. Run `npm run setup` (installs Debian's chromium) or set CHROMIUM_PATH.",
    )
  const profileDir = mkdtempSync(join(tmpdir(), 'cors-lens-profile-'))
  const extension = options.extension === undefined ? EXTENSION_DIR : options.extension
  if (extension && !existsSync(join(extension, 'manifest.json'))) {
    throw new Error(`No built extension at ${extension}: run \`npm run build\` first.`)
  }
  const args = [
    ...BASE_FLAGS,
    `--host-resolver-rules=${options.hostResolverRules}`,
    ...(extension ? [`--disable-extensions-except=${extension}`, `--load-extension=${extension}`] : []),
    ...(options.args ?? []),
  ]
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: options.headless ?? true,
    args,
    viewport: null,
    ...(options.recordHar ? { recordHar: { path: options.recordHar, content: 'omit' as const } } : {}),
  })
  const worker = async (): Promise<Worker> => {
    const found = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'))
    return found ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }))
  }
  return {
    context,
    profileDir,
    worker,
    async extensionId() {
      return new URL((await worker()).url()).host
    },
    async listening() {
      return (await (await worker()).evaluate(HAS_WEBREQUEST_LISTENERS)) as boolean
    },
    async close() {
      await context.close().catch(() => {})
      rmSync(profileDir, { recursive: true, force: true })
    },
  }
}
