/**
 * `cors-lens/playwright` as a user gets it: `npm pack`, the tarball installed in an empty folder next to
 * `@playwright/test` (a CommonJS project, as `npm init playwright` makes: the TypeScript spec is compiled
 * to require(), which the export's `default` condition answers), and the same spec and config run there
 * with `npx playwright test` against the lab. The same outcomes as in the repository are asserted.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCli, buildPlaywrightFixture } from '../cli/run.ts'
import {
  expectSpecOutcomes,
  type LabForPlaywright,
  type PwReport,
  ROOT,
  runPlaywright,
  SPEC_DIR,
  startLabForPlaywright,
} from './run.ts'

/** The @playwright/test this repository is tested with (package-lock.json): the same in the empty folder. */
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string }>
}
const PLAYWRIGHT_VERSION = lock.packages['node_modules/@playwright/test']?.version ?? ''
const TYPES_NODE_VERSION = lock.packages['node_modules/@types/node']?.version ?? ''

let dir = ''
let app = ''
let setup: LabForPlaywright
let installed: { code: number; stderr: string }
let run: Awaited<ReturnType<typeof runPlaywright>>

function sh(cmd: string, args: readonly string[], cwd: string) {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete env[k]
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...env, npm_config_update_notifier: 'false', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(async () => {
  expect(PLAYWRIGHT_VERSION).toMatch(/^\d+\.\d+\.\d+$/)
  dir = mkdtempSync(join(tmpdir(), 'cors-lens-pw-package-'))
  buildCli()
  buildPlaywrightFixture()
  const packed = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)
  expect(packed.code, packed.stderr).toBe(0)
  const [info] = JSON.parse(packed.stdout) as { filename: string }[]
  app = join(dir, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', private: true }, null, 2)}\n`)
  // From the npm cache where it can (the registry otherwise); no browser is downloaded.
  installed = sh(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      join(dir, info?.filename ?? ''),
      `@playwright/test@${PLAYWRIGHT_VERSION}`,
      // Only for type-checking the spec below (it reads process.env).
      `@types/node@${TYPES_NODE_VERSION}`,
    ],
    app,
  )
  for (const f of ['cors.spec.ts', 'playwright.config.ts']) copyFileSync(join(SPEC_DIR, f), join(app, f))
  setup = await startLabForPlaywright()
  if (installed.code === 0) run = await runPlaywright(app, 'playwright.config.ts', setup.env)
}, 600_000)
afterAll(async () => {
  await setup?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('cors-lens/playwright from the npm pack tarball, in an empty folder', () => {
  it('installs beside @playwright/test, adding no dependency of its own', () => {
    expect(installed.code, installed.stderr).toBe(0)
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/cors-lens/package.json'), 'utf8')) as {
      dependencies?: Record<string, string>
    }
    expect(pkg.dependencies ?? {}).toEqual({})
  })

  it("type-checks a user's spec against the published index.d.ts (tsc, strict, Node's module resolution)", () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
        },
        files: ['cors.spec.ts'],
      }),
    )
    const tsc = sh(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      app,
    )
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0)
    // And a misuse is caught: the option's mode is 'fail' | 'warn'.
    writeFileSync(
      join(app, 'misuse.ts'),
      "import { test } from 'cors-lens/playwright'\ntest.use({ corsLens: { mode: 'loud' } })\n",
    )
    const bad = sh(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        'misuse.ts',
      ],
      app,
    )
    expect(bad.code).not.toBe(0)
    expect(bad.stdout).toContain('\'"loud"\' is not assignable')
  })

  it('fails the seed with the verdict, the nginx line and the fix; passes the rest as asked', () => {
    expect(run?.report, `${run?.stdout}\n${run?.stderr}`).toBeTruthy()
    expect(run.report?.errors ?? []).toEqual([])
    expect(run.code).toBe(1)
    expectSpecOutcomes(run.report as PwReport, 'chromium', setup.seed.port, setup.lab)
  })
})
