import { recipe, WHERE } from '../fixes/fastify.ts'
import type { HeaderList } from '../headers.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Fastify 5 with @fastify/cors. What it leaves, from its source and measured on Fastify 5.12 + @fastify/cors
 * 11.4 (test/core/fixtures/stacks/fastify-*.json):
 * - its not-found handler's JSON body, `{"message":"Route GET:/x not found","error":"Not Found","statusCode":404}`
 *   (lib/four-oh-four.js, https://github.com/fastify/fastify) — also what an OPTIONS gets without the plugin;
 * - `Keep-Alive: timeout=72`: Fastify's default keepAliveTimeout is 72 s (lib/config-validator.js
 *   defaultInitOptions) where Node's own is 5 s. Hop-by-hop: a proxy in front drops it;
 * - reply.header() lower-cases every name (lib/reply.js) while Node appends its own Date, Connection and
 *   Keep-Alive in Title-Case: lower-case app lines next to Title-Case ones. uvicorn, Hono and any HTTP/2 hop
 *   write lower case too, so case alone names nobody;
 * - @fastify/cors' default methods 'GET,HEAD,POST' (index.js defaultOptions,
 *   https://github.com/fastify/fastify-cors) — also Spring's permit-defaults list (CorsConfiguration
 *   applyPermitDefaultValues, written by Spring under Title-Case names): it counts only under the lower-case
 *   name Fastify writes, in a response whose other lines show the case was kept (not HTTP/2).
 */
const NOT_FOUND_HEAD = '{"message":"Route '
const NOT_FOUND_TAIL = ' not found","error":"Not Found","statusCode":404}'
const PLUGIN_METHODS = 'GET,HEAD,POST'

/** Some line keeps capitals: the names were not lower-cased on the way (HTTP/2, a proxy). */
const caseKept = (h: HeaderList): boolean => h.some((l) => l.name !== l.name.toLowerCase())

export const fastify: StackModule = {
  id: 'fastify',
  name: 'Fastify',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) => {
        const body = (r.bodySnippet ?? '').trim()
        return r.status === 404 && body.startsWith(NOT_FOUND_HEAD) && body.endsWith(NOT_FOUND_TAIL)
          ? {
              stack: 'fastify',
              confidence: 'high',
              evidence: `the ${r.status} body '${body.slice(0, 80)}' is Fastify's own not-found answer`,
            }
          : null
      },
    },
    {
      phase: 'mark',
      read: (r) => {
        const keepAlive = val(r.headers, 'keep-alive')
        return keepAlive.trim().toLowerCase() === 'timeout=72'
          ? {
              stack: 'fastify',
              confidence: 'medium',
              evidence: `Keep-Alive: ${keepAlive} — Fastify's default keepAliveTimeout (72 s; Node's own is 5 s)`,
            }
          : null
      },
    },
    {
      phase: 'answer',
      read: (r) => {
        const line = r.headers.find((l) => l.name === 'access-control-allow-methods')
        return line?.value === PLUGIN_METHODS && caseKept(r.headers)
          ? {
              stack: 'fastify',
              confidence: 'high',
              evidence: `'access-control-allow-methods: ${PLUGIN_METHODS}' is @fastify/cors' default list, under the lower-case name Fastify writes`,
            }
          : null
      },
    },
  ],
  defaults: [{ header: 'access-control-allow-methods', value: PLUGIN_METHODS }],
}

declare module '../fix.ts' {
  interface StackIds {
    fastify: true
  }
}
