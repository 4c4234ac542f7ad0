/**
 * HAProxy cures (2.2 or later; measured on HAProxy 2.6 in the lab). `http-response` rules touch only the
 * server's answers; `http-after-response` runs on every answer, HAProxy's own error pages and
 * `http-request return` replies included, so the ACAO goes there. `set-header` replaces every line of its
 * name (the app's copy too); `add-header` appends one after the app's, which is how a duplicate happens.
 * The request's Origin is kept in a txn variable: request headers are gone by http-after-response.
 * https://docs.haproxy.org/2.6/configuration.html#4.2-http-after-response,
 * https://docs.haproxy.org/2.6/configuration.html#4.2-http-request%20return
 */
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { droppedNote, haproxyString } from './escape.ts'
import { CORS_RESPONSE_HEADERS, headersToAllow, methodsToAllow, proxyApplies, proxyCures } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  frontend: 'haproxy.cfg, the frontend that receives the API requests, before its other http-request rules',
} as const

/** "CORS in the app only": HAProxy's CORS lines deleted. */
export const plainProxy: readonly ChangeSpec[] = [
  {
    layer: 'proxy',
    where: WHERE.frontend,
    comment: '#',
    snippet:
      "# HAProxy passes the app's CORS headers through: no set-header, add-header or return of Access-Control-* here.",
  },
]

const PLACEHOLDER = 'https://your-frontend.example'

/** The allow-list ACL and the Origin kept for http-after-response (an exact match, one origin per `-m str` value). */
function originRules(ctx: FixContext): string[] {
  const origin = haproxyString(ctx.origin) ?? haproxyString(PLACEHOLDER)
  return [
    `# The allow-list: add origins after the first, e.g. -m str "https://a.example" "https://b.example"`,
    `acl cors_origin req.hdr(origin) -m str ${origin}`,
    'http-request set-var(txn.cors_origin) req.hdr(origin) if cors_origin',
  ]
}

/** A `hdr` argument of http-request return, or (HAProxy cannot quote the list) a note saying so. */
function hdr(name: string, values: readonly string[]): { part: string } | { note: string } {
  const quoted = haproxyString(values.join(', '))
  return quoted
    ? { part: `hdr ${name} ${quoted}` }
    : { note: droppedNote('#', name, values.join(', '), 'HAProxy cannot quote it') }
}

function preflightReturn(ctx: FixContext): string[] {
  const heads = headersToAllow(ctx)
  const parts = [
    hdr('Access-Control-Allow-Methods', [...methodsToAllow(ctx), 'OPTIONS']),
    ...(heads.length ? [hdr('Access-Control-Allow-Headers', heads)] : []),
    { part: 'hdr Access-Control-Max-Age "600"' },
  ]
  return [
    '# Preflights end here with 204, before the app, its auth or any deny rule sees them.',
    ...parts.flatMap((p) => ('note' in p ? [p.note] : [])),
    `http-request return status 204 ${parts.flatMap((p) => ('part' in p ? [p.part] : [])).join(' ')} if METH_OPTIONS cors_origin { req.hdr(access-control-request-method) -m found }`,
  ]
}

/** On every answer (the app's, HAProxy's error pages, the preflight's 204): one ACAO for an allowed Origin. */
function afterResponse(ctx: FixContext): string[] {
  const allowed = 'if { var(txn.cors_origin) -m found }'
  return [
    "# On every answer, HAProxy's own 502/503/504 pages and the preflight's 204 included.",
    `http-after-response set-header Access-Control-Allow-Origin "%[var(txn.cors_origin)]" ${allowed}`,
    ...(ctx.credentials
      ? [`http-after-response set-header Access-Control-Allow-Credentials "true" ${allowed}`]
      : []),
    'http-after-response add-header Vary Origin',
  ]
}

function onlyRules(ctx: FixContext): string {
  return [
    '# CORS answered by HAProxy only: first among the http-request rules of this frontend.',
    ...originRules(ctx),
    ...preflightReturn(ctx),
    "# The app's own CORS lines never reach the browser.",
    ...CORS_RESPONSE_HEADERS.map((n) => `http-response del-header ${n}`),
    ...afterResponse(ctx),
  ].join('\n')
}

function keepRules(ctx: FixContext): string {
  return [
    "# The app keeps its CORS; HAProxy's set-header replaces its ACAO (add-header would append a second).",
    ...originRules(ctx),
    'http-response del-header Access-Control-Allow-Origin',
    'http-response del-header Access-Control-Allow-Credentials',
    ...afterResponse(ctx),
  ].join('\n')
}

const at = (snippet: string): ChangeSpec => ({
  layer: 'proxy',
  where: WHERE.frontend,
  comment: '#',
  snippet,
})

export const recipe: Recipe = (ctx) => {
  if (!proxyApplies(ctx, 'haproxy')) return []
  return proxyCures(ctx, {
    stack: 'haproxy',
    name: 'HAProxy',
    directive: 'http-response / http-after-response',
    only: {
      title:
        'CORS at HAProxy only: preflights answered with http-request return, one ACAO set in http-after-response',
      why: 'One layer sends CORS: HAProxy answers preflights itself and sets one ACAO on every answer — its own error pages too, which http-response rules never reach.',
      changes: [at(onlyRules(ctx))],
    },
    keep: {
      title:
        "Keep the app's CORS, but let HAProxy send the only ACAO: del-header, then set-header after the response",
      why: "HAProxy deletes the app's ACAO and sets one for the allowed Origin, so one line goes out whatever the app sends.",
      changes: [at(keepRules(ctx))],
    },
  })
}
