/**
 * The Playwright run test/playwright/playwright.test.ts drives: the spec imports `cors-lens/playwright`,
 * as a user's would. Browsers come from CORS_LENS_PW (their executable and flags, chosen by the vitest
 * side: Debian's Chromium, never a downloaded browser), so this file has no import of the repo and runs
 * the same from the package installed in an empty folder.
 *
 * No Firefox project: Playwright 1.65's WebDriver BiDi Firefox (`browserName: 'firefox'`, `channel:
 * 'moz-firefox'`, executablePath Debian's firefox-esr 153) fails every test at browser.newContext with
 * "Protocol error (emulation.setMediaFeaturesOverride): unknown command": it sends that command
 * unconditionally and ESR 153 does not implement it.
 */
import { defineConfig } from '@playwright/test'

interface Browsers {
  readonly chromium?: { readonly executablePath: string; readonly args: readonly string[] }
}

const browsers = JSON.parse(process.env.CORS_LENS_PW ?? '{}') as Browsers

export default defineConfig({
  testDir: '.',
  testMatch: 'cors.spec.ts',
  // The runner's own artifacts go where the driving test says (a temp folder), not into the checkout.
  outputDir: process.env.CORS_LENS_PW_OUT ?? 'test-results',
  workers: 1,
  retries: 0,
  timeout: 30_000,
  projects: [
    ...(browsers.chromium
      ? [
          {
            name: 'chromium',
            use: {
              browserName: 'chromium' as const,
              headless: true,
              launchOptions: {
                executablePath: browsers.chromium.executablePath,
                args: [...browsers.chromium.args],
              },
            },
          },
        ]
      : []),
  ],
})
