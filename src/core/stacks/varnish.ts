import { plainProxy, recipe, WHERE } from '../fixes/varnish.ts'
import { has, val } from './fingerprint.ts'
import type { LineOrder, StackModule } from './stack.ts'

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

/**
 * Varnish writes X-Varnish, Age and Via as it delivers, after the headers it stored from the backend; a
 * `set` or header.append in vcl_deliver lands after those (measured on varnishd 7.1,
 * test/core/fixtures/stacks/varnish-express-dup-append.json). So a CORS line after X-Varnish is Varnish's
 * own; one before it came with the backend's response (or from vcl_backend_response: medium).
 */
const lineOrder: LineOrder = ({ headers, index, app }) => {
  const mark = headers.findIndex((l) => l.name.toLowerCase() === 'x-varnish')
  if (mark < 0) return null
  if (index > mark)
    return {
      layer: 'proxy',
      stack: 'varnish',
      confidence: 'high',
      evidence: "after Varnish's X-Varnish line: set (or header.append) in vcl_deliver",
    }
  return {
    layer: 'app',
    stack: app,
    confidence: 'medium',
    evidence:
      "before Varnish's X-Varnish line: stored from the backend's response (the app's, unless vcl_backend_response set it)",
  }
}

export const varnish: StackModule = {
  id: 'varnish',
  name: 'Varnish',
  layer: 'proxy',
  comment: '#',
  recipe,
  config: WHERE,
  plainProxy,
  lineOrder,
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
