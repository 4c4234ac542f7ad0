/**
 * Exchanges that pass, or nearly do, from a seed: the common case a page makes (a simple or preflighted
 * request the server allows) with one or more small changes that may or may not matter — a duplicate or
 * trailing-space Access-Control-Allow-Origin, '*' with credentials, no Vary, names in another case, a
 * preflight's Max-Age, redirects, private addresses, Firefox. The engine's speed work must not change a
 * single answer on these (test/core/analyze-speed.test.ts).
 */
import type { Exchange, Redirect, ResponseSide } from '../../src/core/exchange.ts'
import type { HeaderLine } from '../../src/core/headers.ts'
import { chance, pick, type Rand } from './hostile.ts'

const PAGES = [
  'https://app.example',
  'https://app.example',
  'https://app.example',
  'http://localhost:3000',
  'http://10.0.0.5:8080',
  'https://app.example:8443',
]
const TARGETS = [
  'https://api.example/items',
  'https://api.example/items',
  'https://api.example:443/v1/items?page=2',
  'https://api.example:8443/x',
  'https://API.Example/x',
  'http://localhost:8080/api',
  'http://192.168.1.10/x',
  'http://127.1/x',
  'https://xn--bcher-kva.example/x',
  'https://app.example/same-origin',
  'https://cdn.api.example/a#frag',
]

/** A header name in the case a server might send it. */
const cased = (r: Rand, name: string): string =>
  pick(r, [
    name,
    name,
    name.toLowerCase(),
    name.toUpperCase(),
    [...name].map((c) => (chance(r, 0.5) ? c.toUpperCase() : c.toLowerCase())).join(''),
  ])

function allowOrigin(r: Rand, page: string): string[] {
  return pick(r, [
    [page],
    [page],
    [page],
    ['*'],
    [`${page} `],
    [` ${page}`],
    [page, page],
    ['*', page],
    [page.toUpperCase()],
    [`${page}/`],
    ['null'],
    [],
    ['https://other.example'],
  ])
}

function corsLines(r: Rand, page: string, preflight: boolean, names: string[], method: string): HeaderLine[] {
  const out: HeaderLine[] = []
  const line = (name: string, value: string) => out.push({ name: cased(r, name), value })
  for (const v of allowOrigin(r, page)) line('Access-Control-Allow-Origin', v)
  if (chance(r, 0.35))
    line('Access-Control-Allow-Credentials', pick(r, ['true', 'true', 'True', 'true ', 'false']))
  if (chance(r, 0.05)) line('Access-Control-Allow-Credentials', 'true')
  if (preflight) {
    if (chance(r, 0.85))
      line(
        'Access-Control-Allow-Methods',
        pick(r, [method, `GET, ${method}`, '*', 'GET, POST', method.toLowerCase(), 'GET,,PUT', 'GE T']),
      )
    if (chance(r, 0.85))
      line(
        'Access-Control-Allow-Headers',
        pick(r, [
          names.join(', '),
          names.join(','),
          '*',
          'Content-Type',
          names.join(', ').toUpperCase(),
          'x-token, *',
          'a b',
        ]),
      )
    if (chance(r, 0.4))
      line('Access-Control-Max-Age', pick(r, ['600', '7200', '86400', '100000', 'abc', ' 10', '-1']))
  } else {
    if (chance(r, 0.7))
      line('Vary', pick(r, ['Origin', 'origin', 'Accept-Encoding, Origin', 'Accept-Encoding', '*']))
    if (chance(r, 0.2)) line('Access-Control-Expose-Headers', pick(r, ['X-Total-Count', '*', 'ETag, Link']))
    if (chance(r, 0.2)) line('X-Total-Count', '42')
    if (chance(r, 0.1)) line('ETag', '"abc"')
  }
  if (chance(r, 0.05)) line('Access-Control-Allow-Private-Network', 'true')
  return out
}

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'patch', 'HEAD', 'OPTIONS']
const UNSAFE = [
  ['Content-Type', 'application/json'],
  ['X-Token', 'abc'],
  ['Authorization', 'Bearer t'],
  ['Content-Type', 'text/plain'],
] as const

