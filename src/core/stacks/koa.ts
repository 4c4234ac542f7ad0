import { recipe, WHERE } from '../fixes/koa.ts'
import type { StackModule } from './stack.ts'

/**
 * Koa 2 with @koa/cors. Its default allowMethods, 'GET,HEAD,PUT,POST,DELETE,PATCH' (index.js defaults,
 * https://github.com/koajs/cors), written through ctx.set, which keeps the name's case: Title-Case
 * `Access-Control-Allow-Methods` (measured on Koa 2.16 + @koa/cors 5.0, test/core/fixtures/stacks/koa-*.json).
 * Hono before QUERY wrote the same list under a lower-case name (WHATWG Headers); over HTTP/2 every name is
 * lower case: there the list names nobody. Koa's 404 ('Not Found', text/plain) is Starlette's too: no mark.
 */
const KOA_METHODS = 'GET,HEAD,PUT,POST,DELETE,PATCH'

export const koa: StackModule = {
  id: 'koa',
  name: 'Koa',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'answer',
      read: (r) =>
        r.headers.some((l) => l.name === 'Access-Control-Allow-Methods' && l.value === KOA_METHODS)
          ? {
              stack: 'koa',
              confidence: 'high',
              evidence: `Access-Control-Allow-Methods '${KOA_METHODS}' is @koa/cors' default list, under the Title-Case name it writes`,
            }
          : null,
    },
  ],
  defaults: [{ header: 'access-control-allow-methods', value: KOA_METHODS }],
}

declare module '../fix.ts' {
  interface StackIds {
    koa: true
  }
}
