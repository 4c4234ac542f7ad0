import { recipe, WHERE } from '../fixes/aspnet.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const aspnet: StackModule = {
  id: 'aspnet',
  name: 'ASP.NET Core',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) => {
        const powered = val(r.headers, 'x-powered-by')
        return /asp\.net/i.test(powered)
          ? { stack: 'aspnet', confidence: 'high', evidence: `X-Powered-By: ${powered}` }
          : null
      },
    },
    {
      phase: 'mark',
      read: (r) => {
        const server = val(r.headers, 'server')
        return /kestrel/i.test(server)
          ? { stack: 'aspnet', confidence: 'high', evidence: `Server: ${server} (ASP.NET Core)` }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    aspnet: true
  }
}
