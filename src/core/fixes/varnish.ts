/**
 * Varnish cures (VCL 4.1; measured on varnishd 7.1 in the lab). `set resp.http.X` in vcl_deliver replaces
 * every line of that name the backend sent, so one `set` is the whole "one ACAO" cure; a duplicate comes
 * from header.append (vmod_header) or from a layer behind Varnish. A preflight answered in vcl_recv with
 * synth() skips vcl_deliver: its CORS lines go in vcl_synth. The allow-list compares the Origin exactly.
 * https://varnish-cache.org/docs/7.1/reference/vcl.html, https://varnish-cache.org/docs/7.1/users-guide/vcl-built-in-code.html
 */
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { droppedNote, vclString } from './escape.ts'
import { CORS_RESPONSE_HEADERS, headersToAllow, methodsToAllow, proxyApplies, proxyCures } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  vcl_recv: 'default.vcl, inside sub vcl_recv (first, before any return)',
  vcl_backend_response: 'default.vcl, inside sub vcl_backend_response',
  vcl_deliver: 'default.vcl, inside sub vcl_deliver',
  vcl_synth: 'default.vcl, inside sub vcl_synth',
} as const

const CORS_HEADERS = CORS_RESPONSE_HEADERS

/**
 * An origin-dependent ACAO must name Origin in Vary, or Varnish's cache serves one origin's answer to
 * another: added here when the app forgot (Varnish honours the backend's Vary for its cache key).
 */
export const CACHE_BY_ORIGIN = `if (beresp.http.Access-Control-Allow-Origin && beresp.http.Access-Control-Allow-Origin != "*") {
    if (!beresp.http.Vary) {
        set beresp.http.Vary = "Origin";
    } elsif (beresp.http.Vary !~ "(?i)\\borigin\\b") {
        set beresp.http.Vary = beresp.http.Vary + ", Origin";
    }
}`

/** "CORS in the app only": Varnish passes the app's lines on, and keys its cache by Origin. */
export const plainProxy: readonly ChangeSpec[] = [
  {
    layer: 'proxy',
    where: WHERE.vcl_deliver,
    comment: '#',
    snippet:
      "# Varnish passes the app's CORS headers through: no resp.http.Access-Control-* lines and no header.append of them here.",
  },
  {
    layer: 'proxy',
    where: WHERE.vcl_backend_response,
    comment: '#',
    snippet: `# Cache one answer per Origin.\n${CACHE_BY_ORIGIN}`,
  },
]

/** The condition "this Origin is allowed" (the gate leaves a serialized origin or the placeholder). */
function allowed(ctx: FixContext): string {
  return `req.http.Origin == ${vclString(ctx.origin) ?? '"https://your-frontend.example"'}`
}

/** A `set` of a list value, or a note when VCL cannot quote it. */
function setList(name: string, values: readonly string[]): string {
  const quoted = vclString(values.join(', '))
  return quoted
    ? `set resp.http.${name} = ${quoted};`
    : droppedNote('#', 'the list', values.join(', '), 'VCL cannot quote it')
}

function originLines(ctx: FixContext): string[] {
  return [
    'set resp.http.Access-Control-Allow-Origin = req.http.Origin;',
    ...(ctx.credentials ? ['set resp.http.Access-Control-Allow-Credentials = "true";'] : []),
  ]
}

const indent = (lines: readonly string[]): string => lines.map((l) => `    ${l}`).join('\n')

/** Browsers and caches between Varnish and the page must not reuse the answer for another Origin. */
const VARY_ORIGIN = `if (!resp.http.Vary) {
    set resp.http.Vary = "Origin";
} elsif (resp.http.Vary !~ "(?i)\\borigin\\b") {
    set resp.http.Vary = resp.http.Vary + ", Origin";
}`

/** vcl_deliver: one ACAO, whatever the backend (or a header.append) sent. */
function deliver(ctx: FixContext, names: readonly string[]): string {
  return `${names.map((n) => `unset resp.http.${n};`).join('\n')}
if (${allowed(ctx)}) {
${indent(originLines(ctx))}
}
${VARY_ORIGIN}`
}

function recv(ctx: FixContext): string {
  return `# Preflights end here (vcl_synth answers them), before the app or its auth can refuse them.
if (req.method == "OPTIONS" && req.http.Access-Control-Request-Method && ${allowed(ctx)}) {
    return (synth(204));
}`
}

function synth(ctx: FixContext): string {
  const heads = headersToAllow(ctx)
  return `if (resp.status == 204 && req.method == "OPTIONS" && ${allowed(ctx)}) {
${indent([
  ...originLines(ctx),
  setList('Access-Control-Allow-Methods', [...methodsToAllow(ctx), 'OPTIONS']),
  ...(heads.length ? [setList('Access-Control-Allow-Headers', heads)] : []),
  'set resp.http.Access-Control-Max-Age = "600";',
  'set resp.http.Vary = "Origin";',
  '# no synthetic body: return before the built-in vcl_synth writes one',
  'return (deliver);',
])}
}`
}

function onlyChanges(ctx: FixContext): ChangeSpec[] {
  const at = (where: string, snippet: string): ChangeSpec => ({
    layer: 'proxy',
    where,
    comment: '#',
    snippet,
  })
  return [
    at(WHERE.vcl_recv, recv(ctx)),
    at(WHERE.vcl_synth, synth(ctx)),
    at(
      WHERE.vcl_deliver,
      `# CORS is answered here only: the app's copies never reach the browser.\n${deliver(ctx, CORS_HEADERS)}`,
    ),
  ]
}

export const recipe: Recipe = (ctx) => {
  if (!proxyApplies(ctx, 'varnish')) return []
  return proxyCures(ctx, {
    stack: 'varnish',
    name: 'Varnish',
    directive: 'resp.http / header.append',
    only: {
      title: 'CORS at Varnish only: preflights answered in vcl_recv/vcl_synth, one ACAO set in vcl_deliver',
      why: "One layer sends CORS: Varnish answers preflights itself and sets one ACAO as it delivers (a `set` replaces the app's copies), for the allowed Origin only.",
      changes: onlyChanges(ctx),
    },
    keep: {
      title: "Keep the app's CORS, but let Varnish send the only ACAO: unset, then set one in vcl_deliver",
      why: "`unset resp.http.Access-Control-Allow-Origin` drops the backend's (and any header.append) copies; Varnish sets one for the allowed Origin, so there is one line whatever the app sends.",
      changes: [
        {
          layer: 'proxy',
          where: WHERE.vcl_deliver,
          comment: '#',
          snippet: deliver(ctx, ['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials']),
        },
        {
          layer: 'proxy',
          where: WHERE.vcl_backend_response,
          comment: '#',
          snippet: `# Cache one answer per Origin.\n${CACHE_BY_ORIGIN}`,
        },
      ],
    },
  })
}
