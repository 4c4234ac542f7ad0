/**
 * Cloudflare, named from real published captures (headers exactly as posted, the source beside each) and
 * cured with its own configuration: it cannot run here, so the Worker is checked for form (node --check)
 * and for holding the page's real values.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import { exchange, preflight, response } from '../exchange-builders.ts'

/** https://github.com/cdnjs/cdnjs/issues/13324: a cached copy without ACAO (the lines before the post's cut). */
const CDNJS: [string, string][] = [
  ['CF-Cache-Status', 'HIT'],
  ['CF-RAY', '4c8126335ee07924-LAX'],
  ['Cache-Control', 'public, max-age=30672000'],
  ['Connection', 'keep-alive'],
  ['Content-Encoding', 'gzip'],
  ['Content-Type', 'text/css'],
  ['Date', 'Mon, 15 Apr 2019 21:52:54 GMT'],
  ['ETag', 'W/"5afd4939-7918"'],
  ['Expect-CT', 'max-age=604800, report-uri="https://report-uri.cloudflare.com/cdn-cgi/beacon/expect-ct"'],
  ['Expires', 'Sat, 04 Apr 2020 21:52:54 GMT'],
  ['Last-Modified', 'Thu, 17 May 2018 09:19:53 GMT'],
  ['Served-In-Seconds', '0.001'],
  ['Server', 'cloudflare'],
]

/** https://github.com/coyove/goflyway/issues/119: Cloudflare's own 522 (the poster masked values with $). */
const ERROR_522: [string, string][] = [
  ['Date', 'Sun, $ Nov 2018 $$:$$:$$ GMT'],
  ['Content-Type', 'text/html; charset=UTF-8'],
  ['Transfer-Encoding', 'chunked'],
  ['Connection', 'keep-alive'],
  ['Set-Cookie', '__cfduid=$$$; expires=$-Nov-19 $$:$$:$$ GMT; path=/; domain=$$$; HttpOnly'],
  ['Set-Cookie', 'cf_use_ob=0; path=/; expires=$-Nov-18 $$:$$:$$ GMT'],
  ['Expires', 'Thu, 01 Jan 1970 00:00:01 GMT'],
  ['Cache-Control', 'no-store, no-cache, must-revalidate, post-check=0, pre-check=0'],
  ['Pragma', 'no-cache'],
  ['Server', 'cloudflare'],
  ['CF-RAY', '$$$'],
]

/** The page of the cdnjs report. */
const PIXAR = 'https://vto.os.pixar.com'

/** https://github.com/nvm-sh/nvm/issues/1451: Cloudflare's Server of 2017, a HIT (nodejs.org/dist/). */
const NVM: [string, string][] = [
  ['Date', 'Thu, 23 Mar 2017 06:01:30 GMT'],
  ['Content-Type', 'text/html'],
  ['Connection', 'keep-alive'],
  [
    'Set-Cookie',
    '__cfduid=dfc6f588f40c4069cc5176f2ba3af414d1490249074; expires=Fri, 23-Mar-18 06:04:34 GMT; path=/; domain=.nodejs.org; HttpOnly',
  ],
  ['CF-Cache-Status', 'HIT'],
  ['Vary', 'Accept-Encoding'],
  ['Expires', 'Thu, 23 Mar 2017 10:04:34 GMT'],
  ['Cache-Control', 'public, max-age=14400'],
  ['Server', 'cloudflare-nginx'],
  ['CF-RAY', '343f31ab9786462c-TPE'],
]

const stacks = (d: ReturnType<typeof diagnose>): string[] => d.fixes.map((f) => f.stack)

function nodeChecks(source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cf-worker-')), 'index.mjs')
  writeFileSync(file, source)
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' })
  return r.status === 0 ? 'ok' : r.stderr
}

