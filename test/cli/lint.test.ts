/** The `cors-lens lint` contract of issue 18: exit 0/1/2, file:line in the human output, the --json fields. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hasStackTrace, runInProcess } from './run.ts'

const dir = mkdtempSync(join(tmpdir(), 'cors-lens-lint-'))
function conf(name: string, body: string): string {
  const p = join(dir, name)
  writeFileSync(p, `events {}\nhttp {\n server {\n  listen 8080;\n${body}\n }\n}\n`)
  return p
}

const broken = conf(
  'broken.conf',
  `  location /api/ {
   add_header Access-Control-Allow-Origin *;
   add_header Access-Control-Allow-Credentials true;
   proxy_pass http://127.0.0.1:9;
  }`,
)
const optionB = conf('option-b.conf', '  location /api/ { proxy_pass http://127.0.0.1:9; }')

describe('cors-lens lint', () => {
  it('an error finding: exit 1, file:line of the offending line, when it bites and the fix', async () => {
    const r = await runInProcess(['lint', broken])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('broken.conf:6')
    expect(r.stdout).toContain('WildcardOriginNotAllowed')
    expect(r.stdout).toMatch(/Fix/)
  })

  it('a correct config (CORS only in the app, nginx a plain proxy): exit 0', async () => {
    const r = await runInProcess(['lint', optionB])
    expect(r.code).toBe(0)
  })

  it('--json carries the contract fields', async () => {
    const r = await runInProcess(['lint', '--json', broken])
    expect(r.code).toBe(1)
    const { findings } = JSON.parse(r.stdout) as { findings: Record<string, unknown>[] }
    expect(findings.length).toBeGreaterThan(0)
    for (const f of findings) {
      expect(Object.keys(f)).toEqual(
        expect.arrayContaining([
          'code',
          'severity',
          'server',
          'file',
          'line',
          'title',
          'explanation',
          'corsError',
          'when',
          'fix',
        ]),
      )
      expect(['error', 'warning', 'info']).toContain(f.severity)
      expect((f.fix as { snippet: unknown }).snippet).toEqual(expect.any(String))
    }
    expect(findings.map((f) => [f.code, f.corsError, f.when])).toContainEqual([
      'nginx-wildcard-with-credentials',
      'WildcardOriginNotAllowed',
      'credentials',
    ])
  })

  it('unusable input (binary, a missing file, an unsupported server): exit 2, one line, no stack trace', async () => {
    const bin = join(dir, 'binary.conf')
    writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0x1b, 0x5b]))
    for (const argv of [
      ['lint', bin],
      ['lint', join(dir, 'missing.conf')],
      ['lint', '--server', 'apache', optionB],
    ]) {
      const r = await runInProcess(argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(2)
      expect(hasStackTrace(r.stderr + r.stdout)).toBe(false)
      expect(r.stderr + r.stdout).not.toContain('\x1b')
    }
  })
})
