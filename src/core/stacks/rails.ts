import { recipe, WHERE } from '../fixes/rails.ts'
import { has } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const rails: StackModule = {
  id: 'rails',
  name: 'Rails',
  layer: 'app',
  comment: '#',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) =>
        r.headers.some((l) => /^x-rack-cors/i.test(l.name))
          ? { stack: 'rails', confidence: 'high', evidence: 'an x-rack-cors header (rack-cors debug mode)' }
          : null,
    },
    {
      phase: 'platform',
      read: (r) => {
        const h = r.headers
        return has(h, 'x-runtime') && (has(h, 'x-request-id') || has(h, 'x-permitted-cross-domain-policies'))
          ? {
              stack: 'rails',
              confidence: 'high',
              evidence: "X-Runtime and X-Request-Id: Rails' Rack::Runtime and ActionDispatch::RequestId",
            }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    rails: true
  }
}
