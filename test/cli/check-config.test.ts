/**
 * `check --config` around the edges, against a loopback server that answers without any CORS line: a config
 * whose findings name another failure (the MultipleAllowOriginValues of a duplicate) is said not to explain
 * it and is still listed; a config that cannot be read is one line and exit 2, never a stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckJsonEntry } from '../../src/cli/check.ts'
import type { ConfigJson } from '../../src/cli/check-config.ts'
import { hasStackTrace, runInProcess } from './run.ts'

let server: Server
let url: string
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-check-config-'))
beforeAll(async () => {
  server = createServer((_req, res) => res.end('{}'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/items`
})
afterAll(() => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** nginx adds ACAO in front of an app: a duplicate only if the app sends one too (not the failure seen here). */
const NGINX = `events {}
http {
    server {
        listen 80;
        location /api/ {
            add_header Access-Control-Allow-Origin * always;
            proxy_pass http://127.0.0.1:3000;
        }
    }
}
`

describe('check --config', () => {
  it('says when no finding explains the failure seen, and still lists what lint found', async () => {
    const config = join(dir, 'nginx.conf')
    writeFileSync(config, NGINX)
    const args = ['check', url, '--origin', 'http://app.test', '--config', config]
    const json = await runInProcess([...args, '--json'])
    const entry = JSON.parse(json.stdout) as CheckJsonEntry & { config: ConfigJson }
    expect(entry.corsError).toBe('MissingAllowOriginHeader')
    expect(entry.config.findings.map((f) => [f.code, f.explains])).toEqual([
      ['nginx-acao-in-front-of-upstream', false],
    ])
    expect(entry.config.findings[0]?.lineText?.trim()).toBe(
      'add_header Access-Control-Allow-Origin * always;',
    )

    const text = await runInProcess(args)
    expect(text.code).toBe(1)
    expect(text.stdout).toContain('No finding explains the failure above')
    expect(text.stdout).toContain(`${config}:6: warning:`)
  })

  it('refuses a config it cannot read in one line (exit 2)', async () => {
    const r = await runInProcess([
      'check',
      url,
      '--origin',
      'http://app.test',
      '--config',
      join(dir, 'nope.conf'),
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/nope\.conf: no such file/)
    expect(hasStackTrace(r.stderr)).toBe(false)
  })

  it('without --config, the JSON has no config key', async () => {
    const r = await runInProcess(['check', url, '--origin', 'http://app.test', '--json'])
    expect('config' in (JSON.parse(r.stdout) as object)).toBe(false)
  })
})
