// The CLI as a package: `npm pack` makes a tarball that installs offline in an empty folder (no runtime
// dependency to fetch) and runs as `npx cors-lens` there: --version, explain, check. The extension's build
// outputs and the sources stay out of it.
import { execFile, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkCommand } from '../../src/panel/copy.ts'
import { type HostileServer, startHostileServer } from '../lab/hostile-server.ts'
import { buildCli, buildPlaywrightFixture, ROOT } from './run.ts'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string
  version: string
  dependencies?: Record<string, string>
}
let dir = ''
let tarball = ''
let app = ''
let hostile: HostileServer

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env }
  for (const k of Object.keys(e)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete e[k]
  // An npm cache of its own: the install must need nothing from the registry.
  return { ...e, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' }
}

function run(cmd: string, args: readonly string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 170_000, env: env() })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** Without blocking this process: the loopback server the command talks to lives here. */
function runAsync(cmd: string, args: readonly string[], cwd: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', timeout: 170_000, env: env() }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    )
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cors-lens-package-'))
  buildCli()
  buildPlaywrightFixture()
  // The CLI and the Playwright fixture are built above; `prepack` would build them again.
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)
  expect(packed.code, packed.stderr).toBe(0)
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[]
  tarball = join(dir, info?.filename ?? '')
  app = join(dir, 'app')
  mkdirSync(app)
  hostile = await startHostileServer()
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await hostile?.close()
})

describe('npm pack → install in an empty folder → npx cors-lens', () => {
  it('the tarball holds the CLI, cors-lens/playwright, README and LICENSE, and nothing of the extension or the sources', () => {
    const r = run('tar', ['-tzf', tarball], dir)
    const files = r.stdout.trim().split('\n').sort()
    expect(files).toEqual([
      'package/LICENSE',
      'package/README.md',
      'package/build/cli/cors-lens-mcp.mjs',
      'package/build/cli/cors-lens.mjs',
      'package/build/playwright/index.d.ts',
      'package/build/playwright/index.mjs',
      'package/package.json',
    ])
  })

  it('has no runtime dependency, so it installs offline', () => {
    expect(pkg.dependencies ?? {}).toEqual({})
    const r = run(
      'npm',
      ['install', '--offline', '--no-package-lock', '--no-audit', '--no-fund', tarball],
      app,
    )
    expect(r.code, r.stderr).toBe(0)
    expect(readdirSync(join(app, 'node_modules', pkg.name))).toContain('build')
  })

  it('npx cors-lens --version, explain and check run the installed package', async () => {
    const npx = (...args: string[]) => run('npx', ['--offline', '--no', '--', 'cors-lens', ...args], app)
    expect(npx('--version').stdout.trim()).toBe(pkg.version)
    const explain = npx('explain', join(ROOT, 'test/fixtures/har/firefox.har'))
    expect(explain.code, explain.stderr).toBe(1)
    expect(explain.stdout).toContain('WildcardOriginNotAllowed')
    const check = await runAsync(
      'npx',
      [
        '--offline',
        '--no',
        '--',
        'cors-lens',
        'check',
        hostile.url('/ok'),
        '--origin',
        'https://app.example',
        // A page on this machine: no Local Network Access block (the server is on loopback).
        '--origin-address',
        'loopback',
      ],
      app,
    )
    expect(check.code, check.stderr).toBe(0)
    expect(check.stdout).toContain('would let the page read')
  })

  it('npx cors-lens mcp: the bundled MCP server initializes, lists its tools and answers a call', async () => {
    const transport = new StdioClientTransport({
      command: 'npx',
      args: ['--offline', '--no', '--', 'cors-lens', 'mcp'],
      cwd: app,
      env: env() as Record<string, string>,
    })
    const client = new Client({ name: 'package-test', version: '1' })
    await client.connect(transport)
    try {
      expect(client.getServerVersion()).toEqual({ name: 'cors-lens', version: pkg.version })
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name).sort()).toEqual(['check_url', 'explain_har', 'lint_config'])
      const r = (await client.callTool({
        name: 'lint_config',
        arguments: {
          text: 'events {}\nhttp { server { location /api/ { add_header Access-Control-Allow-Origin *; add_header Access-Control-Allow-Credentials true; proxy_pass http://127.0.0.1:9; } } }\n',
        },
      })) as { isError?: boolean; content: { text: string }[] }
      expect(r.isError).toBeFalsy()
      expect(r.content[1]?.text).toContain('nginx-wildcard-with-credentials')
    } finally {
      await client.close()
    }
  })

  it('"Copy as cors-lens check" in the panel names this exact package and version', () => {
    const cmd = checkCommand(
      {
        initiator: 'https://app.example',
        request: { method: 'GET', url: 'https://api.example/x', headers: [] },
        outcome: { kind: 'unknown' },
      },
      { credentials: { mode: 'omit' } } as Parameters<typeof checkCommand>[1],
      { includeSecrets: false } as Parameters<typeof checkCommand>[2],
    )
    expect(cmd.startsWith(`npx --yes ${pkg.name}@${pkg.version} check `)).toBe(true)
  })
})
