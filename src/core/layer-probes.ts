/**
 * What separates the layers without help from the user: three extra requests `cors-lens check` sends (the
 * HTTP is src/cli/probes.ts) and what each answer shows, read here against the real answer.
 *
 * - another origin: does Access-Control-Allow-Origin follow the Origin (reflected), stay the same (a fixed
 *   line, typical of a proxy's add_header), or disappear (an allow-list)? With two ACAO lines, per line.
 * - a path the app does not have: whose 404 is it (the error page's marks), and which CORS lines does an
 *   error answer carry (a line only on success: nginx add_header without `always`)?
 * - an OPTIONS without Access-Control-Request-Method: answered like the preflight (whatever answers
 *   preflights does not look at that header: an nginx `if ($request_method = OPTIONS)` block, or the
 *   cors package, https://github.com/expressjs/cors/blob/master/lib/index.js) or otherwise (a middleware
 *   that checks it, as Starlette's and rs/cors do, let the router answer).
 *
 * Hints, not proof: `--upstream` proves (core/layers-by-difference.ts).
 */
import type { Exchange, ResponseSide } from './exchange.ts'
import type { HeaderLine } from './headers.ts'
import { isMeasuredName } from './layers-by-difference.ts'

export type LayerProbeKind = 'other-origin' | 'missing-path' | 'bare-options'

export interface LayerProbeAnswer {
  readonly kind: LayerProbeKind
  readonly method: string
  readonly url: string
  /** The Origin the probe sent. */
  readonly origin: string
  readonly response: ResponseSide
}

export interface LayerProbeReading {
  readonly kind: LayerProbeKind
  readonly method: string
  readonly url: string
  readonly origin: string
  readonly status: number
  /** The probe answer's CORS lines (Access-Control-* and Vary), in wire order. */
  readonly lines: readonly HeaderLine[]
  /** Whose error page it is, when its body or Server line says so. */
  readonly page: string | null
  /** What the answer showed, in one sentence. */
  readonly showed: string
}

const isCors = isMeasuredName
const acaoOf = (r: ResponseSide): string[] =>
  r.headers.filter((h) => h.name.toLowerCase() === 'access-control-allow-origin').map((h) => h.value.trim())
const lineKey = (h: HeaderLine): string => `${h.name.toLowerCase()}\0${h.value.trim()}`
const quote = (l: HeaderLine): string => `'${l.name}: ${l.value}'`

/**
 * Error pages a server writes itself, by a phrase of its own source. Each phrase is one server's alone,
 * and each is proven on the real server's page (test/e2e/check-upstream.test.ts).
 * The body is read only up to what check keeps of it (4 KB), with plain includes(): linear.
 */
const ERROR_PAGES: ReadonlyArray<readonly [string, string]> = [
  // ngx_http_special_response.c, ngx_http_error_tail / ngx_http_error_build_tail
  ['<center>nginx', 'nginx (its own error page)'],
  // httpd modules/http/http_protocol.c, the 404 text of ap_send_error_response
  ['The requested URL was not found on this server.', 'Apache httpd (its own error page)'],
  // finalhandler (Express's default final handler): "Cannot GET /path"
  ['<pre>Cannot ', 'Express (finalhandler: "Cannot GET …")'],
  // werkzeug/exceptions.py NotFound.description
  ['The requested URL was not found on the server.', 'Flask (Werkzeug NotFound)'],
  // django/views/defaults.py page_not_found
  ['The requested resource was not found on this server.', 'Django (views.defaults.page_not_found)'],
  // fastapi/exception_handlers.py http_exception_handler
  ['{"detail":"Not Found"}', 'FastAPI ({"detail":"Not Found"})'],
  // varnish-cache bin/varnishd/builtin.vcl vcl_synth / vcl_backend_error
  ['Guru Meditation', 'Varnish (its own synthetic page)'],
]

function errorPage(r: ResponseSide): string | null {
  const body = (r.bodySnippet ?? '').slice(0, 4096)
  for (const [phrase, who] of ERROR_PAGES) if (body.includes(phrase)) return who
  return null
}

/** The real answer the probe is compared with: the preflight's for an OPTIONS, else the first hop's. */
function realAnswer(ex: Exchange, method: string): ResponseSide | null {
  if (method === 'OPTIONS' && ex.preflight?.response) return ex.preflight.response
  const hop = ex.redirects?.[0]
  return hop ? { status: hop.status, headers: hop.headers } : (ex.response ?? ex.preflight?.response ?? null)
}

export function readLayerProbe(ex: Exchange, answer: LayerProbeAnswer): LayerProbeReading {
  const r = answer.response
  const page = errorPage(r)
  const showed =
    answer.kind === 'other-origin'
      ? otherOrigin(ex, answer)
      : answer.kind === 'missing-path'
        ? missingPath(ex, answer, page)
        : bareOptions(ex, answer)
  return {
    kind: answer.kind,
    method: answer.method,
    url: answer.url,
    origin: answer.origin,
    status: r.status,
    lines: r.headers.filter((h) => isCors(h.name)).map((h) => ({ name: h.name, value: h.value })),
    page,
    showed,
  }
}

