import { plainProxy, recipe, WHERE } from '../fixes/fastly.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Fastly, a CDN. It adds `X-Served-By: cache-<pop><node>-<POP>` (one entry per Fastly node, after any the
 * origin sent), `X-Cache` and `X-Cache-Hits` (one state per node) and, where the service sets it,
 * `X-Fastly-Request-ID` (https://www.fastly.com/documentation/reference/http/http-headers/X-Served-By/,
 * https://www.fastly.com/documentation/reference/http/http-headers/X-Cache/). Seen in
 * https://github.com/rust-lang/simpleinfra/pull/1067 (`cache-fra-eddf8230101-FRA`, `MISS, HIT`) and
 * https://github.com/Wikia/app/pull/2681 (`cache-fra1229-FRA` after the origin's own entries). A `cache-`
 * entry alone is only a hint (other caches name nodes so:
 * https://github.com/wappalyzer/wappalyzer/pull/6588): with Fastly's POP form and X-Cache it is named.
 */
const NODE = /^cache-[a-z]{3}[a-z0-9-]{1,40}-[a-z]{3}$/i

export const fastly: StackModule = {
  id: 'fastly',
  name: 'Fastly',
  layer: 'proxy',
  comment: '#',
  recipe,
  config: WHERE,
  plainProxy,
  fingerprints: [
    {
      phase: 'via',
      read: (r) => {
        const h = r.headers
        if (has(h, 'x-fastly-request-id'))
          return {
            stack: 'fastly',
            confidence: 'high',
            evidence: 'X-Fastly-Request-ID — Fastly delivered it',
          }
        const servedBy = val(h, 'x-served-by')
        const node = servedBy
          .split(',')
          .map((s) => s.trim())
          .find((s) => NODE.test(s))
        if (!node || !has(h, 'x-cache')) return null
        return {
          stack: 'fastly',
          confidence: 'high',
          evidence: `X-Served-By: ${servedBy} with X-Cache: ${val(h, 'x-cache')} — Fastly delivered it`,
        }
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    fastly: true
  }
}
