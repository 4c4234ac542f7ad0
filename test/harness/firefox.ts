/**
 * The one Firefox harness, next to chromium.ts: launches Debian's Firefox ESR (never a downloaded browser)
 * headless with a fresh profile over WebDriver BiDi (puppeteer-core; Firefox serves no CDP), installs the
 * Firefox build of CORS Lens as a temporary add-on, maps the lab's host names to loopback, and collects
 * Firefox's own CORS verdicts from its console.
 *
 * Recipe (research/firefox.md): `network.dns.localDomains` maps hosts; the add-on's moz-extension UUID is
 * fixed through `extensions.webextensions.uuids`; BiDi may navigate to moz-extension:// only with
 * MOZ_REMOTE_ALLOW_SYSTEM_ACCESS=1; an extension page's `load` may never be reported, so wait for
 * `domcontentloaded`; puppeteer drops repeated references in evaluate results, so pages return JSON text.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

export const FIREFOX_EXTENSION_DIR = resolve(import.meta.dirname, '../../dist-firefox')
/** browser_specific_settings.gecko.id of the Firefox build (vite.config.ts). */
export const FIREFOX_ADDON_ID = 'cors-lens@cors-lens.dev'
/** A fixed moz-extension host, so tests know the panel's URL without asking the browser. */
export const FIREFOX_EXTENSION_UUID = 'c0de1e55-0000-4000-8000-00000000c025'

