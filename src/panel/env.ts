/**
 * Where the panel runs: inside DevTools (chrome.devtools present) or in a normal tab as
 * panel.html?tabId=N (tests, and anyone who wants the panel full-screen). Everything that differs
 * between the two lives here.
 */
import { type PanelTransport, runtimePortTransport } from '../protocol.ts'

type Devtools = typeof chrome.devtools

/** chrome.devtools, or null in a normal tab (where reading it may even throw). */
export function devtools(): Devtools | null {
  try {
    return typeof chrome !== 'undefined' && chrome.devtools?.inspectedWindow ? chrome.devtools : null
  } catch {
    return null
  }
}

/** The inspected tab in DevTools; else ?tabId=N. Null when neither says. */
export function resolveTabId(search: string): number | null {
  const dt = devtools()
  if (dt) return dt.inspectedWindow.tabId
  const raw = new URLSearchParams(search).get('tabId')
  if (raw === null || !/^\d+$/.test(raw)) return null
  return Number(raw)
}

/** This page's runtime Port to the worker, as the protocol's transport. */
export function portTransport(): PanelTransport {
  return runtimePortTransport(chrome.runtime)
}

export type Theme = 'light' | 'dark'

/**
 * Follows DevTools' theme where there is one (themeName, and setThemeChangeHandler on Chrome 99+);
 * in a tab, ?theme=dark|light or the system's colour scheme.
 */
export function watchTheme(apply: (theme: Theme) => void): void {
  const dt = devtools()
  if (dt) {
    const fromName = (name: string): Theme => (name === 'dark' ? 'dark' : 'light')
    apply(fromName(dt.panels.themeName))
    const panels = dt.panels as Devtools['panels'] & {
      onThemeChanged?: { addListener(cb: (name: string) => void): void }
    }
    if (typeof panels.setThemeChangeHandler === 'function')
      panels.setThemeChangeHandler((name) => apply(fromName(name)))
    else panels.onThemeChanged?.addListener((name) => apply(fromName(name)))
    return
  }
  const forced = new URLSearchParams(location.search).get('theme')
  if (forced === 'dark' || forced === 'light') {
    apply(forced)
    return
  }
  const media = matchMedia('(prefers-color-scheme: dark)')
  apply(media.matches ? 'dark' : 'light')
  media.addEventListener('change', (e) => apply(e.matches ? 'dark' : 'light'))
}

/** Opens a script at a line in DevTools' Sources panel; false when not in DevTools. */
export function openResource(url: string, line: number): boolean {
  const dt = devtools()
  if (!dt) return false
  // Both the HAR initiator and openResource count lines from 0; only the UI shows them 1-based.
  dt.panels.openResource(url, line, () => {})
  return true
}

type NetworkPanelApi = { show(options?: { filter: string }): unknown }

/**
 * DevTools' Network panel, shown with a filter: chrome.devtools.panels.network.show({ filter }), which
 * DevTools' extension server reveals as a network filter
 * (https://github.com/ChromeDevTools/devtools-frontend/blob/main/front_end/models/extensions/ExtensionServer.ts,
 * onShowNetworkPanel). Null where the browser has no such call (Firefox, older Chrome, a normal tab).
 */
export function networkPanel(): ((filter: string) => void) | null {
  const dt = devtools()
  const network = (dt?.panels as { network?: Partial<NetworkPanelApi> } | undefined)?.network
  const show = network?.show
  if (!network || typeof show !== 'function') return null
  return (filter) => {
    void Promise.resolve(show.call(network, { filter })).catch(() => {})
  }
}
