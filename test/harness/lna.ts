/**
 * Observing a Local Network Access scenario (test/lab/local-network.ts), with CDP as the oracle.
 *
 * A fetch or XHR: observeScenario's CDP oracle and exchange, with webRequest's endings put in when the
 * probe runs in the browser (test/harness/webrequest-probe.ts).
 *
 * A WebSocket: Chromium names no CorsError for it. The oracle is the same check on a fetch() of the same
 * URL from the same page (CDP's corsErrorStatus for it), beside the page's own word that the socket failed;
 * the exchange is the one webRequest reported (type websocket), as the capture assembles it.
 */
import type { Page } from 'playwright-core'
import type { Exchange } from '../../src/core/exchange.ts'
import type { Scenario } from '../lab/scenario.ts'
import type { Lab } from '../lab/server.ts'
import { type Oracle, observeScenario, oracleFor } from './cdp.ts'
import type { LaunchedBrowser } from './chromium.ts'
import { endFor, endsSince, probeMark, websocketExchange, withWebRequestEnds } from './webrequest-probe.ts'

export interface LnaRun {
  readonly oracle: Oracle
  /** The engine's input: null for a WebSocket when no probe ran (the extension under test captured it). */
  readonly exchange: Exchange | null
  readonly pageResult: 'ok' | 'failed'
}

const runScenario = (page: Page, id: string): Promise<'ok' | 'failed'> =>
  page.evaluate(
    (i) => (window as unknown as { runScenario(id: string): Promise<'ok' | 'failed'> }).runScenario(i),
    id,
  )

/** CDP's oracle for a fetch() of `url` from the page: what the same LNA check says of a CORS request. */
export async function sameCheckOracle(page: Page, url: string): Promise<Oracle> {
  const seen = await oracleFor(page, () =>
    page.evaluate(
      (u) =>
        fetch(u).then(
          () => 'ok',
          () => 'failed',
        ),
      url,
    ),
  )
  const mine = seen.find((o) => o.url === url)
  if (!mine) throw new Error(`CDP saw no fetch of ${url}`)
  return mine.oracle
}

export async function observeLna(
  page: Page,
  lab: Lab,
  scenario: Scenario,
  probe?: LaunchedBrowser,
): Promise<LnaRun> {
  const mark = probe ? await probeMark(probe) : 0
  if (scenario.fetch.via === 'websocket') {
    const url = lab.scenarioUrl(scenario)
    const pageResult = await runScenario(page, scenario.id)
    const end = probe ? await endFor(probe, mark, url) : null
    const oracle = await sameCheckOracle(page, url.replace(/^ws/, 'http'))
    return { oracle, exchange: end ? websocketExchange(end) : null, pageResult }
  }
  const run = await observeScenario(page, lab, scenario)
  if (!probe) return run
  // The ending reaches the probe's worker shortly after CDP's: wait for the request's own.
  await endFor(probe, mark, run.exchange.request.url)
  return { ...run, exchange: withWebRequestEnds(run.exchange, await endsSince(probe, mark)) }
}
