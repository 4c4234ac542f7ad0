import { recipe, WHERE, withoutCors } from '../fixes/fastapi.ts'
import { isCorsName, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/** Starlette's CORSMiddleware always allows these (encode/starlette starlette/middleware/cors.py SAFELISTED_HEADERS). */
const STARLETTE_ALWAYS_HEADERS = 'Accept, Accept-Language, Content-Language, Content-Type'

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
    {
      // h11 (uvicorn) writes every header name in lower case; behind a proxy that keeps names as received
      // (nginx does) this survives when Server does not.
      phase: 'weak',
      read: (r, _preflight, found) => {
        const names = r.headers.map((l) => l.name)
        const lowerCors = names.filter((n) => isCorsName(n) && n === n.toLowerCase())
        if (lowerCors.length === 0 || !names.some((n) => n !== n.toLowerCase())) return null
        if (found.some((s) => s.stack === 'fastapi')) return null
        return {
          stack: 'fastapi',
          confidence: 'low',
          evidence: `'${lowerCors[0]}' is written in lower case, as uvicorn (h11) writes every header, while other lines are not`,
        }
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
