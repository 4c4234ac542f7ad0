import { plainProxy, recipe, WHERE } from '../fixes/apache.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const apache: StackModule = {
  id: 'apache',
  name: 'Apache',
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
        return /^apache\b/i.test(server)
          ? { stack: 'apache', confidence: 'high', evidence: `Server: ${server} — Apache httpd answered` }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    apache: true
  }
}
