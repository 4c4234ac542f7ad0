/**
 * `nginx -T | cors-lens lint -` on the lab's real configs: every nginx stack scenario of the lab (and one
 * whose CORS lines sit in an included glob) rendered, dumped by the real `nginx -T`, piped into the BUILT
 * CLI. The findings must be the ones lint gives for the files themselves, each carrying the original file
 * and line (the dump's `# configuration file …:` markers), also with nginx's stderr lines in front (2>&1).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LintFinding } from '../../../src/core/lint/index.ts'
import { BIN, buildCli } from '../../cli/run.ts'
import { STACK_SCENARIOS, specFor } from '../../lab/stacks/scenarios.ts'
import { fillTemplate, type Slots } from '../../lab/stacks/stack.ts'

const NGINX = '/usr/sbin/nginx'
const PAGE = 'http://app.test:8080'
const TEMPLATE = readFileSync(resolve(import.meta.dirname, '../../lab/stacks/templates/nginx.conf'), 'utf8')
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-lint-dump-'))
beforeAll(() => buildCli(), 180_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes the lab's nginx.conf for these slots (and extra files) under its own prefix; returns its path. */
function writeConfig(id: string, slots: Slots, extra: Readonly<Record<string, string>> = {}): string {
  const prefix = join(dir, id)
  mkdirSync(prefix, { recursive: true })
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(
    conf,
    fillTemplate(TEMPLATE, { ...slots, prefix, port: '1', app_port: '2', location_path: '/api/' }),
  )
  for (const [name, text] of Object.entries(extra)) {
    mkdirSync(join(prefix, name, '..'), { recursive: true })
    writeFileSync(join(prefix, name), text)
  }
  return conf
}

/** `nginx -T` of the config (stdout; with `withStderr`, nginx's "syntax is ok" lines first, as 2>&1 gives). */
function dump(conf: string, withStderr = false): string {
  const prefix = join(conf, '..')
  const r = spawnSync(NGINX, ['-T', '-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf], {
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`nginx -T failed: ${r.stderr}`)
  return withStderr ? r.stderr + r.stdout : r.stdout
}

/** The built CLI's `lint --json` (exit 1, an error finding, is an answer too). */
function lintCli(args: readonly string[], input?: string): LintFinding[] {
  const r = spawnSync('node', [BIN, 'lint', '--json', ...args], { encoding: 'utf8', input })
  if (r.status !== 0 && r.status !== 1) throw new Error(`lint exited ${r.status}: ${r.stderr}`)
  return (JSON.parse(r.stdout) as { findings: LintFinding[] }).findings
}

const nginxScenarios = STACK_SCENARIOS.filter((s) => s.proxy === 'nginx')

describe('nginx -T | cors-lens lint - on the lab configs', () => {
  it('covers the lab', () => {
    expect(nginxScenarios.length).toBeGreaterThan(5)
  })
  for (const s of nginxScenarios)
    it(s.id, { timeout: 30_000 }, () => {
      const conf = writeConfig(s.id, specFor(s, PAGE).proxySlots ?? {})
      const direct = lintCli([conf])
      const piped = lintCli(['-'], dump(conf))
      expect(piped).toEqual(direct)
      // A scenario with CORS at nginx is broken there or warned about (ACAO in front of the app); one
      // with a plain nginx (the app's CORS is wrong) has nothing for lint to find.
      const corsAtNginx = /Access-Control/.test(JSON.stringify(s.proxySlots ?? {}))
      expect(piped.length > 0).toBe(corsAtNginx)
      for (const f of piped) expect(f.file).toBe(conf)
      // Each finding's line is the original line of its directive.
      const lines = readFileSync(conf, 'utf8').split('\n')
      for (const f of piped)
        expect(lines[f.line - 1]).toMatch(/add_header|if \(|return|proxy_hide_header|map|"~/)
    })

  it('an included glob: findings name the included file and its line, also after 2>&1', {
    timeout: 30_000,
  }, () => {
    const conf = writeConfig(
      'include',
      { location: 'include cors.d/*.conf;' },
      {
        'cors.d/10-origin.conf': '# CORS for /api/\nadd_header Access-Control-Allow-Origin *;\n',
        'cors.d/20-methods.conf': 'add_header Access-Control-Allow-Methods "GET, PUT" always;\n',
      },
    )
    const direct = lintCli([conf])
    const piped = lintCli(['-'], dump(conf, true))
    expect(piped).toEqual(direct)
    const f = piped.find((x) => x.code === 'nginx-cors-without-always')
    expect([f?.file, f?.line]).toEqual([join(conf, '..', 'cors.d/10-origin.conf'), 2])
  })
})
