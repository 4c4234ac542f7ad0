/**
 * Cloudflare, a CDN and edge in front of the origin. Three cures, each where the evidence points:
 * - its own 52x page (it could not reach the origin, https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/):
 *   no CORS line cures that, the origin must answer;
 * - a cache hit that carried another page's answer: the origin's `Vary: Origin`, honoured by a Cache Rule
 *   (https://developers.cloudflare.com/cache/concepts/vary/);
 * - otherwise a Worker that answers the preflight and marks every response, as Cloudflare's own example does
 *   (https://developers.cloudflare.com/workers/examples/cors-header-proxy/). A Transform Rule cannot answer
 *   OPTIONS, so it is not the cure for a preflight.
 * Golden-tested: Cloudflare cannot run here; the Worker passes `node --check`.
 */
import { cacheHit } from '../cache-key.ts'
import type { Fix } from '../fix.ts'
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { corsValues, preflightLines, responseLines } from './edge.ts'
import { jsString } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { makeFix, relevantProxy } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  worker: 'a Cloudflare Worker on the route of this API (its src/index.js, deployed with wrangler deploy)',
  workerApp: "your Worker's fetch handler (this workers.dev host is a Worker)",
  cacheRule: 'Cloudflare dashboard → Caching → Cache Rules: a rule for this path, its Vary setting',
  origin: 'the origin server behind Cloudflare',
  transformRule:
    'Cloudflare dashboard → Rules → Transform Rules → Response Header Transform Rules, and any Worker on this route',
} as const

/** The statuses Cloudflare answers itself when the origin fails it (520–527, 530). */
export const EDGE_ERROR: ReadonlySet<number> = new Set([520, 521, 522, 523, 524, 525, 526, 527, 530])

export const plainProxy: readonly ChangeSpec[] = [
  {
    layer: 'proxy',
    where: WHERE.transformRule,
    comment: '//',
    snippet:
      '// Delete every rule (and Worker line) that sets Access-Control-* headers: Cloudflare then passes the origin server’s CORS lines on unchanged.',
  },
]

const jsPairs = (pairs: readonly [string, string][]): string[] =>
  pairs.map(([k, v]) => `  ${jsString(k)}: ${jsString(v)},`)

function worker(ctx: FixContext): string {
  const v = corsValues(ctx, true)
  const names = ['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials']
  return [
    ...v.notes('//'),
    `const ALLOWED_ORIGIN = ${jsString(v.origin)}`,
    'const PREFLIGHT = {',
    ...jsPairs(preflightLines(v)),
    '}',
    'const RESPONSE = {',
    ...jsPairs(responseLines(v).filter(([k]) => k !== 'Vary')),
    '}',
    '',
    'export default {',
    '  async fetch(request) {',
    "    const allowed = ALLOWED_ORIGIN === '*' || request.headers.get('Origin') === ALLOWED_ORIGIN",
    "    if (request.method === 'OPTIONS' && request.headers.has('Access-Control-Request-Method'))",
    '      return new Response(null, { status: 204, headers: allowed ? PREFLIGHT : {} })',
    '    // The origin answers the rest (a Worker that is the app itself: its own handler goes here).',
    '    const upstream = await fetch(request)',
    '    const response = new Response(upstream.body, upstream)',
    `    for (const name of ${`[${names.map(jsString).join(', ')}]`}) response.headers.delete(name)`,
    '    if (allowed) for (const [name, value] of Object.entries(RESPONSE)) response.headers.set(name, value)',
    "    response.headers.append('Vary', 'Origin')",
    '    return response',
    '  },',
    '}',
  ].join('\n')
}

function originDown(ctx: FixContext, status: number): Fix {
  return makeFix({
    stack: 'cloudflare',
    layer: 'proxy',
    recommended: true,
    title: `Cloudflare answered ${status} itself: make the origin answer`,
    label: `Cloudflare ${status}`,
    why: `A ${status} page is Cloudflare's own: it could not get an answer from the origin, so no CORS line the origin sends ever reached the browser.`,
    changes: [
      {
        layer: 'proxy',
        where: WHERE.origin,
        comment: '//',
        snippet: [
          `// Cloudflare ${status}: the origin was down, refused or timed out (${ctx.stack('cloudflare').name} error pages carry no CORS lines).`,
          '// Fix the origin first (its logs, its firewall allowing Cloudflare IPs, its TLS); the CORS error goes with it.',
        ].join('\n'),
      },
    ],
  })
}

export const recipe: Recipe = (ctx) => {
  if (!relevantProxy(ctx, 'cloudflare') || !HEADER_KINDS.has(failureKind(ctx))) return []
  const seen = ctx.exchange.preflight?.response?.status ?? 0
  const status = EDGE_ERROR.has(seen) ? seen : (ctx.exchange.response?.status ?? 0)
  if (EDGE_ERROR.has(status)) return [originDown(ctx, status)]
  const response = ctx.exchange.response
  const hit = response ? cacheHit(response) : null
  if (hit?.cache === 'Cloudflare')
    return [
      makeFix({
        stack: 'cloudflare',
        layer: 'proxy',
        recommended: true,
        title: 'Keep one cached copy per Origin at Cloudflare',
        label: 'Cloudflare: vary on Origin',
        why: `The copy Cloudflare served (${hit.evidence}) was stored for another page; with Vary: Origin from the origin and a Cache Rule that honours it, each page gets its own.`,
        changes: [
          {
            layer: 'proxy',
            where: WHERE.origin,
            comment: '//',
            snippet:
              '// Every response of this path, whatever the Origin (none included), carries:\nVary: Origin',
          },
          {
            layer: 'proxy',
            where: WHERE.cacheRule,
            comment: '//',
            snippet:
              '// Cache Rule for this path → Cache eligibility: Eligible for cache → Vary: Origin (respect the origin’s Vary). Or Bypass cache for it. Then purge this URL.',
          },
        ],
      }),
    ]
  const where = /\.workers\.dev$/i.test(hostOf(ctx.exchange.request.url)) ? WHERE.workerApp : WHERE.worker
  return [
    makeFix({
      stack: 'cloudflare',
      layer: 'proxy',
      recommended: true,
      title: `Answer CORS at Cloudflare for ${corsValues(ctx).origin}`,
      label: 'Cloudflare Worker',
      why: 'A Worker on the route answers the preflight at the edge and sets one set of CORS lines on every response, whatever the origin sent.',
      changes: [{ layer: 'proxy', where, comment: '//', snippet: worker(ctx) }],
    }),
  ]
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname
  } catch {
    return ''
  }
}
