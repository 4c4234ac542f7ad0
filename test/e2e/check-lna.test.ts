/**
 * `cors-lens check` predicts Chrome's Local Network Access block, graded against Chromium itself: the same
 * target, called by a page that Chromium holds to be public (the lab's --ip-address-space-overrides) and
 * that check is told is public (--origin-address public). Chromium's CorsError (CDP corsErrorStatus) must
 * equal the one check predicts. Targets: a loopback IP literal, and a custom name only the resolver maps
 * to 127.0.0.1 (Chromium: --host-resolver-rules; check: --resolve).
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckJsonEntry } from '../../src/cli/check.ts'
import { analyze } from '../../src/core/index.ts'
import { runInProcess } from '../cli/run.ts'
import { observeScenario, type ScenarioRun } from '../harness/cdp.ts'
import { type LaunchedBrowser, launchChromium } from '../harness/chromium.ts'
import { kindOf, openRunners } from '../harness/runners.ts'
import type { PageKind, Scenario } from '../lab/scenario.ts'
import { API_HOST, type Lab, startLab } from '../lab/server.ts'

const STAR: [string, string][] = [['Access-Control-Allow-Origin', '*']]

function scenario(id: string, from: PageKind, path: string | undefined, expect: string | null): Scenario {
  return {
    id,
    title: `${from} page → ${path ?? `http://${API_HOST}`}`,
    fetch: path ? { path } : {},
    routes: { '/': { response: { status: 200, headers: STAR, body: 'lab response' } } },
    expectCorsError: expect,
    from,
  }
}

const LOOPBACK = (id: string): string => `http://127.0.0.1:{apiport}/s/${id}`

const scenarios: readonly Scenario[] = [
  scenario('check-lna-http-ip', 'public-http', LOOPBACK('check-lna-http-ip'), 'InsecureLocalNetwork'),
  scenario(
    'check-lna-https-ip',
    'public-https',
    LOOPBACK('check-lna-https-ip'),
    'LocalNetworkAccessPermissionDenied',
  ),
  // The name says nothing: only the resolver puts it on loopback.
  scenario('check-lna-http-name', 'public-http', undefined, 'InsecureLocalNetwork'),
  // An https page and a plain-http name that is not potentially trustworthy: mixed content stops it first.
  scenario('check-lna-https-name', 'public-https', undefined, null),
]

/** The finding check names first, per scenario. */
const FINDING: Readonly<Record<string, string>> = {
  'check-lna-http-ip': 'insecure-local-network',
  'check-lna-https-ip': 'local-network-access-permission-denied',
  'check-lna-http-name': 'insecure-local-network',
  'check-lna-https-name': 'not-cors-mixed-content',
}

let lab: Lab | undefined
let browser: LaunchedBrowser | undefined
let pages = new Map<PageKind, Page>()

beforeAll(async () => {
  lab = await startLab({ scenarios, localNetwork: true })
  browser = await launchChromium({
    extension: false,
    hostResolverRules: lab.hostResolverRules,
    args: lab.chromiumArgs,
  })
  pages = await openRunners(browser.context, lab, scenarios)
})

afterAll(async () => {
  await browser?.close()
  await lab?.close()
})

function chromium(s: Scenario): Promise<ScenarioRun> {
  const page = pages.get(kindOf(s))
  if (!page || !lab) throw new Error(`lab not ready for ${s.id}`)
  return observeScenario(page, lab, s)
}

async function check(s: Scenario): Promise<{ code: number; entry: CheckJsonEntry }> {
  if (!lab) throw new Error('lab not ready')
  const r = await runInProcess([
    'check',
    lab.scenarioUrl(s),
    '--origin',
    lab.originOf(kindOf(s)),
    '--origin-address',
    'public',
    '--resolve',
    `${API_HOST}:127.0.0.1`,
    '--json',
  ])
  return { code: r.code, entry: JSON.parse(r.stdout) as CheckJsonEntry }
}

describe('check predicts what Chromium reports for a request to a more private address', () => {
  it.each(scenarios.map((s) => [s.id, s] as const))('%s', async (id, s) => {
    const [{ oracle, exchange, pageResult }, { code, entry }] = await Promise.all([chromium(s), check(s)])
    expect(oracle.corsError, s.title).toBe(s.expectCorsError)
    expect(pageResult).toBe('failed')
    const lna = entry.localNetworkAccess
    expect(lna.blocked).toBe(true)
    expect(lna.corsError, s.title).toBe(oracle.corsError)
    expect(lna.findings[0]?.code).toBe(FINDING[id])
    expect(code).toBe(1)
    // Besides the block, the CORS checks ran: ACAO * lets the page read it once it is let through.
    expect(entry.blocked).toBe(false)
    // Where Chromium's own record tells (an IP literal; mixed content), the engine names it the same.
    if (id !== 'check-lna-http-name') expect(analyze(exchange).findings[0]?.code).toBe(FINDING[id])
  })
})
