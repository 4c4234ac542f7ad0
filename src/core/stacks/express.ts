import { recipe, WHERE, withoutCors } from '../fixes/express.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/** The cors package's default methods, comma-joined without spaces (expressjs/cors lib/index.js). */
const CORS_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE'

export const express: StackModule = {
  id: 'express',
  name: 'Express',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
  withoutCors,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) => {
        const powered = val(r.headers, 'x-powered-by')
        return /^express$/i.test(powered)
          ? { stack: 'express', confidence: 'high', evidence: `X-Powered-By: ${powered}` }
          : null
      },
    },
    {
      phase: 'answer',
      read: (r) =>
        val(r.headers, 'access-control-allow-methods') === CORS_METHODS
          ? {
              stack: 'express',
              confidence: 'high',
              evidence: `Access-Control-Allow-Methods '${CORS_METHODS}' is the Express cors package's default, comma-joined without spaces`,
            }
          : null,
    },
  ],
  defaults: [{ header: 'access-control-allow-methods', value: CORS_METHODS }],
}

declare module '../fix.ts' {
  interface StackIds {
    express: true
  }
}
