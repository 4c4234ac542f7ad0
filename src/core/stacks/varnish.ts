import { plainProxy, recipe, WHERE } from '../fixes/varnish.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Varnish Cache, a cache in front of the app. It passes the backend's headers on (Server included) and adds
 * its own at delivery: `X-Varnish: <xid>[ <object xid>]` (two ids on a hit), `Age`, and
 * `Via: 1.1 <identity> (Varnish/<branch>)` (bin/varnishd/cache/cache_http.c HTTP_Init,
 * https://github.com/varnishcache/varnish-cache). Measured from varnishd 7.1:
 * test/core/fixtures/stacks/varnish-express-dup-append.json. Fastly also writes X-Varnish
 * (https://www.fastly.com/documentation/reference/http/http-headers/X-Varnish/): with Fastly's own marks
 * present, the header is not read as Varnish Cache.
 */
const fastly = (h: Parameters<typeof val>[0]): boolean =>
  has(h, 'x-fastly-request-id') || val(h, 'x-served-by').startsWith('cache-')

export const varnish: StackModule = {
  id: 'varnish',
  name: 'Varnish',
  layer: 'proxy',
  comment: '#',
  recipe,
  config: WHERE,
  plainProxy,
  fingerprints: [
    {
      // In the Server phase, after nginx, Apache and Caddy: Varnish passes their Server header on, and its
      // `set` replaces lines instead of adding one, so a repeated CORS line comes from the layer behind it.
      phase: 'server',
      read: (r) => {
        const xid = val(r.headers, 'x-varnish')
        return /^\d+( \d+)?$/.test(xid) && !fastly(r.headers)
          ? { stack: 'varnish', confidence: 'high', evidence: `X-Varnish: ${xid} — Varnish delivered it` }
          : null
      },
    },
    {
      phase: 'via',
      read: (r) => {
        const via = val(r.headers, 'via')
        return /\(varnish\//i.test(via) && !fastly(r.headers)
          ? { stack: 'varnish', confidence: 'medium', evidence: `Via: ${via} names Varnish` }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    varnish: true
  }
}
