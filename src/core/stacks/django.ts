import { recipe, WHERE, withoutCors } from '../fixes/django.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/** django-cors-headers' defaults (adamchainz/django-cors-headers src/corsheaders/defaults.py), as it writes them. */
const DJANGO_METHODS = 'DELETE, GET, OPTIONS, PATCH, POST, PUT'
const DJANGO_HEADERS =
  'accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with'

export const django: StackModule = {
  id: 'django',
  name: 'Django',
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
        return /^WSGIServer/i.test(server)
          ? {
              stack: 'django',
              confidence: 'low',
              evidence: `Server: ${server} — Python's wsgiref, as Django's runserver uses`,
            }
          : null
      },
    },
    {
      phase: 'answer',
      read: (r) => {
        const h = r.headers
        if (
          val(h, 'access-control-allow-methods') === DJANGO_METHODS &&
          val(h, 'access-control-max-age') === '86400'
        )
          return {
            stack: 'django',
            confidence: 'high',
            evidence: "Access-Control-Allow-Methods and Max-Age 86400 are django-cors-headers' defaults",
          }
        return val(h, 'access-control-allow-headers') === DJANGO_HEADERS
          ? {
              stack: 'django',
              confidence: 'high',
              evidence: "Access-Control-Allow-Headers is django-cors-headers' default list",
            }
          : null
      },
    },
  ],
  defaults: [
    { header: 'access-control-allow-methods', value: DJANGO_METHODS },
    { header: 'access-control-allow-headers', value: DJANGO_HEADERS },
    { header: 'access-control-max-age', value: '86400' },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    django: true
  }
}
