/**
 * nginx cures. The traps they avoid (landscape.md §4.1): add_header only on 2xx/3xx without `always`; a
 * level with its own add_header inherits none from above (an `if` block included); two layers adding
 * ACAO. Recommended: CORS at nginx only — preflights end at nginx, the app's copies are hidden.
 */
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { droppedNote, nginxString } from './escape.ts'
import { allowOriginMissing, type FailureKind, failureKind } from './failure.ts'
import {
  appSentCors,
  CORS_RESPONSE_HEADERS,
  headersToAllow,
  makeFix,
  methodsToAllow,
  proxyApplies,
  proxyCures,
  proxySentCors,
} from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  http: 'nginx.conf, inside http { } (outside any server { })',
  server: "nginx.conf, the API's server { } block",
  location: 'nginx.conf, inside the location that proxies the API',
  addHeader:
    "nginx.conf, where it adds them (the API's location { } or server { }), with or without `always`",
} as const

/** A header value nginx takes as one word, or in double quotes; anything else is not written into a config. */
const NGINX_BARE = /^[A-Za-z0-9*:/._-]{1,200}$/
const NGINX_QUOTED = /^[A-Za-z0-9*:/._, -]{1,200}$/

/**
 * The add_header lines nginx sent, as its config spells them when the value is a constant ('*'): what
 * "delete nginx's line" names, proven on the lab's real nginx (test/e2e/cures.test.ts deletes exactly these
 * lines). Only CORS header names and plain values, never the page's origin (a variable there); else none.
 */
export function linesToDelete(ctx: FixContext): string[] {
  const out: string[] = []
  for (const l of ctx.attribution.lines) {
    const { name, value } = l.header
    if (l.layer !== 'proxy' || !/^access-control-[a-z-]{1,40}$/i.test(name)) continue
    // The page's own origin is most often `$http_origin` in the config, sometimes written out: not guessed.
    if (value === ctx.origin) return []
    const v = NGINX_BARE.test(value) ? value : NGINX_QUOTED.test(value) ? `"${value}"` : null
    if (v === null) return []
    const line = `add_header ${name} ${v};`
    if (!out.includes(line)) out.push(line)
  }
  return out
}

const REMOVED =
  "# nginx passes the app's CORS headers through untouched: no add_header Access-Control-* and no OPTIONS if-block here."

/** "CORS in the app only": nginx's CORS lines deleted, at both levels they may sit. */
export const plainProxy: readonly ChangeSpec[] = [
  { layer: 'proxy', where: WHERE.server, comment: '#', snippet: REMOVED },
  { layer: 'proxy', where: WHERE.location, comment: '#', snippet: REMOVED },
]

const CORS_HEADERS = CORS_RESPONSE_HEADERS

/** The allow-list: $cors_origin is the request's Origin when listed, else empty (nginx then adds nothing). */
export function nginxMap(origin: string): string {
  return `map $http_origin $cors_origin {
    default "";
    ${nginxString(origin) ?? '"https://your-frontend.example"'} $http_origin;
    # one line per allowed origin, e.g. "https://staging.example.com" $http_origin;
}`
}

function responseLines(ctx: FixContext): string[] {
  return [
    'add_header Access-Control-Allow-Origin $cors_origin always;',
    ...(ctx.credentials ? ['add_header Access-Control-Allow-Credentials true always;'] : []),
    'add_header Vary Origin always;',
  ]
}

/** nginx has no way to quote a `$` (it would read a variable): such names are left out, with a note. */
function quotable(names: readonly string[]): { list: string | null; notes: string[] } {
  const kept = names.filter((n) => nginxString(n) !== null)
  const notes = names
    .filter((n) => nginxString(n) === null)
    .map((n) => droppedNote('#', 'the name', n, 'nginx reads "$" as a variable and cannot quote it'))
  return { list: kept.length ? nginxString(kept.join(', ')) : null, notes }
}

function preflightBlock(ctx: FixContext): string {
  const methods = quotable([...methodsToAllow(ctx), 'OPTIONS'])
  const heads = quotable(headersToAllow(ctx))
  const lines = [
    ...methods.notes,
    ...heads.notes,
    'add_header Access-Control-Allow-Origin $cors_origin always;',
    ...(methods.list ? [`add_header Access-Control-Allow-Methods ${methods.list} always;`] : []),
    ...(heads.list ? [`add_header Access-Control-Allow-Headers ${heads.list} always;`] : []),
    ...(ctx.credentials ? ['add_header Access-Control-Allow-Credentials true always;'] : []),
    'add_header Access-Control-Max-Age 600 always;',
    'add_header Vary Origin always;',
    'return 204;',
  ]
  return `# Preflights end here. An if block keeps only its own add_header lines, so every one is repeated.
if ($request_method = OPTIONS) {
${lines.map((l) => `    ${l}`).join('\n')}
}`
}

