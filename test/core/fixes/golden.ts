/** Golden files of the recipe tests: compare with test/core/fixes/golden/<name>.txt, or (UPDATE_GOLDEN=1) write it. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden')

export function golden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, `${name}.txt`)
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true })
    writeFileSync(file, actual)
    return
  }
  expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1`).toBe(true)
  expect(actual).toBe(readFileSync(file, 'utf8'))
}
