/**
 * The HAProxy recipe's snippets, checked by the real HAProxy (`haproxy -c`), with hostile request headers:
 * what HAProxy cannot quote (a `$` expands an environment variable inside "…") is left out with a note.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import type { Exchange } from '../../../src/core/exchange.ts'
import { recording } from '../stack-fixtures.ts'

function haproxyCheck(rules: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-haproxy-'))
  try {
    const body = rules
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')
    const cfg = `defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nfrontend f\n    bind 127.0.0.1:8080\n${body}\n    default_backend b\nbackend b\n    server s 127.0.0.1:1\n`
    writeFileSync(join(dir, 'h.cfg'), cfg)
    const r = spawnSync('/usr/sbin/haproxy', ['-c', '-f', join(dir, 'h.cfg')], { encoding: 'utf8' })
    return r.status === 0 ? '' : `${r.stdout}${r.stderr}`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('HAProxy recipe', () => {
  it('every snippet of every HAProxy fix parses with haproxy -c, hostile header names included', () => {
    const r = recording('haproxy-deny-options')
    const pf = r.exchange.preflight
    if (!pf) throw new Error('no preflight')
    for (const asked of ['content-type,x-api-key', "x-a%b,x-#c,x-'d,x-$e"]) {
      const headers = [
        ...pf.request.headers.filter((h) => h.name !== 'Access-Control-Request-Headers'),
        { name: 'Access-Control-Request-Headers', value: asked },
      ]
      const ex: Exchange = { ...r.exchange, preflight: { ...pf, request: { ...pf.request, headers } } }
      const fixes = diagnose(ex).fixes.filter((f) => f.stack === 'haproxy')
      expect(fixes.length).toBeGreaterThan(0)
      for (const f of fixes) for (const c of f.changes) expect(haproxyCheck(c.snippet)).toBe('')
      if (asked.includes('$')) expect(fixes[0]?.snippet).toMatch(/left out Access-Control-Allow-Headers/)
    }
  })
})
