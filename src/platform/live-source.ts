/**
 * Where live rows come from while a CORS panel shows, per browser and scope. In Chromium any webRequest
 * listener routes the tab's requests through the browser process and the worker (bench: the CORS panel shown
 * cost 1.2–1.5× DevTools on Network); DevTools records every request anyway, so there its own log is the
 * source. Firefox, and the 'all-tabs' scope (no DevTools there), keep webRequest.
 *
 * The build may pick another source for the bench (CORS_LENS_LIVE_SOURCE=webrequest|devtools-finished|
 * devtools-poll at build time: vite.config.ts defines it); the shipped build uses the default.
 */
import type { BrowserName, CaptureScope, LiveSource } from '../protocol.ts'

declare const __CORS_LENS_LIVE_SOURCE__: string | undefined

const SOURCES: readonly LiveSource[] = [
  'webrequest',
  'devtools-finished',
  'devtools-poll',
  'devtools-combined',
]

export const DEFAULT_LIVE_SOURCE: LiveSource = 'devtools-combined'

/** The build's choice for Chromium's default scope. */
export function builtLiveSource(): LiveSource {
  const built = typeof __CORS_LENS_LIVE_SOURCE__ === 'string' ? __CORS_LENS_LIVE_SOURCE__ : ''
  return (SOURCES as readonly string[]).includes(built) ? (built as LiveSource) : DEFAULT_LIVE_SOURCE
}

/**
 * `devtoolsOpen`: a DevTools page is open on the tab (its log exists); the panel opened in a tab
 * (panel.html?tabId=N) has no DevTools log behind it, so webRequest serves it.
 */
export function liveSourceFor(
  browser: BrowserName,
  scope: CaptureScope,
  devtoolsOpen: boolean,
  built: LiveSource = builtLiveSource(),
): LiveSource {
  return browser === 'chromium' && scope === 'devtools-open' && devtoolsOpen ? built : 'webrequest'
}
