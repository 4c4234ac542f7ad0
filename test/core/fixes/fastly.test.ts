/**
 * Fastly, named from real published captures (its lines exactly as posted, the source beside each) and
 * cured with its own VCL: it cannot run here and no Fastly VCL compiler is at hand, so the snippets are
 * checked for holding the page's real values in the subroutines Fastly runs them in.
 */
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import { exchange, preflight, response } from '../exchange-builders.ts'

/** https://github.com/rust-lang/simpleinfra/pull/1067: two Fastly nodes, the second a HIT. */
const SIMPLEINFRA: [string, string][] = [
  ['x-served-by', 'cache-fra-eddf8230101-FRA, cache-fra-etou8220020-FRA'],
  ['x-cache', 'MISS, HIT'],
  ['x-cache-hits', '0, 3'],
]

/** https://github.com/Wikia/app/pull/2681: the origin's own entries, then Fastly's node. */
const WIKIA: [string, string][] = [
  ['X-Served-By', 'dev-macbre, varnish-s1-SJC, cache-fra1229-FRA'],
  ['X-Cache', 'ORIGIN, MISS, MISS'],
  ['X-Cache-Hits', 'ORIGIN, 0, 0'],
]

const stacks = (d: ReturnType<typeof diagnose>): string[] => d.fixes.map((f) => f.stack)

describe('Fastly, from what it leaves on a response', () => {
  it('a HIT carrying another page’s ACAO (the posted lines, the ACAO added): the cache key is the cure', () => {
    const d = diagnose(
      exchange({
        response: response(200, ['access-control-allow-origin', 'https://other.example'], ...SIMPLEINFRA),
      }),
    )
    expect(d.corsError).toBe('AllowOriginMismatch')
    expect(d.attribution?.proxy).toBe('fastly')
    expect(d.findings.map((f) => f.title)).toContain("Fastly served another page's CORS answer")
    const fix = d.fixes.find((f) => f.stack === 'fastly')
    expect(fix?.label).toBe('Fastly: vary on Origin')
    expect(fix?.snippet).toContain('set beresp.http.Vary = "Origin";')
    // Fastly is Varnish inside, but its marks are its own: no Varnish Cache named, no Varnish cure.
    for (const s of ['varnish', 'nginx', 'apache', 'caddy', 'cloudfront', 'cloudflare'])
      expect(stacks(d)).not.toContain(s)
  })

  it('a preflight through Fastly without CORS: VCL that answers it at the edge with the page’s values', () => {
    const d = diagnose(
      exchange({
        method: 'PUT',
        credentials: 'include',
        preflight: preflight('PUT', 'content-type, x-api-key', response(200, ...WIKIA)),
      }),
    )
    expect(d.corsError).toBe('PreflightMissingAllowOriginHeader')
    expect(d.attribution?.proxy).toBe('fastly')
    const fix = d.fixes.find((f) => f.stack === 'fastly')
    expect(fix?.label).toBe('Fastly VCL')
    const [recv, error, deliver] = fix?.changes ?? []
    expect(recv?.snippet).toContain('req.http.Origin == "https://app.example"')
    expect(recv?.snippet).toContain('error 600')
    expect(error?.snippet).toContain('set obj.http.Access-Control-Allow-Methods = "GET, POST, PUT, OPTIONS";')
    expect(error?.snippet).toContain('set obj.http.Access-Control-Allow-Headers = "content-type, x-api-key";')
    expect(error?.snippet).toContain('set obj.http.Access-Control-Allow-Credentials = "true";')
    expect(deliver?.snippet).toContain('set resp.http.Access-Control-Allow-Origin = "https://app.example";')
    // Balanced braces, each snippet on its own (they go in separate VCL snippets).
    for (const c of fix?.changes ?? [])
      expect(c.snippet.split('{').length, c.where).toBe(c.snippet.split('}').length)
  })

  it('a cache- node name without X-Cache, or with another cache’s form, names no Fastly (a shared hint)', () => {
    for (const servedBy of ['cache-1', 'cache-proxy-01.internal'])
      expect(
        diagnose(exchange({ response: response(200, ['X-Served-By', servedBy], ['X-Cache', 'HIT']) }))
          .attribution?.proxy,
      ).not.toBe('fastly')
    const bare = diagnose(exchange({ response: response(200, ['X-Served-By', 'cache-fra1229-FRA']) }))
    expect(bare.attribution?.proxy).not.toBe('fastly')
    expect(stacks(bare)).not.toContain('fastly')
  })
})
