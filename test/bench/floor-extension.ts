/**
 * The benchmark's floor: a no-op extension holding exactly CORS Lens's webRequest subscriptions. They are
 * recorded from the real Capture.register (never restated by hand), then replayed with empty listeners.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Capture, type WebRequestLike } from '../../src/background/capture.ts'
import { detectPlatform } from '../../src/platform/index.ts'
import { CHROMIUM_ENUMS, NOOP_SINK } from '../background/fakes.ts'

export interface Subscription {
  readonly event: string
  readonly filter: unknown
  readonly extraInfoSpec: readonly string[] | undefined
}

/** What Capture.register subscribes to in Chromium. */
export function chromiumSubscriptions(): Subscription[] {
  const subs: Subscription[] = []
  const event = (name: string) => ({
    addListener: (_cb: unknown, filter: unknown, extraInfoSpec?: string[]) => {
      subs.push({ event: name, filter, extraInfoSpec })
    },
    removeListener: () => {},
  })
  const recorder = {
    onSendHeaders: event('onSendHeaders'),
    onHeadersReceived: event('onHeadersReceived'),
    onCompleted: event('onCompleted'),
    onErrorOccurred: event('onErrorOccurred'),
  } as unknown as WebRequestLike
  // Chromium's enums as the worker sees them: extraHeaders supported, the resource types it knows.
  // Chromium's enums as the worker sees them (the capture tests' recording of Chromium 156).
  const platform = detectPlatform(CHROMIUM_ENUMS, {})
  new Capture(platform, NOOP_SINK).register(recorder)
  return subs
}

/** Writes the floor extension to a temp folder and returns its path. */
export function writeFloorExtension(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-floor-'))
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'CORS Lens bench floor (no-op observer)',
      version: '0.0.1',
      background: { service_worker: 'worker.js' },
      permissions: ['webRequest'],
      host_permissions: ['<all_urls>'],
    }),
  )
  const lines = chromiumSubscriptions().map(
    (s) =>
      `chrome.webRequest.${s.event}.addListener(() => {}, ${JSON.stringify(s.filter)}${s.extraInfoSpec ? `, ${JSON.stringify(s.extraInfoSpec)}` : ''})`,
  )
  writeFileSync(join(dir, 'worker.js'), `${lines.join('\n')}\n`)
  return dir
}

/**
 * The true zero: CORS Lens's manifest permissions (webRequest, <all_urls>) and a worker that registers no
 * listener at all. What an installed, idle CORS Lens must cost.
 */
export function writeNoListenerExtension(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-zero-'))
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'CORS Lens bench zero (no listeners)',
      version: '0.0.1',
      background: { service_worker: 'worker.js' },
      permissions: ['webRequest', 'storage'],
      host_permissions: ['<all_urls>'],
    }),
  )
  writeFileSync(join(dir, 'worker.js'), '// Holds the permissions, listens to nothing.\n')
  return dir
}

/**
 * The true zero with a DevTools panel: the same permissions, a worker with no listener, and a DevTools page
 * that adds an empty panel titled like ours (so the harness's openCorsPanel selects it). What showing any
 * extension panel costs, with nothing captured.
 */
export function writeNoListenerPanelExtension(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-zero-panel-'))
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'CORS Lens bench zero (no listeners, a panel)',
      version: '0.0.1',
      background: { service_worker: 'worker.js' },
      devtools_page: 'devtools.html',
      permissions: ['webRequest', 'storage'],
      host_permissions: ['<all_urls>'],
    }),
  )
  writeFileSync(join(dir, 'worker.js'), '// Holds the permissions, listens to nothing.\n')
  writeFileSync(join(dir, 'devtools.html'), '<!doctype html><script src="devtools.js"></script>\n')
  // At CORS Lens's panel path, so the harness finds the panel's frame as it finds ours.
  writeFileSync(
    join(dir, 'devtools.js'),
    "chrome.devtools.panels.create('CORS', '', 'src/panel/panel.html')\n",
  )
  mkdirSync(join(dir, 'src/panel'), { recursive: true })
  writeFileSync(
    join(dir, 'src/panel/panel.html'),
    '<!doctype html><div id="root"><div class="app">empty</div></div>\n',
  )
  return dir
}
