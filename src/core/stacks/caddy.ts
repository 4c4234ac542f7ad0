import { plainProxy, recipe, WHERE } from '../fixes/caddy.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const caddy: StackModule = {
  id: 'caddy',
  name: 'Caddy',
  layer: 'proxy',
  comment: '#',
  recipe,
  config: WHERE,
  plainProxy,
  fingerprints: [
    {
      phase: 'server',
      read: (r) => {
        const server = val(r.headers, 'server')
        const via = val(r.headers, 'via')
        if (!/^caddy\b/i.test(server) && !/caddy/i.test(via)) return null
        const mark = server ? `Server: ${server}` : `Via: ${via}`
        return { stack: 'caddy', confidence: 'high', evidence: `${mark} — Caddy answered` }
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    caddy: true
  }
}
