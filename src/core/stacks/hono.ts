import { recipe, WHERE } from '../fixes/hono.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Hono 4 with hono/cors. From its source, measured on Hono 4.13 on @hono/node-server 2.1
 * (test/core/fixtures/stacks/hono-*.json):
 * - cors()' default allowMethods, comma-joined: 'GET,HEAD,PUT,POST,DELETE,PATCH,QUERY'
 *   (src/middleware/cors/index.ts, https://github.com/honojs/hono). Without QUERY (older Hono) it is also
 *   @koa/cors' default (https://github.com/koajs/cors index.js): that one names neither;
 * - its default not-found answer, '404 Not Found' as text/plain; charset=UTF-8 (src/hono-base.ts).
 * Its names are lower case (a WHATWG Headers object) like Fastify's and uvicorn's: case names nobody.
 */
const HONO_METHODS = 'GET,HEAD,PUT,POST,DELETE,PATCH,QUERY'

export const hono: StackModule = {
  id: 'hono',
  name: 'Hono',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) =>
        r.status === 404 &&
        (r.bodySnippet ?? '').trim() === '404 Not Found' &&
        val(r.headers, 'content-type') === 'text/plain; charset=UTF-8'
          ? {
              stack: 'hono',
              confidence: 'medium',
              evidence:
                "the 404 body '404 Not Found' (text/plain; charset=UTF-8) is Hono's default not-found answer",
            }
          : null,
    },
    {
      phase: 'answer',
      // Line by line: behind a proxy that adds its own, the header holds two lines.
      read: (r) =>
        r.headers.some(
          (l) => l.name.toLowerCase() === 'access-control-allow-methods' && l.value === HONO_METHODS,
        )
          ? {
              stack: 'hono',
              confidence: 'high',
              evidence: `Access-Control-Allow-Methods '${HONO_METHODS}' is hono/cors' default list`,
            }
          : null,
    },
  ],
  defaults: [{ header: 'access-control-allow-methods', value: HONO_METHODS }],
}

declare module '../fix.ts' {
  interface StackIds {
    hono: true
  }
}
