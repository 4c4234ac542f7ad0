/** The capture scope, set from an extension page through the protocol, as the panel's select does. */

import type { CaptureScope } from '../../src/protocol.ts'
import { PANEL_PORT_NAME } from '../../src/protocol.ts'

/**
 * A script for `page.evaluate` in any extension page (Playwright, puppeteer; Chromium and Firefox): tests
 * about something other than the scope take every tab from the start. Resolves once the worker had time to
 * read the message and re-register its listeners.
 */
export function setScopeScript(captureScope: CaptureScope): string {
  const message = JSON.stringify({ type: 'set-settings', settings: { captureScope } })
  return `new Promise((done) => {
    const port = chrome.runtime.connect({ name: ${JSON.stringify(PANEL_PORT_NAME)} })
    port.postMessage(${message})
    setTimeout(() => { port.disconnect(); done(true) }, 300)
  })`
}