function redirectsOf(r: Rand, page: string, url: string): Redirect[] | undefined {
  if (!chance(r, 0.15)) return undefined
  const location = pick(r, [
    `${url}/next`,
    'https://other.example/elsewhere',
    `${page}/back`,
    'https://u:pw@api.example/x',
  ])
  const headers: HeaderLine[] = [{ name: 'Location', value: location }]
  if (chance(r, 0.6))
    headers.push({ name: 'Access-Control-Allow-Origin', value: pick(r, [page, '*', 'null']) })
  return [{ fromUrl: url, status: pick(r, [301, 302, 307]), headers, location }]
}

/** One passing or near-passing exchange. */
export function nearPassingExchange(r: Rand): Exchange {
  const page = pick(r, PAGES)
  const url = pick(r, TARGETS)
  const method = pick(r, METHODS)
  const unsafe = UNSAFE.filter(() => chance(r, 0.2))
  const names = [...new Set(unsafe.map(([n]) => n.toLowerCase()))].sort()
  const requestHeaders: HeaderLine[] = [
    { name: 'Origin', value: page },
    { name: 'Accept', value: pick(r, ['*/*', 'application/json', 'a"b']) },
    ...unsafe.map(([name, value]) => ({ name: cased(r, name), value })),
    ...(chance(r, 0.15) ? [{ name: 'Cookie', value: 'sid=1' }] : []),
    ...(chance(r, 0.3) ? [{ name: 'User-Agent', value: 'Mozilla/5.0' }] : []),
  ]
  const preflighted = (method !== 'GET' && method !== 'POST' && method !== 'HEAD') || names.length > 0
  const withPreflight = preflighted ? chance(r, 0.85) : chance(r, 0.03)
  const redirects = redirectsOf(r, page, url)
  const finalUrl = redirects?.[0]?.location ?? url
  const response: ResponseSide = {
    status: pick(r, [200, 200, 200, 204, 304, 500, 404]),
    headers: [
      { name: 'Server', value: pick(r, ['nginx/1.27.0', 'uvicorn', 'Kestrel']) },
      { name: 'Content-Type', value: 'application/json' },
      ...corsLines(r, page, false, names, method),
    ],
  }
  const preflightStatus = pick(r, [204, 204, 200, 500, 302])
  return {
    initiator: chance(r, 0.9) ? page : null,
    request: { method, url: finalUrl, headers: requestHeaders },
    ...(withPreflight
      ? {
          preflight: {
            request: {
              method: 'OPTIONS',
              url,
              headers: [
                { name: 'Origin', value: page },
                { name: 'Access-Control-Request-Method', value: method },
                ...(names.length ? [{ name: 'Access-Control-Request-Headers', value: names.join(',') }] : []),
              ],
            },
            response: {
              status: preflightStatus,
              headers: [
                ...corsLines(r, page, true, names, method),
                ...(preflightStatus === 302 ? [{ name: 'Location', value: `${url}/moved` }] : []),
              ],
            },
          },
        }
      : {}),
    ...(redirects ? { redirects } : {}),
    ...(chance(r, 0.95) ? { response } : {}),
    outcome: pick(r, [
      { kind: 'ok' },
      { kind: 'ok' },
      { kind: 'ok' },
      { kind: 'unknown' },
      { kind: 'error', error: 'net::ERR_FAILED' },
      { kind: 'error', error: 'net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS' },
      { kind: 'error', error: 'NS_ERROR_DOM_BAD_URI' },
    ] as const),
    ...(chance(r, 0.2) ? { remoteAddress: pick(r, ['127.0.0.1', '10.0.0.9', '93.184.216.34', '::1']) } : {}),
    ...(chance(r, 0.25) ? { browser: pick(r, ['chromium', 'firefox'] as const) } : {}),
    ...(chance(r, 0.2) ? { credentials: pick(r, ['include', 'omit', 'same-origin'] as const) } : {}),
    ...(chance(r, 0.05) ? { observed: 'outcome-only' as const } : {}),
    ...(chance(r, 0.05) ? { api: pick(r, ['fetch', 'xhr'] as const) } : {}),
  }
}
