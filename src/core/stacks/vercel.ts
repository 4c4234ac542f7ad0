import { plainProxy, recipe, WHERE } from '../fixes/vercel.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Vercel, an edge in front of the deployment's functions and static files. Its responses carry `Server:
 * Vercel`, `x-vercel-id: <pop>::[<pop>::]<id>` and `x-vercel-cache` (https://vercel.com/docs/headers/response-headers,
 * which notes that a proxy in front, e.g. Cloudflare, may replace Server); its own error responses add
 * `x-vercel-error` (https://vercel.com/docs/errors). All three seen on a curl of flagforge.xyz posted in a
 * security report at https://github.com/FlagForgeCTF/flagForge/issues (September 2025).
 */
const POP_ID = /^[a-z]{3}\d::/i

export const vercel: StackModule = {
  id: 'vercel',
  name: 'Vercel',
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
        const server = val(h, 'server').trim()
        const id = val(h, 'x-vercel-id').trim()
        const mark = /^vercel$/i.test(server)
          ? `Server: ${server}`
          : POP_ID.test(id)
            ? `x-vercel-id: ${id}`
            : has(h, 'x-vercel-cache')
              ? `x-vercel-cache: ${val(h, 'x-vercel-cache')}`
              : null
        if (!mark) return null
        const error = val(h, 'x-vercel-error').trim()
        return {
          stack: 'vercel',
          confidence: 'high',
          evidence: error
            ? `${mark} with x-vercel-error: ${error} — Vercel's own error: the function never answered`
            : `${mark} — Vercel delivered it`,
        }
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    vercel: true
  }
}
