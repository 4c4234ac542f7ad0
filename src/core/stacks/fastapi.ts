import { recipe, WHERE, withoutCors } from '../fixes/fastapi.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/** Starlette's CORSMiddleware always allows these (encode/starlette starlette/middleware/cors.py SAFELISTED_HEADERS). */
const STARLETTE_ALWAYS_HEADERS = 'Accept, Accept-Language, Content-Language, Content-Type'

/**
 * Header-name case is not read as FastAPI: uvicorn (h11) writes lower case, and so do Fastify, Hono on
 * Node, and every HTTP/2 hop (issue: lower case named FastAPI behind nginx for a Fastify app).
 */
export const fastapi: StackModule = {
  id: 'fastapi',
  name: 'FastAPI',
  layer: 'app',
  comment: '#',
  recipe,
  config: WHERE,
  withoutCors,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) => {
        const server = val(r.headers, 'server')
        return /^uvicorn/i.test(server)
          ? {
              stack: 'fastapi',
              confidence: 'medium',
              evidence: `Server: ${server} — uvicorn, the usual FastAPI/Starlette server`,
            }
          : null
      },
    },
    {
      phase: 'answer',
      read: (r, preflight) => {
        const body = (r.bodySnippet ?? '').trim()
        return preflight && r.status === 400 && /disallowed cors (origin|method|headers)/i.test(body)
          ? {
              stack: 'fastapi',
              confidence: 'high',
              evidence: `the preflight got 400 "${body}", Starlette's CORSMiddleware answer`,
            }
          : null
      },
    },
    {
      phase: 'answer',
      read: (r, preflight) => {
        const maxAge = val(r.headers, 'access-control-max-age')
        if (maxAge !== '600') return null
        if (preflight && (r.bodySnippet ?? '').trim() === 'OK')
          return {
            stack: 'fastapi',
            confidence: 'high',
            evidence:
              "the preflight got 200 'OK' with Access-Control-Max-Age 600, Starlette's CORSMiddleware answer",
          }
        return val(r.headers, 'access-control-allow-headers').startsWith(STARLETTE_ALWAYS_HEADERS)
          ? {
              stack: 'fastapi',
              confidence: 'high',
              evidence: `Access-Control-Max-Age 600 with '${STARLETTE_ALWAYS_HEADERS}' allowed: Starlette's defaults`,
            }
          : null
      },
    },
  ],
  defaults: [{ header: 'access-control-max-age', value: '600' }],
}

declare module '../fix.ts' {
  interface StackIds {
    fastapi: true
  }
}
