/**
 * The differential test: every lab scenario runs live in Chromium, and
 *  (a) Chromium's verdict (CDP corsErrorStatus) must equal the scenario's expectCorsError — this documents
 *      browser truth and catches a Chromium upgrade that changes it;
 *  (b) the engine, given only the wire-level Exchange CDP observed, must reach the same verdict: the same
 *      corsError and failedParameter when blocked, not blocked when Chromium let it through.
 * The Local Network Access scenarios run in a second Chromium with a webRequest probe (the endings the
 * extension sees: CDP folds the LNA error into net::ERR_FAILED, and sees a WebSocket's refusal as nothing
 * but a failure); see test/harness/lna.ts.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyze } from '../../src/core/index.ts'
import { observeScenario } from '../harness/cdp.ts'
import { type LaunchedBrowser, launchChromium } from '../harness/chromium.ts'
import { type LnaRun, observeLna } from '../harness/lna.ts'
import { kindOf, openRunners } from '../harness/runners.ts'
import { type Probe, writeProbe } from '../harness/webrequest-probe.ts'
import { localNetworkScenarios } from '../lab/local-network.ts'
import type { PageKind } from '../lab/scenario.ts'
import { scenarios as labScenarios } from '../lab/scenarios.ts'
import { type Lab, startLab } from '../lab/server.ts'
import { expectAgreement } from './agreement.ts'

let lab: Lab | undefined
let browser: LaunchedBrowser | undefined
/** The Local Network Access scenarios' browser: the same Chromium, with the webRequest probe loaded. */
let lnaBrowser: LaunchedBrowser | undefined
let probe: Probe | undefined
/** One runner tab per page kind (the lab page; the public pages of the Local Network Access scenarios). */
let pages = new Map<PageKind, Page>()
/** Each scenario runs once; (a) and (b) share the observation. */
const runs = new Map<string, Promise<LnaRun>>()
const scenarios = [...labScenarios, ...localNetworkScenarios]
const lnaIds = new Set(localNetworkScenarios.map((s) => s.id))

beforeAll(async () => {
  lab = await startLab({ scenarios, localNetwork: true })
  browser = await launchChromium({
    extension: false,
    hostResolverRules: lab.hostResolverRules,
    args: lab.chromiumArgs,
  })
  probe = writeProbe()
  lnaBrowser = await launchChromium({
    extension: probe.dir,
    hostResolverRules: lab.hostResolverRules,
    args: lab.chromiumArgs,
  })
  pages = new Map([
    ...(await openRunners(browser.context, lab, labScenarios)),
    ...(await openRunners(lnaBrowser.context, lab, localNetworkScenarios)),
  ])
})

afterAll(async () => {
  await browser?.close()
  await lnaBrowser?.close()
  probe?.dispose()
  await lab?.close()
})

function run(id: string): Promise<LnaRun> {
  let r = runs.get(id)
  if (!r) {
    const scenario = scenarios.find((s) => s.id === id)
    const page = scenario && pages.get(kindOf(scenario))
    if (!scenario || !page || !lab) throw new Error(`lab not ready for ${id}`)
    r = lnaIds.has(id) ? observeLna(page, lab, scenario, lnaBrowser) : observeScenario(page, lab, scenario)
    runs.set(id, r)
  }
  return r
}

describe('Chromium (CDP oracle) agrees with the lab scenario', () => {
  it.each(scenarios.map((s) => [s.id, s] as const))('%s', async (id, scenario) => {
    const { oracle, pageResult } = await run(id)
    expect(oracle.corsError, scenario.title).toBe(scenario.expectCorsError)
    // A CORS failure always surfaces to the page as a failed fetch; a pass as a resolved one.
    expect(pageResult).toBe(scenario.expectCorsError === null ? 'ok' : 'failed')
    // A WebSocket LNA refused never sent its handshake; one it let through did.
    if (scenario.fetch.via === 'websocket' && lnaIds.has(id))
      expect(lab?.handshakes(id), scenario.title).toBe(scenario.expectCorsError === null ? 1 : 0)
  })
})

describe('the engine agrees with Chromium, from the wire-level exchange alone', () => {
  it.each(scenarios.map((s) => [s.id, s] as const))('%s', async (id, scenario) => {
    const { oracle, exchange } = await run(id)
    if (!exchange) throw new Error(`no exchange for ${id}`)
    expectAgreement(analyze(exchange), oracle, scenario.title)
  })
})