describe('Cloudflare, from what it leaves on a response', () => {
  it('the cdnjs HIT: Cloudflare at the proxy layer, the cache finding, and no cure for a CDN the page does not run', () => {
    const d = diagnose({
      ...exchange({
        url: 'https://cdnjs.cloudflare.com/ajax/libs/font-awesome/4.7.0/css/font-awesome.min.css',
        requestHeaders: [['Origin', PIXAR]],
        response: response(200, ...CDNJS),
      }),
      initiator: PIXAR,
    })
    expect(d.corsError).toBe('MissingAllowOriginHeader')
    expect(d.attribution).toMatchObject({ proxy: 'cloudflare', app: null })
    expect(d.attribution?.evidence.join(' ')).toContain('Server: cloudflare — Cloudflare delivered it')
    expect(d.findings.map((f) => f.title)).toContain("Cloudflare served another page's CORS answer")
    // cdnjs.cloudflare.com is a public CDN (ownership.ts): only what the page's owner can do.
    expect(stacks(d)).not.toContain('cloudflare')
    for (const s of ['nginx', 'apache', 'caddy', 'express']) expect(stacks(d)).not.toContain(s)
  })

  it('the same HIT on your own API: the cure is Vary: Origin and a Cache Rule, not a Worker', () => {
    const d = diagnose(exchange({ response: response(200, ...CDNJS) }))
    const fix = d.fixes.find((f) => f.stack === 'cloudflare')
    expect(fix?.recommended).toBe(true)
    expect(fix?.changes[0]?.snippet).toContain('Vary: Origin')
    expect(fix?.changes[1]?.where).toContain('Cache Rules')
    for (const s of ['nginx', 'apache', 'caddy', 'express', 'varnish', 'cloudfront'])
      expect(stacks(d)).not.toContain(s)
  })

  it('its own 522 answering a preflight: the origin never answered, and no CORS snippet pretends otherwise', () => {
    const d = diagnose(
      exchange({ method: 'PUT', preflight: preflight('PUT', 'content-type', response(522, ...ERROR_522)) }),
    )
    // Chromium reads the ACAO before the status.
    expect(d.corsError).toBe('PreflightMissingAllowOriginHeader')
    expect(d.attribution?.proxy).toBe('cloudflare')
    expect(d.attribution?.evidence.join(' ')).toContain("status 522: Cloudflare's own error page")
    const fix = d.fixes.find((f) => f.stack === 'cloudflare')
    expect(fix?.title).toBe('Cloudflare answered 522 itself: make the origin answer')
    expect(fix?.snippet).not.toContain('Access-Control-Allow-Origin')
  })

  it('a preflight through Cloudflare without CORS: a Worker that answers it with the page’s values, valid JS', () => {
    const pre = response(
      404,
      ['Server', 'cloudflare'],
      ['CF-RAY', '8a1b2c3d4e5f6071-FRA'],
      ['Content-Type', 'text/html'],
    )
    const d = diagnose(
      exchange({
        method: 'DELETE',
        credentials: 'include',
        preflight: preflight('DELETE', 'authorization, x-trace', pre),
      }),
    )
    const fix = d.fixes.find((f) => f.stack === 'cloudflare')
    expect(fix?.label).toBe('Cloudflare Worker')
    const js = fix?.changes[0]?.snippet ?? ''
    expect(nodeChecks(js)).toBe('ok')
    expect(js).toContain("const ALLOWED_ORIGIN = 'https://app.example'")
    expect(js).toContain("'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS'")
    expect(js).toContain("'Access-Control-Allow-Headers': 'authorization, x-trace'")
    expect(js).toContain("'Access-Control-Allow-Credentials': 'true'")
  })

  it('its 2017 Server (cloudflare-nginx) is Cloudflare’s, not nginx’s: no nginx cure', () => {
    const d = diagnose(exchange({ url: 'https://nodejs.org/dist/', response: response(200, ...NVM) }))
    expect(d.attribution?.proxy).toBe('cloudflare')
    expect(d.attribution?.evidence.join(' ')).toContain('Server: cloudflare-nginx — Cloudflare delivered it')
    expect(stacks(d)).toContain('cloudflare')
    expect(stacks(d)).not.toContain('nginx')
  })

  it('a mark other stacks share (Age, a bare Via) names no Cloudflare', () => {
    const d = diagnose(
      exchange({ response: response(200, ['Age', '120'], ['Via', '1.1 proxy'], ['server', 'nginx']) }),
    )
    expect(d.attribution?.proxy).not.toBe('cloudflare')
    expect(stacks(d)).not.toContain('cloudflare')
  })
})
