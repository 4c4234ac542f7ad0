/**
 * Local Network Access through a real exporter: Chromium DevTools' own HAR ("Save all as HAR", built by the
 * front end from the Network log) of the lab's LNA scenarios run from the public http page, read by the HAR
 * reader (what `cors-lens explain` and the panel's DevTools-log backfill use), graded by the CorsError CDP
 * handed that same front end. What DevTools writes, measured in Chromium 156:
 *  - a simple request: `_error` net::ERR_FAILED, status 0, no server address: to a name that says nothing
 *    (api.devbox.test, 127.0.0.1.nip.io) nothing in the file tells LNA, and the engine must not guess;
 *  - a preflighted one: its OPTIONS entry has `_error` net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS;
 *  - a WebSocket refused: `_resourceType` websocket, status 0, no `_error` (CDP's verdict on a fetch() of
 *    the same URL is the oracle, test/harness/lna.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyze, harToExchanges } from '../../src/core/index.ts'
import { type ChromiumVerdict, exportWithDevTools } from '../harness/har-export.ts'
import { localNetworkScenarios } from '../lab/local-network.ts'
import { type Lab, startLab } from '../lab/server.ts'

const FROM_HTTP = localNetworkScenarios.filter((s) => s.from === 'public-http')
/** Simple requests to a name that says nothing: DevTools' HAR holds only net::ERR_FAILED for them. */
const SILENT = new Set(['lna-insecure-devbox', 'lna-insecure-devbox-xhr', 'lna-insecure-nip'])

describe('DevTools HAR of the Local Network Access scenarios (public http page)', () => {
  let lab: Lab
  let verdicts: ReadonlyMap<string, ChromiumVerdict>
  let judged: Map<string, { verdict: string; corsError: string | null }>

  beforeAll(async () => {
    lab = await startLab({ scenarios: localNetworkScenarios, localNetwork: true })
    const exported = await exportWithDevTools(lab, FROM_HTTP, 'public-http')
    verdicts = exported.verdicts
    const read = harToExchanges(exported.har)
    if ('error' in read) throw new Error(read.error)
    judged = new Map(
      read.exchanges.map((x) => {
        const a = analyze(x)
        return [x.request.url, { verdict: a.verdict, corsError: a.corsError }]
      }),
    )
  }, 120_000)

  afterAll(async () => {
    await lab?.close()
  })

  it.each(FROM_HTTP.map((s) => [s.id, s] as const))('%s', (id, scenario) => {
    const url = lab.scenarioUrl(scenario)
    const got = judged.get(url)
    if (scenario.fetch.via === 'websocket') {
      // DevTools does not hand a WebSocket a CorsError: the same check on a fetch() names it.
      expect(verdicts.get(id)?.corsError ?? null).toBeNull()
      expect(got?.corsError, id).toBe(scenario.expectCorsError)
      return
    }
    expect(verdicts.get(id)?.corsError, id).toBe(scenario.expectCorsError)
    if (SILENT.has(id)) {
      // The file does not say why: "unknown", never an invented LNA (live capture names these: webRequest).
      expect(got?.verdict, id).toBe('unknown')
      return
    }
    expect(got?.corsError, id).toBe(scenario.expectCorsError)
  })
})
