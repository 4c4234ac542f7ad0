/**
 * The extension built with another live source (src/platform/live-source.ts: CORS_LENS_LIVE_SOURCE at build
 * time), each in its own folder beside dist/: the bench measures the candidates side by side and the
 * capture-equivalence test compares them with the shipped build. A Chromium build takes about a second.
 */
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import type { LiveSource } from '../../src/protocol.ts'

const ROOT = resolve(import.meta.dirname, '../..')

/** Builds (again: sources may have changed) and returns the folder. */
export function buildLiveSource(source: LiveSource): string {
  const outDir = resolve(ROOT, `dist-live-${source}`)
  // Not the test config: vite.config.ts serves vitest when VITEST is set (as it is inside a test).
  const env: NodeJS.ProcessEnv = { ...process.env, CORS_LENS_LIVE_SOURCE: source, CORS_LENS_OUT_DIR: outDir }
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'NODE_ENV') delete env[key]
  execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: ROOT, stdio: 'ignore', env })
  return outDir
}
