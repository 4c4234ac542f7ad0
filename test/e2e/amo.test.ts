/**
 * Ready for addons.mozilla.org: Mozilla's own linter (web-ext lint, the addons-linter AMO runs on upload) on
 * the Firefox build must report no error and no warning, and the manifest must declare honestly that the
 * extension collects no data.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { FIREFOX_EXTENSION_DIR } from '../harness/firefox.ts'

const ROOT = resolve(import.meta.dirname, '../..')

interface LintReport {
  readonly summary: { readonly errors: number; readonly warnings: number; readonly notices: number }
  readonly errors: readonly { code: string; message: string }[]
  readonly warnings: readonly { code: string; message: string; file?: string }[]
}

describe('the Firefox build passes web-ext lint', () => {
  let report: LintReport
  beforeAll(() => {
    if (!existsSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json')))
      execFileSync('npx', ['vite', 'build'], {
        cwd: ROOT,
        stdio: 'ignore',
        env: { ...process.env, TARGET_BROWSER: 'firefox' },
      })
    const out = execFileSync(
      join(ROOT, 'node_modules', '.bin', 'web-ext'),
      ['lint', '--source-dir', FIREFOX_EXTENSION_DIR, '--output', 'json', '--no-input'],
      { cwd: ROOT, encoding: 'utf8' },
    )
    report = JSON.parse(out.slice(out.indexOf('{'))) as LintReport
  })

  it('with 0 errors and 0 warnings', () => {
    expect(report.errors.map((e) => `${e.code}: ${e.message}`)).toEqual([])
    expect(report.warnings.map((w) => `${w.code}: ${w.message} (${w.file})`)).toEqual([])
  })

  it('declares that it collects nothing, for a Firefox that reads the declaration', () => {
    const manifest = JSON.parse(readFileSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json'), 'utf8'))
    expect(manifest.browser_specific_settings.gecko.data_collection_permissions).toEqual({
      required: ['none'],
    })
    expect(manifest.browser_specific_settings.gecko.strict_min_version).toBe('140.0')
    expect(manifest.background.service_worker).toBeUndefined()
  })

  it("ships no innerHTML sink (preact's is replaced at build time)", () => {
    const assets = join(FIREFOX_EXTENSION_DIR, 'assets')
    for (const file of readdirSync(assets).filter((f) => f.endsWith('.js')))
      expect(readFileSync(join(assets, file), 'utf8'), file).not.toMatch(/\.innerHTML\s*=/)
  })
})
