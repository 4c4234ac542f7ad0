import { recipe, WHERE } from '../fixes/laravel.ts'
import { val, varyLines } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const laravel: StackModule = {
  id: 'laravel',
  name: 'Laravel',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      // Laravel's HandleCors marks every preflight Vary: Access-Control-Request-Method; Symfony's Response
      // defaults Cache-Control to "no-cache, private"; Laravel's cookies are named laravel_session/XSRF-TOKEN.
      // PHP alone names no framework (WordPress, Symfony, plain PHP…): attribution says so in words.
      phase: 'platform',
      read: (r, preflight) => {
        const h = r.headers
        const powered = val(h, 'x-powered-by')
        if (!/^php\//i.test(powered)) return null
        const marks = [
          ...(preflight && varyLines(h).some((v) => v.includes('access-control-request-method'))
            ? ['the preflight is marked Vary: Access-Control-Request-Method, as HandleCors does']
            : []),
          ...(/^no-cache, private$/i.test(val(h, 'cache-control'))
            ? ["Symfony's Cache-Control: no-cache, private"]
            : []),
          ...(h.some((l) => /^set-cookie$/i.test(l.name) && /^(laravel_session|XSRF-TOKEN)=/i.test(l.value))
            ? ["Laravel's laravel_session / XSRF-TOKEN cookie"]
            : []),
        ]
        return marks.length > 0
          ? {
              stack: 'laravel',
              confidence: 'high',
              evidence: `X-Powered-By: ${powered}; ${marks.join('; ')}: Laravel`,
            }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    laravel: true
  }
}
