/**
 * `cors-lens/playwright` in a real `@playwright/test` run: `npx playwright test` on test/playwright/cors.spec.ts
 * against the lab, in Debian's Chromium (launchOptions.executablePath, the harness's flags; no browser is
 * downloaded), asserted on the JSON reporter's output. The seed case — a real nginx with
 * `add_header Access-Control-Allow-Origin *` in front of a real Express app whose cors() names the page —
 * must fail its test with the engine's explanation; a page the API allows passes; `allow` silences a known
 * failure; mode 'warn' only annotates; a cross-origin `route.fulfill` is flagged.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPlaywrightFixture } from '../cli/run.ts'
import {
  expectSpecOutcomes,
  type LabForPlaywright,
  type PwReport,
  ROOT,
  runPlaywright,
  SPEC_DIR,
  startLabForPlaywright,
} from './run.ts'

let setup: LabForPlaywright
let run: Awaited<ReturnType<typeof runPlaywright>>

beforeAll(async () => {
  // The spec imports `cors-lens/playwright` by name: the package's own export, so build it from these sources.
  buildPlaywrightFixture()
  setup = await startLabForPlaywright()
  run = await runPlaywright(ROOT, join(SPEC_DIR, 'playwright.config.ts'), setup.env)
}, 300_000)
afterAll(async () => {
  await setup?.close()
})

describe('cors-lens/playwright in a real @playwright/test run (Chromium)', () => {
  it('runs the spec and writes a JSON report', () => {
    expect(run.report, `${run.stdout}\n${run.stderr}`).not.toBeNull()
    expect(run.report?.errors ?? []).toEqual([])
    // One test fails (the seed): the runner exits 1.
    expect(run.code).toBe(1)
  })

  it('fails the seed with the verdict, the nginx line and the fix; passes the rest as asked', () => {
    expectSpecOutcomes(run.report as PwReport, 'chromium', setup.seed.port, setup.lab)
  })
})
