/**
 * Records what Chromium does with every lab scenario into test/core/fixtures/chromium-observed.json:
 * the CDP oracle (corsErrorStatus) and the wire-only Exchange, for developing and replaying the engine
 * without a browser. Run: `npx tsx test/harness/record-observed.ts` (no extension build needed).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { localNetworkScenarios } from '../lab/local-network.ts'
import { scenarios as labScenarios } from '../lab/scenarios.ts'
import { startLab } from '../lab/server.ts'
import { observeScenario } from './cdp.ts'
import { launchChromium } from './chromium.ts'
import { kindOf, openRunners } from './runners.ts'

const OUT = resolve(import.meta.dirname, '../core/fixtures/chromium-observed.json')
const scenarios = [...labScenarios, ...localNetworkScenarios]

async function main(): Promise<void> {
  const only = process.argv.slice(2)
  const chosen = only.length ? scenarios.filter((s) => only.includes(s.id)) : scenarios
  const lab = await startLab({ scenarios, localNetwork: true })
  const browser = await launchChromium({
    extension: false,
    hostResolverRules: lab.hostResolverRules,
    args: lab.chromiumArgs,
  })
  try {
    const pages = await openRunners(browser.context, lab, scenarios)
    const records = []
    let surprises = 0
    for (const s of chosen) {
      const page = pages.get(kindOf(s))
      if (!page) throw new Error(`no runner page for ${s.id}`)
      const { oracle, exchange } = await observeScenario(page, lab, s)
      if (oracle.corsError !== s.expectCorsError) {
        surprises++
        console.log(
          `≠ ${s.id}: expected ${s.expectCorsError}, Chromium ${oracle.corsError} (${oracle.failedParameter})`,
        )
      }
      records.push({ id: s.id, title: s.title, oracle, exchange })
    }
    if (!only.length) {
      mkdirSync(dirname(OUT), { recursive: true })
      writeFileSync(OUT, `${JSON.stringify(records, null, 2)}\n`)
      console.log(`wrote ${records.length} scenarios to ${OUT} (${surprises} differ from expectCorsError)`)
    } else {
      console.log(JSON.stringify(records, null, 2))
    }
  } finally {
    await browser.close()
    await lab.close()
  }
}

await main()