/** The location part of "CORS at nginx only". */
export function nginxOnlyLocation(ctx: FixContext): string {
  return `# CORS is answered here only: never pass the app's own copies on.
${CORS_HEADERS.map((h) => `proxy_hide_header ${h};`).join('\n')}
${preflightBlock(ctx)}
# \`always\`: also on 401/404/500, or the browser reports those as CORS errors.
${responseLines(ctx).join('\n')}`
}

function onlyWhy(ctx: FixContext, kind: FailureKind): string {
  if (kind === 'duplicate')
    return "One layer sends CORS: nginx answers preflights itself, hides the app's copies and adds one ACAO (with `always`), so the browser sees exactly one value."
  if (allowOriginMissing(kind) && (ctx.exchange.response?.status ?? 200) >= 400)
    return 'add_header without `always` skips 4xx/5xx responses; these lines use `always` and answer preflights at nginx, so every status carries the ACAO.'
  if (allowOriginMissing(kind))
    return 'A location with any add_header of its own inherits none from the server or http block; putting the CORS lines in the location itself (and answering preflights there) restores them.'
  return 'nginx answers the preflight itself with 204 and the allowed origin, method and headers, before the app (or its auth) can refuse or mangle it.'
}

export const recipe: Recipe = (ctx) => {
  if (!proxyApplies(ctx, 'nginx')) return []
  const kind = failureKind(ctx)
  const fixes = proxyCures(ctx, {
    stack: 'nginx',
    name: 'nginx',
    directive: 'add_header',
    sent: { lines: linesToDelete(ctx), where: WHERE.addHeader },
    only: {
      title: 'CORS at nginx only: answer preflights at nginx, `always`, an allow-list map',
      why: onlyWhy(ctx, kind),
      changes: [
        { layer: 'proxy', where: WHERE.http, comment: '#', snippet: nginxMap(ctx.origin) },
        { layer: 'proxy', where: WHERE.location, comment: '#', snippet: nginxOnlyLocation(ctx) },
      ],
    },
    keep: {
      when: kind === 'duplicate' || (appSentCors(ctx) && proxySentCors(ctx)),
      title: "Keep the app's CORS, but let nginx send the only ACAO: proxy_hide_header, then add_header",
      why: "proxy_hide_header drops the app's Access-Control-Allow-Origin; nginx re-adds one from its allow-list, so there is one line whatever the app sends.",
      changes: [
        { layer: 'proxy', where: WHERE.http, comment: '#', snippet: nginxMap(ctx.origin) },
        {
          layer: 'proxy',
          where: WHERE.location,
          comment: '#',
          snippet: `proxy_hide_header Access-Control-Allow-Origin;
proxy_hide_header Access-Control-Allow-Credentials;
${responseLines(ctx).join('\n')}`,
        },
      ],
    },
  })
  if (
    allowOriginMissing(kind) &&
    ctx.attribution.culprit !== 'app' &&
    (ctx.exchange.response?.status ?? ctx.exchange.preflight?.response?.status ?? 0) < 400 &&
    !appSentCors(ctx)
  ) {
    // The inheritance trap (a location, or an `if` block, with its own add_header): nginx ≥ 1.29.3 can merge
    // the inherited lines instead. Not when the app visibly refused the origin (Vary: Origin, no ACAO).
    fixes.push(
      makeFix({
        stack: 'nginx',
        layer: 'proxy',
        recommended: false,
        title: "Let the location inherit the server block's add_header lines: add_header_inherit merge",
        label: 'nginx: add_header_inherit merge',
        why: 'A location with its own add_header drops the inherited ones; `add_header_inherit merge` (nginx 1.29.3+) appends them again.',
        requires: 'nginx ≥ 1.29.3',
        changes: [
          {
            layer: 'proxy',
            where: WHERE.location,
            comment: '#',
            snippet:
              '# nginx ≥ 1.29.3 only: keep the server/http add_header lines in this location too.\nadd_header_inherit merge;',
          },
        ],
      }),
    )
  }
  return fixes
}
