/**
 * Findings no single exchange can show: comparing the recent exchanges with one API origin. The pattern
 * found here is "CORS headers on success, none on errors": the API's 2xx answers (or preflights) carry
 * Access-Control-Allow-Origin, its 4xx/5xx answers do not. Then every failing call surfaces in the page as a
 * CORS error and the real status (401, 500, …) is hidden. Usual causes: nginx `add_header` without `always`
 * (nginx adds headers only to 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308), or an error handler or
 * auth layer that answers before the CORS middleware runs. Pure: exchanges in, findings out.
 */

import type { Exchange, ResponseSide } from './exchange.ts'
import { linesNamed } from './headers.ts'
import type { Finding, HeaderRef, Severity } from './model/finding.ts'
import { originOf } from './origin.ts'

export const CORS_HEADERS_MISSING_ON_ERRORS = 'cors-headers-missing-on-errors'

export interface CrossRequestSample {
  /** The caller's handle for the exchange; findings come back under it. */
  readonly key: string
  readonly exchange: Exchange
}

interface Evidence {
  readonly sample: CrossRequestSample
  readonly status: number
  readonly allowOrigin: string
  readonly preflight: boolean
}

/**
 * The extra findings per sample key (only keys that got one). Samples may mix API origins; each origin is
 * judged on its own.
 */
export function crossRequestFindings(samples: readonly CrossRequestSample[]): Map<string, Finding[]> {
  const byOrigin = new Map<string, CrossRequestSample[]>()
  for (const s of samples) {
    const origin = apiOrigin(s.exchange.request.url)
    if (!origin) continue
    const list = byOrigin.get(origin)
    if (list) list.push(s)
    else byOrigin.set(origin, [s])
  }
  const out = new Map<string, Finding[]>()
  for (const [origin, list] of byOrigin) {
    const evidence = list.flatMap(successWithCors)
    if (evidence.length === 0) continue
    for (const s of list) {
      const severity = affectedSeverity(s.exchange)
      if (!severity) continue
      const finding = missingOnErrors(origin, s, severity, evidence)
      const existing = out.get(s.key)
      if (existing) existing.push(finding)
      else out.set(s.key, [finding])
    }
  }
  return out
}

function successWithCors(s: CrossRequestSample): Evidence[] {
  const out: Evidence[] = []
  const pf = s.exchange.preflight?.response
  const pfAcao = pf && is2xx(pf.status) ? allowOrigin(pf) : null
  if (pf && pfAcao !== null) out.push({ sample: s, status: pf.status, allowOrigin: pfAcao, preflight: true })
  const r = s.exchange.response
  const acao = r && is2xx(r.status) ? allowOrigin(r) : null
  if (r && acao !== null) out.push({ sample: s, status: r.status, allowOrigin: acao, preflight: false })
  return out
}

/**
 * An error response without ACAO to a CORS-mode request: 'error' when the browser refused it (Chromium's
 * network error, or Firefox, which never reports simple CORS failures); 'warning' when the outcome is not
 * known (a HAR). A Chromium request that ended fine was not in CORS mode, so it is not affected.
 */
function affectedSeverity(ex: Exchange): Severity | null {
  const r = ex.response
  if (!r || r.status < 400 || r.status > 599 || allowOrigin(r) !== null) return null
  const corsMode = ex.preflight !== undefined || linesNamed(ex.request.headers, 'origin').length > 0
  if (!corsMode) return null
  if (ex.outcome.kind === 'error') return 'error'
  if (ex.outcome.kind === 'ok') return ex.browser === 'firefox' ? 'error' : null
  return 'warning'
}

function missingOnErrors(
  origin: string,
  s: CrossRequestSample,
  severity: Severity,
  evidence: readonly Evidence[],
): Finding {
  const r = s.exchange.response as ResponseSide
  const own = evidence.find((e) => e.sample === s && e.preflight)
  const example = own ?? evidence.find((e) => e.sample !== s) ?? evidence[0]
  const others = new Set(evidence.filter((e) => e.sample !== s).map((e) => e.sample.key)).size
  const headers: HeaderRef[] = []
  if (own) {
    const pfHeaders = s.exchange.preflight?.response?.headers ?? []
    const i = pfHeaders.findIndex((h) => h.name.toLowerCase() === 'access-control-allow-origin')
    const line = pfHeaders[i]
    if (line) headers.push({ place: 'preflight-response', name: line.name, value: line.value, index: i })
  }
  const serverIndex = r.headers.findIndex((h) => h.name.toLowerCase() === 'server')
  const server = r.headers[serverIndex]
  const nginx = server ? /nginx|openresty/i.test(server.value) : false
  if (server && nginx)
    headers.push({ place: 'response', name: server.name, value: server.value, index: serverIndex })

  const seen = own
    ? `its own preflight was answered ${own.status} with Access-Control-Allow-Origin: ${own.allowOrigin}`
    : `${others} successful ${others === 1 ? 'answer' : 'answers'} from the same API had it (${describe(example)})`
  const hidden =
    severity === 'error'
      ? `The browser therefore reported a CORS error, and the page never saw the real ${r.status}.`
      : `In a browser the page would see a CORS error instead of the real ${r.status}.`
  const cause = nginx
    ? 'The response comes through nginx: add_header applies only to 2xx and 3xx answers unless the line ends with `always` (add_header Access-Control-Allow-Origin … always;).'
    : 'Usual causes: nginx add_header without `always` (it then applies only to 2xx and 3xx answers), or an error handler or auth layer that answers before the CORS middleware runs.'
  return {
    code: CORS_HEADERS_MISSING_ON_ERRORS,
    severity,
    title: `CORS headers are missing on error responses from ${origin}`,
    explanation: `This ${r.status} response has no Access-Control-Allow-Origin, but ${seen}. The API adds CORS headers only when it succeeds. ${hidden} ${cause} Fix the server so error answers carry the same CORS headers, then look at the ${r.status} itself.`,
    headers,
    links: [
      {
        title: 'nginx: add_header (the always parameter)',
        url: 'https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header',
      },
      {
        title: 'MDN: CORSMissingAllowOrigin',
        url: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSMissingAllowOrigin',
      },
    ],
    corsError: 'MissingAllowOriginHeader',
  }
}

function describe(e: Evidence | undefined): string {
  if (!e) return ''
  const req = e.sample.exchange.request
  const what = e.preflight
    ? `the preflight of ${req.method} ${pathOf(req.url)}`
    : `${req.method} ${pathOf(req.url)}`
  return `${what} → ${e.status}, Access-Control-Allow-Origin: ${e.allowOrigin}`
}

function allowOrigin(r: ResponseSide): string | null {
  const lines = linesNamed(r.headers, 'access-control-allow-origin')
  return lines.length > 0 ? lines.map((l) => l.value.trim()).join(', ') : null
}

function is2xx(status: number): boolean {
  return status >= 200 && status < 300
}

/** The API's origin, or null where there is none to group by (an opaque origin). */
function apiOrigin(url: string): string | null {
  const o = originOf(url)
  return o === 'null' ? null : o
}

function pathOf(url: string): string {
  try {
    const u = new URL(url)
    return u.pathname + u.search
  } catch {
    return url
  }
}
