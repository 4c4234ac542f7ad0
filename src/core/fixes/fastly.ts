/**
 * Fastly, a CDN in front of the origin. Two cures, each where the evidence points: a cache hit that carried
 * another page's answer needs Origin in the cache key — Fastly keys by the origin's Vary
 * (https://www.fastly.com/documentation/reference/http/http-headers/Vary/), added at vcl_fetch when the
 * origin forgot; otherwise the service answers CORS itself: the preflight as a synthetic response
 * (`error` in vcl_recv, built in vcl_error, https://www.fastly.com/documentation/reference/vcl/subroutines/error/)
 * and the lines set in vcl_deliver, as rust-lang did on Fastly (https://github.com/rust-lang/simpleinfra/pull/260).
 * Fastly VCL, checked by eye and for its values (no Fastly compiler here; varnishd rejects Fastly's dialect).
 */
import { cacheHit } from '../cache-key.ts'
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { corsValues, preflightLines } from './edge.ts'
import { vclString } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { makeFix, relevantProxy } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  recv: 'Fastly service → VCL snippets: a recv snippet (then activate the new version)',
  error: 'Fastly service → VCL snippets: an error snippet',
  deliver: 'Fastly service → VCL snippets: a deliver snippet',
  fetch: 'Fastly service → VCL snippets: a fetch snippet',
} as const

const VARY_ORIGIN = `if (!beresp.http.Vary) {
  set beresp.http.Vary = "Origin";
} elsif (beresp.http.Vary !~ "(?i)\\borigin\\b") {
  set beresp.http.Vary = beresp.http.Vary ", Origin";
}`

export const plainProxy: readonly ChangeSpec[] = [
  {
    layer: 'proxy',
    where: WHERE.deliver,
    comment: '#',
    snippet:
      '# No snippet sets or unsets Access-Control-* headers: Fastly passes the origin’s CORS lines on (its Vary: Origin keys the cache).',
  },
]

/** `set <obj>.http.<Name> = "<value>";` for each line, or null when a value cannot be a VCL string. */
function sets(target: string, lines: readonly [string, string][]): string[] | null {
  const out: string[] = []
  for (const [name, value] of lines) {
    const s = vclString(value)
    if (s === null) return null
    out.push(`  set ${target}.http.${name} = ${s};`)
  }
  return out
}

function edgeCors(ctx: FixContext): ChangeSpec[] | null {
  const v = corsValues(ctx, true)
  const origin = vclString(v.origin)
  const preflight = sets('obj', preflightLines(v))
  if (origin === null || preflight === null) return null
  const allowed = v.origin === '*' ? 'req.http.Origin' : `req.http.Origin == ${origin}`
  const response = [
    `  set resp.http.Access-Control-Allow-Origin = ${origin};`,
    ...(v.credentials ? ['  set resp.http.Access-Control-Allow-Credentials = "true";'] : []),
  ]
  return [
    {
      layer: 'proxy',
      where: WHERE.recv,
      comment: '#',
      snippet: [
        ...v.notes('#'),
        `if (req.method == "OPTIONS" && req.http.Access-Control-Request-Method && ${allowed}) {`,
        '  error 600 "CORS preflight";',
        '}',
      ].join('\n'),
    },
    {
      layer: 'proxy',
      where: WHERE.error,
      comment: '#',
      snippet: [
        'if (obj.status == 600) {',
        '  set obj.status = 204;',
        '  set obj.response = "No Content";',
        ...preflight,
        '  return(deliver);',
        '}',
      ].join('\n'),
    },
    {
      layer: 'proxy',
      where: WHERE.deliver,
      comment: '#',
      snippet: [
        '# One set of lines: whatever the origin sent is replaced.',
        'unset resp.http.Access-Control-Allow-Origin;',
        'unset resp.http.Access-Control-Allow-Credentials;',
        `if (${allowed}) {`,
        ...response,
        '}',
      ].join('\n'),
    },
    { layer: 'proxy', where: WHERE.fetch, comment: '#', snippet: VARY_ORIGIN },
  ]
}

export const recipe: Recipe = (ctx) => {
  if (!relevantProxy(ctx, 'fastly') || !HEADER_KINDS.has(failureKind(ctx))) return []
  const response = ctx.exchange.response
  const hit = response ? cacheHit(response) : null
  if (hit?.cache === 'Fastly')
    return [
      makeFix({
        stack: 'fastly',
        layer: 'proxy',
        recommended: true,
        title: 'Keep one cached copy per Origin at Fastly',
        label: 'Fastly: vary on Origin',
        why: `The copy Fastly served (${hit.evidence}) was stored for another page; with Origin in its Vary, Fastly keeps one copy per page. Then purge this URL.`,
        changes: [{ layer: 'proxy', where: WHERE.fetch, comment: '#', snippet: VARY_ORIGIN }],
      }),
    ]
  const changes = edgeCors(ctx)
  if (!changes) return []
  return [
    makeFix({
      stack: 'fastly',
      layer: 'proxy',
      recommended: true,
      title: `Answer CORS at Fastly for ${corsValues(ctx).origin}`,
      label: 'Fastly VCL',
      why: 'The service answers the preflight itself (a synthetic 204) and sets one Access-Control-Allow-Origin on every response, keyed by Origin in the cache. (On a Compute service, the same lines go in its request handler.)',
      changes,
    }),
  ]
}
