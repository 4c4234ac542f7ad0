/** Helpers for the CLI tests: run a command in-process with captured output, or spawn the built bin. */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Io } from '../../src/cli/io.ts'
import { main } from '../../src/cli/main.ts'

export const ROOT = resolve(import.meta.dirname, '../..')
export const BIN = resolve(ROOT, 'build/cli/cors-lens.mjs')

export interface RunResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export async function runInProcess(argv: readonly string[]): Promise<RunResult> {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t) }
  const code = await main(argv, io)
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}

/**
 * Builds the CLI bundle once per test file (the bundle is what users run). Test files run in parallel and each
 * builds: the build goes to a folder of its own and each file is then renamed into build/cli (atomic), so a
 * test never starts the bin while another file's build has emptied build/cli.
 */
export function buildCli(): void {
  const staging = resolve(ROOT, `build/cli-staging-${process.pid}`)
  const r = spawnSync('npx', ['vite', 'build', '--mode', 'cli', '--outDir', staging], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
    env: cleanEnv(),
  })
  if (r.status === 0) {
    mkdirSync(dirname(BIN), { recursive: true })
    for (const f of readdirSync(staging)) renameSync(resolve(staging, f), resolve(dirname(BIN), f))
  }
  rmSync(staging, { recursive: true, force: true })
  if (r.status !== 0 || !existsSync(BIN) || statSync(BIN).size === 0)
    throw new Error(`CLI build failed:\n${r.stdout}\n${r.stderr}`)
}

/** Builds `cors-lens/playwright` (build/playwright/index.mjs and index.d.ts), the package's other file set. */
export function buildPlaywrightFixture(): void {
  const r = spawnSync('npx', ['vite', 'build', '--mode', 'playwright'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
    env: cleanEnv(),
  })
  if (r.status !== 0 || !existsSync(resolve(ROOT, 'build/playwright/index.d.ts')))
    throw new Error(`cors-lens/playwright build failed:\n${r.stdout}\n${r.stderr}`)
}

/** Without vitest's variables: vite.config.ts returns the test config when VITEST is set. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete env[k]
  return env
}

export function spawnCli(args: readonly string[], options?: { command?: readonly string[] }): RunResult {
  const [cmd, ...pre] = options?.command ?? ['node', BIN]
  const r = spawnSync(cmd ?? 'node', [...pre, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    env: cleanEnv(),
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** Stack traces look like "    at fn (file:line:col)". None may ever reach the user. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]\d+/m.test(text) || /\bError: .*\n\s+at /.test(text)
}
