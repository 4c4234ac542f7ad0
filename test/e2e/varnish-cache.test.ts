/**
 * The cache trap behind Varnish, on the real varnishd: an app that reflects the Origin without Vary: Origin
 * gets one origin's answer cached and served to the next origin (a hit: X-Varnish carries two ids). The
 * Varnish recipes' vcl_backend_response guard (Vary: Origin added when the ACAO depends on it) keeps one
 * cached answer per Origin. No browser: curl sends the Origin, as test/lab/stacks/record.ts does.
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { VARNISH_VARY_ORIGIN } from '../../src/core/fixes/shared.ts'
import { startStack } from '../lab/stacks/stack.ts'

/** A hand-written CORS middleware that forgets Vary: Origin (what the cors package does not do). */
const REFLECT =
  "app.use((req, res, next) => { res.set('Access-Control-Allow-Origin', req.headers.origin); next() })"

async function acaoPerOrigin(vclBackendResponse: string): Promise<string[]> {
  const stack = await startStack({
    proxy: 'varnish',
    app: 'express',
    appSlots: { app_cors: REFLECT },
    proxySlots: { vcl_backend_response: vclBackendResponse },
  })
  try {
    return ['http://a.test', 'http://b.test'].map((origin) => {
      const out = execFileSync(
        'curl',
        ['-s', '-i', '--max-time', '10', '-H', `Origin: ${origin}`, `${stack.origin}/api/items`],
        { encoding: 'utf8' },
      )
      return /^access-control-allow-origin: *(.*?)\r?$/im.exec(out)?.[1] ?? '(none)'
    })
  } finally {
    await stack.stop()
  }
}

describe('Varnish caches CORS answers per Origin only when Vary says so', () => {
  it("without Vary: Origin, the second origin gets the first one's cached ACAO", {
    timeout: 60_000,
  }, async () => {
    expect(await acaoPerOrigin('')).toEqual(['http://a.test', 'http://a.test'])
  })

  it("with the recipe's vcl_backend_response guard, each origin gets its own", {
    timeout: 60_000,
  }, async () => {
    expect(await acaoPerOrigin(VARNISH_VARY_ORIGIN)).toEqual(['http://a.test', 'http://b.test'])
  })
})
