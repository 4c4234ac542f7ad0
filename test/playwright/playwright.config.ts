/**
 * The Playwright run test/playwright/playwright.test.ts drives: the spec imports `cors-lens/playwright`,
 * as a user's would. Browsers come from CORS_LENS_PW (their executable and flags, chosen by the vitest
 * side: Debian's Chromium, never a downloaded browser), so this file has no import of the repo and runs
 * the same from the package installed in an empty folder.
 */
import { defineConfig } from '@playwright/test'

interface Browsers {
  readonly chromium?: { readonly executablePath: string; readonly args: readonly string[] }
  readonly firefox?: {
    readonly executablePath: string
    readonly firefoxUserPrefs: Readonly<Record<string, string | number | boolean>>
  }
}

const browsers = JSON.parse(process.env.CORS_LENS_PW ?? '{}') as Browsers

export default defineConfig({
  testDir: '.',
  testMatch: 'cors.spec.ts',
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
    ...(browsers.firefox
      ? [
          {
            name: 'firefox',
            use: {
              browserName: 'firefox' as const,
              channel: 'moz-firefox',
              headless: true,
              launchOptions: {
                executablePath: browsers.firefox.executablePath,
                firefoxUserPrefs: { ...browsers.firefox.firefoxUserPrefs },
              },
            },
          },
        ]
      : []),
  ],
})
