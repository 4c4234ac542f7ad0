import { recipe, WHERE, withoutCors } from '../fixes/flask.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/** Flask-CORS's default `methods` (corydolphin/flask-cors flask_cors/core.py ALL_METHODS), as it writes them. */
const ALL_METHODS_SPACED = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT'

export const flask: StackModule = {
  id: 'flask',
  name: 'Flask',
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
        return /^werkzeug/i.test(server)
          ? { stack: 'flask', confidence: 'medium', evidence: `Server: ${server} — Werkzeug, Flask's server` }
          : null
      },
    },
    {
      phase: 'answer',
      read: (r, preflight) => {
        const h = r.headers
        return preflight &&
          val(h, 'access-control-allow-methods') === ALL_METHODS_SPACED &&
          has(h, 'allow') &&
          !has(h, 'access-control-max-age')
          ? {
              stack: 'flask',
              confidence: 'medium',
              evidence:
                "a preflight with Flask's automatic Allow header and Flask-CORS's default method list",
            }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    flask: true
  }
}
