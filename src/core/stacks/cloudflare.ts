import { EDGE_ERROR, plainProxy, recipe, WHERE } from '../fixes/cloudflare.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'
import { supabaseMarks } from './supabase.ts'

/**
 * Cloudflare, a CDN and edge (its Workers and Pages included). It replaces the origin's Server header with
 * `Server: cloudflare` and adds `CF-RAY: <16 hex>-<colo>` and, on cacheable paths, `CF-Cache-Status`
 * (https://developers.cloudflare.com/fundamentals/reference/http-headers/); when it cannot reach the origin
 * it answers its own 520–527 and 530 pages (https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/).
 * Seen together in https://github.com/cdnjs/cdnjs/issues/13324 (a HIT served without the ACAO); before
 * 2017 the Server said `cloudflare-nginx` (https://github.com/nvm-sh/nvm/issues/1451). A Worker
 * on workers.dev leaves the same marks: the host tells it apart.
 */
const RAY = /^[0-9a-f]{16}-[a-z]{3,4}$/i

export const cloudflare: StackModule = {
  id: 'cloudflare',
  name: 'Cloudflare',
  layer: 'proxy',
  comment: '//',
  recipe,
  config: WHERE,
  plainProxy,
  fingerprints: [
    {
      phase: 'via',
      read: (r) => {
        const h = r.headers
        // Supabase runs its Edge Functions behind its own Cloudflare zone, which its users do not configure:
        // the supabase module names the service, and Cloudflare is not named (as CloudFront under API Gateway).
        if (supabaseMarks(h)) return null
        const server = val(h, 'server').trim()
        const ray = val(h, 'cf-ray').trim()
        const named = /^cloudflare(-nginx)?$/i.test(server)
        const mark = named
          ? `Server: ${server}`
          : RAY.test(ray)
            ? `CF-RAY: ${ray}`
            : has(h, 'cf-cache-status')
              ? `CF-Cache-Status: ${val(h, 'cf-cache-status')}`
              : null
        if (!mark) return null
        const own = EDGE_ERROR.has(r.status) && named
        return {
          stack: 'cloudflare',
          confidence: 'high',
          evidence: own
            ? `${mark} with status ${r.status}: Cloudflare's own error page — the origin never answered`
            : `${mark} — Cloudflare delivered it`,
        }
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    cloudflare: true
  }
}
