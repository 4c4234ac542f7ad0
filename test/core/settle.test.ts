// The settle command (core/settle.ts): offered only where the layer is unsure, filled from the real request,
// and a shell reads it back word for word, whatever a page or a server put in it.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { Analysis } from '../../src/core/analysis.ts'
import { diagnose } from '../../src/core/diagnose.ts'
import type { Exchange } from '../../src/core/exchange.ts'
import { settleCommand } from '../../src/core/settle.ts'
import { exchange, ORIGIN, response } from './exchange-builders.ts'

/** The words bash reads from the command (cors-lens is not run: printf prints each argument). */
function shellWords(command: string): string[] {
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${command.replace(/^cors-lens /, '')}`], {
    encoding: 'utf8',
  })
  expect(r.status).toBe(0)
  return r.stdout.split('\0').slice(0, -1)
}

const blocked = (parts: Parameters<typeof exchange>[0]): { ex: Exchange; a: Analysis } => {
  const ex = exchange({ outcome: { kind: 'unknown' }, ...parts })
  return { ex, a: diagnose(ex) }
}

describe('settle', () => {
  it('unsure (no proxy or framework mark): the command, with the page’s origin, method and headers', () => {
    const ex = exchange({
      method: 'POST',
      requestHeaders: [
        ['Origin', ORIGIN],
        ['Content-Type', 'application/json'],
        ['X-Trace', 'a1'],
      ],
      response: response(200),
      outcome: { kind: 'unknown' },
    })
    const d = diagnose(ex)
    expect(d.blocked).toBe(true)
    expect(d.attribution.settle).toBe(
      `cors-lens check 'https://api.example/items' --origin '${ORIGIN}' --method 'POST' --header 'Content-Type: application/json' --header 'X-Trace: a1' --upstream APP_URL`,
    )
  })

  it('sure (the seed case behind nginx, read by wire order): no command', () => {
    const d = diagnose(
      exchange({
        response: response(
          200,
          ['Server', 'nginx/1.22.1'],
          ['X-Powered-By', 'Express'],
          ['Access-Control-Allow-Origin', '*'],
          ['Access-Control-Allow-Origin', '*'],
        ),
        outcome: { kind: 'unknown' },
      }),
    )
    expect(d.attribution.confidence).toBe('high')
    expect(d.attribution.settle).toBeUndefined()
  })

  it('a request that passed needs no settling', () => {
    const d = diagnose(
      exchange({ response: response(200, ['Access-Control-Allow-Origin', ORIGIN]), outcome: { kind: 'ok' } }),
    )
    expect(d.blocked).toBe(false)
    expect(d.attribution.settle).toBeUndefined()
  })

  it("hostile values stay inside their words; secrets are redacted; a control character's value is left out", () => {
    const evil = `a'b"; $(touch pwned) \`id\` #`
    const { ex, a } = blocked({
      url: "https://api.example/it'ems?access_token=SECRET123&q=$(id)",
      method: 'PUT',
      requestHeaders: [
        ['Origin', ORIGIN],
        ['X-Evil', evil],
        ['Authorization', 'Bearer SECRET123'],
        ['X-Ctl', 'a\u001b]52;c;x\u0007'],
      ],
      response: response(200),
    })
    const command = settleCommand(ex, a) ?? ''
    expect(command).not.toContain('SECRET123')
    expect(shellWords(command)).toEqual([
      'check',
      "https://api.example/it'ems?access_token=[redacted]&q=$(id)",
      '--origin',
      ORIGIN,
      '--method',
      'PUT',
      '--header',
      `X-Evil: ${evil}`,
      '--header',
      'Authorization: [redacted]',
      // A value check --header refuses (a control character) is left for the user to fill.
      '--header',
      'x-ctl: VALUE',
      '--upstream',
      'APP_URL',
    ])
  })

  it('no origin that can be quoted, or no http URL: no command', () => {
    const bad = blocked({ requestHeaders: [['Origin', 'https://a.example/$(id)']], response: response(200) })
    expect(settleCommand(bad.ex, { ...bad.a, origin: 'https://a.example/$(id)' })).toBeNull()
    const ws = blocked({ url: 'wss://api.example/', response: response(200) })
    expect(settleCommand(ws.ex, ws.a)).toBeNull()
  })
})
