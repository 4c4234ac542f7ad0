/**
 * `cors-lens check URL --origin O --config FILE` on the lab's real stacks: the check talks to the real nginx
 * (or Caddy) in front of the real Express app, and `--config` is the config that proxy ran (the text the lab
 * rendered and started it with). The finding that explains the failure the check observed must come first,
 * flagged in --json and announced in the text output, and the others after it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { CheckJsonEntry } from '../../src/cli/check.ts'
import type { ConfigJson } from '../../src/cli/check-config.ts'
import { runInProcess } from '../cli/run.ts'
import { STACK_SCENARIOS, specFor } from '../lab/stacks/scenarios.ts'
import { startStack } from '../lab/stacks/stack.ts'

const PAGE = 'http://app.test:5173'
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-check-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const CASES = [
  { id: 'nginx-express-dup-star', file: 'nginx.conf', code: 'nginx-acao-in-front-of-upstream' },
  { id: 'caddy-express-dup-star', file: 'Caddyfile', code: 'caddy-acao-in-front-of-upstream' },
] as const

describe('check --config on a real stack', () => {
  for (const c of CASES)
    it(`${c.id}: ${c.code} explains the MultipleAllowOriginValues the check saw, first`, async () => {
      const s = STACK_SCENARIOS.find((x) => x.id === c.id)
      if (!s?.proxy) throw new Error(`no stack scenario ${c.id}`)
      const stack = await startStack(specFor(s, PAGE))
      try {
        const config = join(dir, `${s.proxy}-${c.file}`)
        // The very text the proxy was started with (RunningStack.files: the rendered config).
        writeFileSync(config, stack.files[s.proxy] ?? '')
        const url = `${stack.origin}${s.fetch.path}`
        const args = ['check', url, '--origin', PAGE, '--config', config]

        const json = await runInProcess([...args, '--json'])
        expect(json.code, json.stderr).toBe(1)
        const entry = JSON.parse(json.stdout) as CheckJsonEntry & { config: ConfigJson }
        expect(entry.corsError).toBe('MultipleAllowOriginValues')
        const [first, ...rest] = entry.config.findings
        expect(first?.code).toBe(c.code)
        expect(first?.explains).toBe(true)
        expect(first?.file).toBe(config)
        expect(first?.lineText).toMatch(/Access-Control-Allow-Origin \*/)
        expect(first?.headerLine?.name.toLowerCase()).toBe('access-control-allow-origin')
        expect(first?.headerLine?.value).toBe('*')
        expect(rest.filter((f) => f.explains)).toEqual([])

        const text = await runInProcess(args)
        expect(text.code).toBe(1)
        const lines = text.stdout.split('\n')
        const at = lines.indexOf('Config:')
        expect(at).toBeGreaterThan(lines.findIndex((l) => l.includes('would BLOCK')))
        expect(lines[at + 1]).toMatch(
          /^ {2}This explains the failure above: the browser reported MultipleAllowOriginValues/,
        )
        expect(lines[at + 2]).toBe(`  ${config}:${first?.line}: ${first?.lineText?.trim()}`)
        // The first full finding printed after the header is the explaining one.
        expect(lines.slice(at).find((l) => /: (error|warning|info): /.test(l))).toContain(`[${c.code}]`)
      } finally {
        await stack.stop()
      }
    }, 40_000)
})