function otherOrigin(ex: Exchange, a: LayerProbeAnswer): string {
  const real = realAnswer(ex, a.method)
  const before = real ? acaoOf(real) : []
  const after = acaoOf(a.response)
  const from = `from ${a.origin}`
  if (before.length === 0 && after.length === 0)
    return `${from}: no Access-Control-Allow-Origin, as for the page's origin: nothing to compare`
  if (after.length === 0)
    return `${from}: no Access-Control-Allow-Origin, while the page's origin gets one: the sender checks the Origin against a list (a CORS middleware, or a proxy's map)`
  const each = after.map((v) =>
    v === a.origin ? `'${v}' (reflected: it follows the Origin)` : `'${v}' (fixed: the same for any origin)`,
  )
  const mixed = after.some((v) => v === a.origin) && after.some((v) => v !== a.origin)
  return `${from}: Access-Control-Allow-Origin ${each.join(', ')}${mixed ? ': two senders, one reflecting and one with a fixed value' : after.every((v) => v === a.origin) ? ': any origin is reflected (an $http_origin add_header, or a middleware told to reflect)' : ': a fixed line, whatever the Origin (a proxy add_header or a wildcard setting writes one)'}`
}

function missingPath(ex: Exchange, a: LayerProbeAnswer, page: string | null): string {
  const r = a.response
  const server = r.headers.find((h) => h.name.toLowerCase() === 'server')?.value
  const who = page
    ? `written by ${page}`
    : `no error page this list knows${server ? ` (Server: ${server})` : ''}`
  // Compared with the actual request's answer only: a preflight's lines are another answer's.
  const hop = ex.redirects?.[0]
  const real = hop ? { status: hop.status, headers: hop.headers } : (ex.response ?? null)
  const realCors = (real?.headers ?? []).filter((h) => h.name.toLowerCase().startsWith('access-control-'))
  // Counted: two identical lines in the real answer and one here is one kept, one lost.
  const left = new Map<string, number>()
  for (const h of r.headers) left.set(lineKey(h), (left.get(lineKey(h)) ?? 0) + 1)
  const kept: HeaderLine[] = []
  const lost: HeaderLine[] = []
  for (const h of realCors) {
    const n = left.get(lineKey(h)) ?? 0
    left.set(lineKey(h), n - 1)
    ;(n > 0 ? kept : lost).push(h)
  }
  const own = r.headers.filter((h) => h.name.toLowerCase().startsWith('access-control-'))
  const cors = !real
    ? own.length
      ? `; its CORS lines: ${own.map(quote).join(', ')}`
      : '; no CORS lines'
    : realCors.length === 0
      ? ''
      : lost.length === 0
        ? `; it carries the same CORS lines as the real answer (sent on errors too)`
        : kept.length === 0
          ? `; it carries none of the real answer's CORS lines (${lost.map(quote).join(', ')}): they are added on success only (nginx add_header without \`always\`, Apache \`Header set\` without \`always\`) or by a layer this path does not reach`
          : `; of the real answer's CORS lines it keeps ${kept.map(quote).join(', ')} and lacks ${lost.map(quote).join(', ')}: two senders, one of them only on success`
  return `GET ${pathOf(a.url)} → ${r.status}, ${who}${cors}`
}

function bareOptions(ex: Exchange, a: LayerProbeAnswer): string {
  const r = a.response
  const lines = r.headers.filter((h) => isCors(h.name))
  const got = `OPTIONS without Access-Control-Request-Method → ${r.status}${lines.length ? ` with ${lines.map(quote).join(', ')}` : ', no CORS lines'}`
  const pf = ex.preflight?.response
  if (!pf) return `${got} (the request needs no preflight: nothing to compare)`
  const key = lineKey
  const same =
    pf.status === r.status &&
    pf.headers
      .filter((h) => isCors(h.name))
      .map(key)
      .join('\n') === lines.map(key).join('\n')
  if (same)
    return `${got}: answered exactly like the preflight, so whatever answers preflights does not look at Access-Control-Request-Method (an nginx \`if ($request_method = OPTIONS)\` block, or Express's cors package, answer every OPTIONS)`
  const allow = r.headers.find((h) => h.name.toLowerCase() === 'allow')
  return `${got}, unlike the preflight (${pf.status}): the preflight is told apart by its Access-Control-Request-Method (a CORS middleware such as Starlette's or rs/cors does that) and a plain OPTIONS goes on${allow ? ` to the router (Allow: ${allow.value})` : ''}`
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return url
  }
}
