/**
 * Vercel, named from a real published capture (headers exactly as posted, the source beside it) and cured
 * with its own configuration: it cannot run here, so vercel.json is checked for form (JSON.parse) and the
 * OPTIONS handler with node --check, both for holding the page's real values.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import { exchange, preflight, response } from '../exchange-builders.ts'

/**
 * A curl -i of https://flagforge.xyz/api/admin/badge-templates posted in a security report at
 * https://github.com/FlagForgeCTF/flagForge/issues (27 September 2025): a Next.js function on Vercel that
 * allows its own site only.
 */
const FLAGFORGE: [string, string][] = [
  ['access-control-allow-origin', 'https://flagforge.xyz'],
  ['age', '0'],
  ['cache-control', 'no-store, no-cache, must-revalidate, proxy-revalidate'],
  ['content-type', 'application/json'],
  ['date', 'Sat, 27 Sep 2025 11:17:35 GMT'],
  ['permissions-policy', 'geolocation=(), microphone=(), camera=(), payment=()'],
  ['pragma', 'no-cache'],
  ['referrer-policy', 'no-referrer'],
  ['server', 'Vercel'],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains; preload'],
  ['vary', 'rsc, next-router-state-tree, next-router-prefetch, next-router-segment-prefetch'],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['x-matched-path', '/api/admin/badge-templates'],
  ['x-vercel-cache', 'MISS'],
  ['x-vercel-id', 'bom1::iad1::kbnlf-1758971855497-e981648f08c6'],
  ['x-xss-protection', '1; mode=block'],
]

const URL_API = 'https://flagforge.example/api/admin/badge-templates'
const stacks = (d: ReturnType<typeof diagnose>): string[] => d.fixes.map((f) => f.stack)

function nodeChecks(source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vercel-fn-')), 'route.mjs')
  writeFileSync(file, source)
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' })
  return r.status === 0 ? 'ok' : r.stderr
}

describe('Vercel, from what it leaves on a response', () => {
  it('the flagforge answer read from another page: Vercel at the proxy layer, vercel.json with the page’s origin', () => {
    const d = diagnose(exchange({ url: URL_API, response: response(200, ...FLAGFORGE) }))
    expect(d.corsError).toBe('AllowOriginMismatch')
    expect(d.attribution?.proxy).toBe('vercel')
    expect(d.attribution?.evidence.join(' ')).toContain('Server: Vercel — Vercel delivered it')
    const fix = d.fixes.find((f) => f.stack === 'vercel')
    expect(fix?.recommended).toBe(true)
    const json = JSON.parse(fix?.changes[0]?.snippet ?? '') as {
      headers: { source: string; headers: { key: string; value: string }[] }[]
    }
    expect(json.headers[0]?.source).toBe('/api/(.*)')
    expect(json.headers[0]?.headers).toContainEqual({
      key: 'Access-Control-Allow-Origin',
      value: 'https://app.example',
    })
    expect(json.headers[0]?.headers).toContainEqual({ key: 'Vary', value: 'Origin' })
    // The Age: 0 and lower-case names it shares with other stacks name nothing else.
    for (const s of ['nginx', 'apache', 'caddy', 'express', 'fastapi', 'cloudflare', 'varnish'])
      expect(stacks(d)).not.toContain(s)
  })

  it('a refused preflight: vercel.json with the method and headers, and an OPTIONS answer that parses', () => {
    const refused = response(
      405,
      ['server', 'Vercel'],
      ['x-vercel-id', 'fra1::iad1::abcde-1758971855497-0123456789ab'],
      ['x-matched-path', '/api/items'],
    )
    const d = diagnose(exchange({ method: 'PATCH', preflight: preflight('PATCH', 'authorization', refused) }))
    expect(d.attribution?.proxy).toBe('vercel')
    const fix = d.fixes.find((f) => f.stack === 'vercel')
    const json = JSON.parse(fix?.changes[0]?.snippet ?? '') as {
      headers: { headers: { key: string; value: string }[] }[]
    }
    expect(json.headers[0]?.headers).toContainEqual({
      key: 'Access-Control-Allow-Methods',
      value: 'GET, POST, PATCH, OPTIONS',
    })
    expect(json.headers[0]?.headers).toContainEqual({
      key: 'Access-Control-Allow-Headers',
      value: 'authorization',
    })
    expect(fix?.changes[1]?.where).toContain('OPTIONS')
    expect(nodeChecks(fix?.changes[1]?.snippet ?? '')).toBe('ok')
  })

  it('its own error (x-vercel-error, https://vercel.com/docs/errors): the function never answered', () => {
    const crashed = response(
      500,
      ['server', 'Vercel'],
      ['x-vercel-error', 'FUNCTION_INVOCATION_FAILED'],
      ['x-vercel-id', 'iad1::abcde-1758971855497-0123456789ab'],
    )
    const d = diagnose(exchange({ response: crashed }))
    expect(d.attribution?.evidence.join(' ')).toContain('the function never answered')
    const fix = d.fixes.find((f) => f.stack === 'vercel')
    expect(fix?.title).toBe('Vercel answered with its own error: make the function answer')
    expect(fix?.snippet).not.toContain('Access-Control-Allow-Origin')
  })

  it('behind Cloudflare (its Server replaces Vercel’s), the outer edge is the one named', () => {
    const d = diagnose(
      exchange({
        response: response(
          200,
          ['Server', 'cloudflare'],
          ['CF-RAY', '8a1b2c3d4e5f6071-FRA'],
          ['x-vercel-id', 'fra1::abcde-1758971855497-0123456789ab'],
        ),
      }),
    )
    expect(d.attribution?.proxy).toBe('cloudflare')
    expect(stacks(d)).not.toContain('vercel')
  })
})
