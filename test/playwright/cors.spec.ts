/**
 * What a user writes: Playwright's test from `cors-lens/playwright`. Run by test/playwright/playwright.test.ts,
 * which starts the lab and asserts on the JSON reporter's output. Each test fetches one URL from the lab
 * page and waits for the page to say how the fetch ended; the fixture decides the rest.
 */
import { expect, test } from 'cors-lens/playwright'

interface LabUrls {
  readonly page: string
  readonly seed: string
  readonly ok: string
  readonly known: string
  readonly fulfilled: string
  readonly preflight: string
  readonly refused: string
}

const lab = JSON.parse(process.env.CORS_LENS_LAB ?? '{}') as LabUrls

/** The lab page fetches `url` from its own script and shows how it ended in its title. */
async function fetchFromPage(
  page: import('@playwright/test').Page,
  url: string,
  put = false,
): Promise<string> {
  await page.goto(`${lab.page}?url=${encodeURIComponent(url)}${put ? '&put=1' : ''}`)
  await expect(page).toHaveTitle(/^(ok|failed)$/)
  return page.title()
}

test('seed: nginx add_header in front of Express cors()', async ({ page }) => {
  // The page sees "Failed to fetch" and nothing more: the fixture explains it when the test ends.
  expect(await fetchFromPage(page, lab.seed)).toBe('failed')
})

test('a preflight the API answers without Access-Control-Allow-Origin', async ({ page }) => {
  expect(await fetchFromPage(page, lab.preflight, true)).toBe('failed')
})

test('a request refused for another reason than CORS does not fail the test', async ({ page }) => {
  expect(await fetchFromPage(page, lab.refused)).toBe('failed')
})

test('a page whose API allows it passes', async ({ page, cors }) => {
  expect(await fetchFromPage(page, lab.ok)).toBe('ok')
  await cors.settle()
  expect(cors.blocked).toHaveLength(0)
})

test.describe('a known failure', () => {
  test.use({ corsLens: { allow: ['**/s/pw-known'] } })

  test('is silenced by allow', async ({ page, cors }) => {
    expect(await fetchFromPage(page, lab.known)).toBe('failed')
    await cors.settle()
    expect(cors.blocked).toHaveLength(0)
    expect(cors.allowed.map((b) => b.corsError)).toEqual(['MissingAllowOriginHeader'])
  })
})

test.describe('mode warn', () => {
  test.use({ corsLens: { mode: 'warn' } })

  test('annotates the block and passes', async ({ page }) => {
    expect(await fetchFromPage(page, lab.seed)).toBe('failed')
  })
})

test('route.fulfill of a cross-origin request is flagged', async ({ page }) => {
  await page.route(lab.fulfilled, (route) => route.fulfill({ status: 200, body: '{}' }))
  expect(await fetchFromPage(page, lab.fulfilled)).toBe('ok')
})
