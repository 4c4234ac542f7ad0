import { recipe, WHERE } from '../fixes/go.ts'
import { varyLines } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const go: StackModule = {
  id: 'go',
  name: 'Go (rs/cors)',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'platform',
      read: (r, preflight) => {
        const vary = varyLines(r.headers)
        return preflight &&
          ['origin', 'access-control-request-method', 'access-control-request-headers'].every((v) =>
            vary.includes(v),
          )
          ? {
              stack: 'go',
              confidence: 'high',
              evidence:
                "three separate Vary lines (Origin, Access-Control-Request-Method, Access-Control-Request-Headers): Go's rs/cors",
            }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    go: true
  }
}
