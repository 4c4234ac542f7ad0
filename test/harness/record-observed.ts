/**
 * Records what Chromium does with every lab scenario into test/core/fixtures/chromium-observed.json:
 * the CDP oracle (corsErrorStatus) and the wire-only Exchange, for developing and replaying the engine
 * without a browser. Run: `npx tsx test/harness/record-observed.ts` (no extension build needed).
 * `… record-observed.ts ID…` prints those scenarios; with `--merge` it also writes them into the file in
 * place (appended when new), leaving the other records as they were.
 * The Local Network Access scenarios are recorded as the differential test observes them: in a second
 * Chromium with the webRequest probe, their endings as webRequest gave them (test/harness/lna.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { localNetworkScenarios } from '../lab/local-network.ts'
import { scenarios as labScenarios } from '../lab/scenarios.ts'
import { startLab } from '../lab/server.ts'
import { observeScenario } from './cdp.ts'
import { launchChromium } from './chromium.ts'
import { observeLna } from './lna.ts'
import { kindOf, openRunners } from './runners.ts'
import { writeProbe } from './webrequest-probe.ts'

const OUT = resolve(import.meta.dirname, '../core/fixtures/chromium-observed.json')
const scenarios = [...labScenarios, ...localNetworkScenarios]
const lnaIds = new Set(localNetworkScenarios.map((s) => s.id))

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const merge = args.includes('--merge')
  const only = args.filter((a) => a !== '--merge')
  const chosen = only.length ? scenarios.filter((s) => only.includes(s.id)) : scenarios
  const lab = await startLab({ scenarios, localNetwork: true })
  const launch = (extension: string | false) =>
    launchChromium({ extension, hostResolverRules: lab.hostResolverRules, args: lab.chromiumArgs })
  const browser = await launch(false)
  const probe = writeProbe()
  const lnaBrowser = await launch(probe.dir)
  try {
    const pages = new Map([
      ...(await openRunners(browser.context, lab, labScenarios)),
      ...(await openRunners(lnaBrowser.context, lab, localNetworkScenarios)),
    ])
    const records = []
    let surprises = 0
    for (const s of chosen) {
      const page = pages.get(kindOf(s))
      if (!page) throw new Error(`no runner page for ${s.id}`)
      const { oracle, exchange } = lnaIds.has(s.id)
        ? await observeLna(page, lab, s, lnaBrowser)
        : await observeScenario(page, lab, s)
      if (oracle.corsError !== s.expectCorsError) {
        surprises++
        console.log(
          `≠ ${s.id}: expected ${s.expectCorsError}, Chromium ${oracle.corsError} (${oracle.failedParameter})`,
        )
      }
      records.push({ id: s.id, title: s.title, oracle, exchange })
    }
    if (!only.length || merge) {
      const kept: { id: string }[] =
        merge && existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as { id: string }[]) : []
      const byId = new Map(records.map((r) => [r.id, r]))
      const out = [
        ...kept.map((r) => byId.get(r.id) ?? r),
        ...records.filter((r) => !kept.some((k) => k.id === r.id)),
      ]
      mkdirSync(dirname(OUT), { recursive: true })
      writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`)
      console.log(`wrote ${records.length} scenarios to ${OUT} (${surprises} differ from expectCorsError)`)
    } else {
      console.log(JSON.stringify(records, null, 2))
    }
  } finally {
    await browser.close()
    await lnaBrowser.close()
    probe.dispose()
    await lab.close()
  }
}

await main()
