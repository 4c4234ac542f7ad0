import { describe, expect, it } from 'vitest'
import type { Exchange, Outcome } from '../../src/core/exchange.ts'
import { analyze, Session } from '../../src/core/index.ts'
import { SESSION_RECENT_ORIGINS } from '../../src/core/session.ts'

const PAGE = 'https://app.example'

function ex(api: string, path: string, status: number, acao: boolean): Exchange {
  const outcome: Outcome = status >= 400 ? { kind: 'error', error: 'net::ERR_FAILED' } : { kind: 'ok' }
  return {
    initiator: PAGE,
    request: { url: `${api}${path}`, method: 'GET', headers: [{ name: 'Origin', value: PAGE }] },
    response: {
      status,
      headers: acao ? [{ name: 'Access-Control-Allow-Origin', value: PAGE }] : [],
    },
    preflight: null,
    redirects: [],
    outcome,
  } as unknown as Exchange
}

const codes = (s: Session, key: string, e: Exchange): string[] => s.judge(key, e).findings.map((f) => f.code)

describe('Session', () => {
  it('adds the cross-request finding to an error judged after a success with CORS headers', () => {
    const s = new Session()
    expect(codes(s, 'a', ex('https://api.example', '/ok', 200, true))).not.toContain(
      'cors-headers-missing-on-errors',
    )
    expect(codes(s, 'b', ex('https://api.example', '/fail', 500, false))).toContain(
      'cors-headers-missing-on-errors',
    )
  })

  it('judges each API origin on its own', () => {
    const s = new Session()
    s.judge('a', ex('https://api.example', '/ok', 200, true))
    expect(codes(s, 'b', ex('https://other.example', '/fail', 500, false))).not.toContain(
      'cors-headers-missing-on-errors',
    )
  })

  it('forgets the least recently judged origin beyond its bound, and everything on clear()', () => {
    const s = new Session()
    s.judge('a', ex('https://api.example', '/ok', 200, true))
    for (let i = 0; i < SESSION_RECENT_ORIGINS; i++)
      s.judge(`o${i}`, ex(`https://o${i}.example`, '/', 200, true))
    expect(codes(s, 'b', ex('https://api.example', '/fail', 500, false))).not.toContain(
      'cors-headers-missing-on-errors',
    )
    s.judge('c', ex('https://api.example', '/ok', 200, true))
    s.clear()
    expect(codes(s, 'd', ex('https://api.example', '/fail', 500, false))).not.toContain(
      'cors-headers-missing-on-errors',
    )
  })

  it('turns an engine exception into an "unknown" verdict and reports it', () => {
    const errors: unknown[] = []
    const s = new Session({
      analyze: () => {
        throw new Error('boom')
      },
      onError: (e) => errors.push(e),
    })
    const a = s.judge('a', ex('https://api.example', '/ok', 200, true))
    expect(a.verdict).toBe('unknown')
    expect(a.summary).toContain('boom')
    expect(errors).toHaveLength(1)
  })

  it('gives the verdict analyze gives for a single exchange', () => {
    const e = ex('https://api.example', '/fail', 500, false)
    expect(new Session().judge('a', e)).toEqual(analyze(e))
  })
})
