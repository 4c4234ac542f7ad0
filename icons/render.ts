/**
 * Renders icons/icon.svg to the PNG sizes the manifest names, with the system Chromium (never a downloaded
 * browser). Run: npx tsx icons/render.ts
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { findChromium } from '../test/harness/chromium.ts'

const SIZES = [16, 32, 48, 128] as const
const dir = import.meta.dirname
const svg = readFileSync(join(dir, 'icon.svg'), 'utf8')

const executablePath = findChromium()
if (!executablePath) throw new Error('No Chromium found: set CHROMIUM_PATH.')
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] })
try {
  for (const size of SIZES) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 })
    // The SVG scales to the viewport; a transparent page keeps the rounded corners clean.
    const sized = svg.replace(/width="\d+" height="\d+"/, `width="${size}" height="${size}"`)
    await page.setContent(`<html><body style="margin:0;background:transparent">${sized}</body></html>`)
    await page.screenshot({ path: join(dir, `icon-${size}.png`), omitBackground: true })
    await page.close()
  }
} finally {
  await browser.close()
}
