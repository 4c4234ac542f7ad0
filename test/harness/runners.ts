/**
 * Opens the lab's runner pages in one browser: the lab page (the given page) and, for Local Network Access
 * scenarios, one tab per public page kind. The granted page's origin gets the local-network permissions
 * first (CDP Browser.grantPermissions), as a user who clicked "Allow" would have.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { runnerPage, runnerPath } from '../lab/runner.ts'
import type { PageKind, Scenario } from '../lab/scenario.ts'
import type { Lab } from '../lab/server.ts'

/** Chromium's permission names for Local Network Access (devtools-protocol PermissionType). */
const LNA_PERMISSIONS = ['localNetwork', 'loopbackNetwork']

export function kindOf(s: Scenario): PageKind {
  return s.from ?? 'lab'
}

/** Navigates `page` (or a new tab) to each kind's runner; returns the page for each kind present. */
export async function openRunners(
  context: BrowserContext,
  lab: Lab,
  scenarios: readonly Scenario[],
  labPage?: Page,
): Promise<Map<PageKind, Page>> {
  const kinds = [...new Set(scenarios.map(kindOf))]
  const pages = new Map<PageKind, Page>()
  for (const kind of kinds) {
    const page = kind === 'lab' && labPage ? labPage : await context.newPage()
    const origin = lab.originOf(kind)
    if (kind === 'granted-https') {
      // Kept attached: CDP drops a session's permission overrides when it detaches.
      const cdp = await context.newCDPSession(page)
      await cdp.send('Browser.grantPermissions', { origin, permissions: LNA_PERMISSIONS as never })
    }
    await page.goto(lab.pageOn(kind, runnerPath(kind), runnerPage(lab, scenarios, kind)))
    pages.set(kind, page)
  }
  return pages
}