/** FIREFOX_PATH, else Debian's firefox-esr. */
export function findFirefox(): string | null {
  const candidates = [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr']
  return candidates.find((p): p is string => !!p && existsSync(p)) ?? null
}

export interface FirefoxLaunchOptions {
  /** Host names to resolve to loopback (the lab's). */
  readonly hosts: readonly string[]
  /** Install an unpacked extension (default: dist-firefox). False: no extension. */
  readonly extension?: string | false
  readonly headless?: boolean
  readonly args?: readonly string[]
  /** More Firefox prefs (e.g. the toolbox height for a screenshot). */
  readonly prefs?: Readonly<Record<string, unknown>>
  /** Leave Ctrl+C, SIGTERM and SIGHUP to the caller, as launchWithDevTools does (`npm start`). Default false. */
  readonly callerHandlesSignals?: boolean
  /** Accept the lab's self-signed certificates (its https public pages for Local Network Access). */
  readonly acceptInsecureCerts?: boolean
}

/** One "Cross-Origin Request Blocked" console line, parsed. */
export interface FirefoxCorsMessage {
  /** The URL Firefox names (without the ‘…’ quotes some reasons put around it). */
  readonly url: string
  /** The "(Reason: …)" text. */
  readonly reason: string
  /** "Status code: N" after the reason, when Firefox prints one ("(null)" when there was no response). */
  readonly status: string | null
  readonly text: string
}

export interface LaunchedFirefox {
  readonly browser: Browser
  readonly profileDir: string
  /** The add-on id, when an extension was installed. */
  readonly addonId: string | null
  /** moz-extension://<uuid>/ */
  readonly extensionBase: string
  /** Every CORS console message of every page so far, in order. */
  readonly corsMessages: FirefoxCorsMessage[]
  /** A new tab whose CORS console messages are collected. */
  newPage(): Promise<Page>
  /** Opens an extension page (path from the extension root) in a new tab, ready to script. */
  openExtensionPage(path: string): Promise<Page>
  close(): Promise<void>
}

const BLOCKED =
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at '

/** Parses Firefox's console line; null for anything else. Linear: indexOf and slices only. */
export function parseFirefoxCorsMessage(text: string): FirefoxCorsMessage | null {
  const start = text.indexOf(BLOCKED)
  if (start < 0) return null
  const rest = text.slice(start + BLOCKED.length)
  const reasonAt = rest.indexOf('. (Reason: ')
  if (reasonAt < 0) return null
  let url = rest.slice(0, reasonAt)
  if (url.startsWith('‘') && url.endsWith('’')) url = url.slice(1, -1)
  const afterReason = rest.slice(reasonAt + '. (Reason: '.length).trimEnd()
  // "… (Reason: X). Status code: N." or "… (Reason: X)." — N may itself be "(null)".
  const statusAt = afterReason.lastIndexOf('). Status code: ')
  const status = statusAt < 0 ? null : afterReason.slice(statusAt + 16).replace(/\.$/, '')
  const body = statusAt < 0 ? afterReason : afterReason.slice(0, statusAt + 2)
  const reason = body.endsWith(').') ? body.slice(0, -2) : body
  return { url, reason, status, text: text.slice(start) }
}

export async function launchFirefox(options: FirefoxLaunchOptions): Promise<LaunchedFirefox> {
  const executablePath = findFirefox()
  if (!executablePath)
    throw new Error(
      "No Firefox found. Run `npm run setup` (installs Debian's firefox-esr) or set FIREFOX_PATH.",
    )
  const extension = options.extension === undefined ? FIREFOX_EXTENSION_DIR : options.extension
  if (extension && !existsSync(join(extension, 'manifest.json')))
    throw new Error(`No Firefox build at ${extension}: run \`npm run build\` first.`)
  const profileDir = mkdtempSync(join(tmpdir(), 'cors-lens-firefox-'))
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: options.headless ?? true,
    ...(options.acceptInsecureCerts ? { acceptInsecureCerts: true } : {}),
    userDataDir: profileDir,
    ...(options.callerHandlesSignals
      ? { handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false }
      : {}),
    args: ['--remote-allow-system-access', ...(options.args ?? [])],
    env: { ...process.env, MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: '1' },
    defaultViewport: null,
    extraPrefsFirefox: {
      'network.dns.localDomains': options.hosts.join(','),
      'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_ADDON_ID]: FIREFOX_EXTENSION_UUID }),
      // The console oracle is parsed as English text: pin the locale.
      'intl.locale.requested': 'en-US',
      'intl.accept_languages': 'en-US, en',
      // Loopback lab over plain http: no HTTPS-First upgrades, no proxy, no speculative connections.
      'dom.security.https_first': false,
      'network.proxy.type': 0,
      'network.http.speculative-parallel-limit': 0,
      ...options.prefs,
    },
  })
  const addonId = extension ? await browser.installExtension(extension) : null
  const corsMessages: FirefoxCorsMessage[] = []
  const watch = (page: Page): Page => {
    // Firefox's CORS lines are BiDi log entries of type "javascript": puppeteer reports them as page errors.
    page.on('pageerror', (e) => {
      const parsed = parseFirefoxCorsMessage(e instanceof Error ? e.message : String(e))
      if (parsed) corsMessages.push(parsed)
    })
    page.on('console', (m) => {
      const parsed = parseFirefoxCorsMessage(m.text())
      if (parsed) corsMessages.push(parsed)
    })
    return page
  }
  for (const page of await browser.pages()) watch(page)
  const extensionBase = `moz-extension://${FIREFOX_EXTENSION_UUID}/`
  return {
    browser,
    profileDir,
    addonId,
    extensionBase,
    corsMessages,
    newPage: async () => watch(await browser.newPage()),
    async openExtensionPage(path) {
      const page = await browser.newPage()
      await gotoExtensionPage(page, extensionBase + path.replace(/^\//, ''))
      return page
    },
    async close() {
      await browser.close().catch(() => {})
      rmSync(profileDir, { recursive: true, force: true })
    },
  }
}

/**
 * Navigates a tab to an extension page. Firefox may never report that navigation's load events over BiDi,
 * so the navigation is not awaited: the page is ready once its own document says it is an extension page
 * with the extension API.
 */
export async function gotoExtensionPage(page: Page, url: string): Promise<void> {
  page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 }).catch(() => {})
  for (let i = 0; i < 300; i++) {
    const ready = await page
      .evaluate(
        (want) =>
          location.href === want &&
          document.readyState !== 'loading' &&
          typeof (globalThis as { browser?: unknown }).browser === 'object',
        url,
      )
      .catch(() => false)
    if (ready) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the extension page ${url} did not open`)
}

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>
}

/** Runs privileged script in the browser window (BiDi chrome scope; needs --remote-allow-system-access). */
export async function inBrowserWindow(firefox: LaunchedFirefox, expression: string): Promise<unknown> {
  const connection = (firefox.browser as unknown as { connection: BidiConnection }).connection
  const tree = (await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' })).result as {
    contexts: { context: string; url: string }[]
  }
  const window = tree.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml')
  if (!window) throw new Error('no Firefox browser window in chrome scope')
  const { result } = await connection.send('script.evaluate', {
    expression,
    target: { context: window.context },
    awaitPromise: true,
  })
  const value = (result as { result?: { value?: unknown }; exceptionDetails?: { text?: string } }).result
  const exception = (result as { exceptionDetails?: { text?: string } }).exceptionDetails
  if (exception) throw new Error(`chrome-scope script failed: ${exception.text ?? 'unknown error'}`)
  return value?.value
}

/**
 * Opens the real DevTools toolbox on the selected tab and selects the CORS panel (research/firefox.md §4:
 * gDevTools through the DevTools loader; the panel id is webext-devtools-panel-<addon>-<n>, found by prefix).
 * Returns the panel's tool id. The panel's DOM inside the toolbox is not reachable over BiDi.
 */
export async function openFirefoxToolbox(firefox: LaunchedFirefox): Promise<string> {
  const id = await inBrowserWindow(
    firefox,
    `(async () => {
      const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs')
      const { gDevTools } = require('devtools/client/framework/devtools')
      const toolbox = await gDevTools.showToolboxForTab(gBrowser.selectedTab, { toolId: 'webconsole' })
      for (let i = 0; i < 200; i++) {
        const id = [...toolbox.additionalToolDefinitions.keys()].find((x) => x.startsWith('webext-devtools-panel-'))
        if (id) { await toolbox.selectTool(id); return id }
        await new Promise((r) => setTimeout(r, 100))
      }
      return null
    })()`,
  )
  if (typeof id !== 'string') throw new Error('the CORS panel never registered in the toolbox')
  return id
}

/** A PNG of the whole browser window, toolbox included (drawSnapshot: BiDi cannot screenshot chrome scope). */
export async function snapshotFirefoxWindow(firefox: LaunchedFirefox): Promise<Buffer> {
  const dataUrl = await inBrowserWindow(
    firefox,
    `(async () => {
      const bitmap = await window.browsingContext.currentWindowGlobal.drawSnapshot(null, 1, 'white')
      const canvas = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas')
      canvas.width = bitmap.width
      canvas.height = bitmap.height
      canvas.getContext('2d').drawImage(bitmap, 0, 0)
      return canvas.toDataURL('image/png')
    })()`,
  )
  if (typeof dataUrl !== 'string' || !dataUrl.startsWith('data:image/png;base64,'))
    throw new Error('the window snapshot failed')
  return Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64')
}

/** One message of Firefox's console service (every category: BiDi reports only script errors and CORS lines). */
export interface FirefoxConsoleEntry {
  readonly category: string
  readonly text: string
}

/**
 * Starts recording everything Firefox's console service receives, e.g. the "Security" category's Local
 * Network Access lines, which BiDi does not forward. Returns a reader of the messages so far (first lines).
 */
export async function recordFirefoxConsole(
  firefox: LaunchedFirefox,
): Promise<() => Promise<FirefoxConsoleEntry[]>> {
  await inBrowserWindow(
    firefox,
    `(() => {
      window.__corsLensConsole = []
      Services.console.registerListener({
        observe(m) {
          // A script error's message property is a formatted summary: its own text is errorMessage.
          let category = ''
          let text = String(m.message ?? '')
          try {
            const e = m.QueryInterface(Ci.nsIScriptError)
            category = e.category
            text = e.errorMessage
          } catch {}
          window.__corsLensConsole.push({ category, text: text.split('\\n')[0] })
        },
      })
      return true
    })()`,
  )
  return async () =>
    JSON.parse(
      String(await inBrowserWindow(firefox, 'JSON.stringify(window.__corsLensConsole)')),
    ) as FirefoxConsoleEntry[]
}

/** Saves a site permission as the user's answer would (Services.perms), e.g. 'loopback-network' → deny. */
export async function setFirefoxPermission(
  firefox: LaunchedFirefox,
  origin: string,
  types: readonly string[],
  action: 'allow' | 'deny',
): Promise<void> {
  await inBrowserWindow(
    firefox,
    `(() => {
      const principal = Services.scriptSecurityManager.createContentPrincipalFromOrigin(${JSON.stringify(origin)})
      for (const type of ${JSON.stringify(types)})
        Services.perms.addFromPrincipal(principal, type, Services.perms.${action === 'allow' ? 'ALLOW_ACTION' : 'DENY_ACTION'})
      return true
    })()`,
  )
}

/**
 * Answers a permission prompt Firefox is showing on the selected tab (one of `ids`, PopupNotifications ids)
 * by clicking its Block (secondary) or Allow (main) button, as a user would. Returns the prompt's text when
 * it clicked, null when no such prompt is open.
 */
export async function answerFirefoxPrompt(
  firefox: LaunchedFirefox,
  ids: readonly string[],
  answer: 'block' | 'allow',
): Promise<string | null> {
  const text = await inBrowserWindow(
    firefox,
    `(() => {
      const shown = ${JSON.stringify(ids)}.some((id) => PopupNotifications.getNotification(id, gBrowser.selectedBrowser))
      const el = PopupNotifications.panel.querySelector('popupnotification')
      if (!shown || !el || PopupNotifications.panel.state !== 'open') return null
      const text = el.querySelector('.popup-notification-description')?.textContent ?? ''
      ;(${JSON.stringify(answer)} === 'block' ? el.secondaryButton : el.button).click()
      return text
    })()`,
  )
  return typeof text === 'string' ? text : null
}
