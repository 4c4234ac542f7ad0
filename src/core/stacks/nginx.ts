import { plainProxy, recipe, WHERE } from '../fixes/nginx.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const nginx: StackModule = {
  id: 'nginx',
  name: 'nginx',
  layer: 'proxy',
  comment: '#',
  recipe,
  config: WHERE,
  plainProxy,
  fingerprints: [
    {
      // A proxy replaces the app's Server header, so Server names the outer layer (OpenResty is nginx).
      phase: 'server',
      read: (r) => {
        const server = val(r.headers, 'server')
        return /^nginx\b/i.test(server) || /openresty/i.test(server)
          ? { stack: 'nginx', confidence: 'high', evidence: `Server: ${server} — nginx answered` }
          : null
      },
    },
    {
      phase: 'via',
      read: (r) => {
        const via = val(r.headers, 'via')
        return /nginx/i.test(via)
          ? { stack: 'nginx', confidence: 'medium', evidence: `Via: ${via} names nginx` }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    nginx: true
  }
}
