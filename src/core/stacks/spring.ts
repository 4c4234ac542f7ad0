import { recipe, WHERE } from '../fixes/spring.ts'
import { val, varyLines } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const spring: StackModule = {
  id: 'spring',
  name: 'Spring',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'answer',
      read: (r) => {
        const vary = val(r.headers, 'vary').toLowerCase()
        return varyLines(r.headers).length === 1 &&
          vary.includes('access-control-request-method') &&
          vary.includes('access-control-request-headers') &&
          vary.includes('origin')
          ? {
              stack: 'spring',
              confidence: 'low',
              evidence:
                "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers, as Spring's CORS processor writes it",
            }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    spring: true
  }
}
