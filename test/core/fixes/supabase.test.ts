/**
 * Supabase Edge Functions, named from a real published capture (headers exactly as posted) and cured with
 * the function's own code: the runtime cannot run here, so the two files are checked with node --check and
 * for holding the page's real values.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import type { Exchange } from '../../../src/core/exchange.ts'
import { h } from '../exchange-builders.ts'

const PAGE = 'https://producerstackcrm.com'
const URL_FN = 'https://cweiaibjigjwspmshcrj.supabase.co/functions/v1/statement-upload'

/**
 * A curl -i -X OPTIONS to this function, "BEFORE — the browser is refused", as a published verification
 * report pasted it verbatim (August 2026; a project's docs, found through the code index, repository not
 * recorded by it): Supabase's gateway behind its own Cloudflare, the documented default Allow-Headers.
 */
const BEFORE: [string, string][] = [
  ['Date', 'Sun, 02 Aug 2026 04:34:15 GMT'],
  ['Content-Type', 'text/plain;charset=UTF-8'],
  ['Transfer-Encoding', 'chunked'],
  ['Connection', 'keep-alive'],
  ['CF-Ray', 'a24a5e7cac1872e4-ORD'],
  ['CF-Cache-Status', 'DYNAMIC'],
  ['Access-Control-Allow-Origin', PAGE],
  ['Server', 'cloudflare'],
  ['Vary', 'Accept-Encoding, Origin'],
  ['access-control-allow-headers', 'authorization, x-client-info, apikey, content-type'],
  ['access-control-allow-methods', 'POST, OPTIONS'],
  ['sb-gateway-version', '1'],
  ['sb-project-ref', 'cweiaibjigjwspmshcrj'],
  ['sb-request-id', '019fc0c0-49eb-7286-881c-21bd71ce497a'],
  ['x-deno-execution-id', '431c9a91-702e-49ab-beff-be6dae8f213a'],
  ['x-sb-edge-region', 'us-east-2'],
  ['x-served-by', 'supabase-edge-runtime'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains; preload'],
  ['alt-svc', 'h3=":443"; ma=86400'],
]

const REQUESTED = 'authorization, content-type, x-filename-b64, x-content-type'

const upload: Exchange = {
  initiator: PAGE,
  request: {
    method: 'POST',
    url: URL_FN,
    headers: h(['Origin', PAGE], ['Content-Type', 'application/octet-stream']),
  },
  preflight: {
    request: {
      method: 'OPTIONS',
      url: URL_FN,
      headers: h(
        ['Origin', PAGE],
        ['Access-Control-Request-Method', 'POST'],
        ['Access-Control-Request-Headers', REQUESTED],
      ),
    },
    response: { status: 200, headers: h(...BEFORE) },
  },
  outcome: { kind: 'error', error: 'net::ERR_FAILED' },
}

function nodeChecks(source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sb-fn-')), 'index.mjs')
  writeFileSync(file, source.replace(/^import .*$/m, ''))
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' })
  return r.status === 0 ? 'ok' : r.stderr
}

describe('Supabase Edge Functions, from what they leave on a response', () => {
  const d = diagnose(upload)
  const stacks = d.fixes.map((f) => f.stack)

  it('the refused custom headers: Supabase at the service layer, its default list pinned to the function', () => {
    expect(d.corsError).toBe('HeaderDisallowedByPreflightResponse')
    expect(d.attribution).toMatchObject({ app: 'supabase', proxy: null })
    const acah = d.attribution?.lines.find((l) => l.header.name === 'access-control-allow-headers')
    expect(acah).toMatchObject({ layer: 'app', stack: 'supabase' })
    // Supabase's own Cloudflare zone is not the user's: no Cloudflare named, no Worker offered.
    for (const s of ['cloudflare', 'express', 'nginx', 'apache', 'caddy', 'generic', 'third-party'])
      expect(stacks).not.toContain(s)
  })

  it('the cure: corsHeaders with Supabase’s list and the page’s headers, OPTIONS answered first — both files parse', () => {
    const fix = d.fixes.find((f) => f.stack === 'supabase')
    const [cors, handler] = fix?.changes ?? []
    expect(cors?.snippet).toContain(
      "'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type, x-filename-b64, x-content-type',",
    )
    expect(cors?.snippet).toContain(`'Access-Control-Allow-Origin': '${PAGE}',`)
    expect(nodeChecks(cors?.snippet ?? '')).toBe('ok')
    expect(handler?.snippet).toContain("if (req.method === 'OPTIONS')")
    expect(nodeChecks(handler?.snippet ?? '')).toBe('ok')
  })
})
