/**
 * Text the user copies out of the panel: curl commands for the preflight and the request, a
 * `cors-lens check` command to re-test, and the diagnosis as Markdown for a bug ticket. Pure functions;
 * secrets are redacted unless the caller asks for them.
 */
import { name as packageName, version } from '../../package.json' with { type: 'json' }
import type { Analysis, Diagnosis, Exchange, HeaderLine, HeaderList, RequestSide } from '../core/index.ts'
import {
  chromiumConsoleMessage,
  redactHeaders as coreRedactHeaders,
  corsUnsafeRequestHeaderNames,
  firefoxConsoleMessage,
  isForbiddenRequestHeader,
  redactForOutput,
  redactUrl,
  shellWord,
} from '../core/index.ts'
import type { BrowserName } from '../protocol.ts'
import { statusText, verdictWords } from './model.ts'

export { REDACTED } from '../core/index.ts'

export interface CopyOptions {
  /** True: copy credentials (secret headers, URL tokens, bodies) as captured. */
  readonly includeSecrets: boolean
}

/** Secrets (core/redact.ts decides which) redacted unless the user ticked "include secrets". */
export function redactHeaders(headers: HeaderList, options: CopyOptions): HeaderLine[] {
  if (options.includeSecrets) return headers.map((h) => ({ name: h.name, value: h.value }))
  return coreRedactHeaders(headers)
}

const urlFor = (url: string, options: CopyOptions): string => (options.includeSecrets ? url : redactUrl(url))

/** POSIX shell single quotes: everything literal; a ' becomes '\''. */
export const shellQuote = shellWord

/**
 * Headers curl must not be told: HTTP/2 pseudo-headers, and the ones curl computes itself (a wrong
 * Content-Length or Host would change the request).
 */
const CURL_SKIP: ReadonlySet<string> = new Set(['host', 'content-length', 'connection', 'accept-encoding'])

export function curlFor(side: RequestSide, options: CopyOptions): string {
  const head = ['curl', '-i']
  if (side.method === 'HEAD') head.push('--head')
  else if (side.method !== 'GET') head.push('-X', shellQuote(side.method))
  head.push(shellQuote(urlFor(side.url, options)))
  const lines = [head.join(' ')]
  for (const h of redactHeaders(side.headers, options)) {
    if (h.name.startsWith(':') || CURL_SKIP.has(h.name.toLowerCase())) continue
    lines.push(`-H ${shellQuote(`${h.name}: ${h.value}`)}`)
  }
  return lines.join(' \\\n  ')
}

/**
 * The request as a fetch() call to paste into the page's console: its method, the headers a page can set,
 * and its credentials mode (known, else the engine's inference). Every string is JSON-quoted.
 */
export function fetchFor(exchange: Exchange, diagnosis: Analysis, options: CopyOptions): string {
  const req = exchange.request
  const headers: Record<string, string> = {}
  for (const h of redactHeaders(req.headers, options))
    if (!isForbiddenRequestHeader(h.name)) headers[h.name] = h.value
  const credentials =
    exchange.credentials ?? (diagnosis.credentials.mode === 'include' ? 'include' : 'same-origin')
  const init = { method: req.method, headers, mode: 'cors', credentials }
  return `fetch(${JSON.stringify(urlFor(req.url, options))}, ${JSON.stringify(init, null, 2)});`
}

/**
 * The header names a preflight would announce for this request: the engine's rule (values count: a JSON
 * Content-Type is announced), over the headers as sent, which include the ones the browser added.
 */
export function preflightHeaderNames(headers: HeaderList): string[] {
  return corsUnsafeRequestHeaderNames(headers, { wire: true })
}

function originOf(exchange: Exchange, diagnosis: Analysis): string | null {
  const line = exchange.request.headers.find((h) => h.name.toLowerCase() === 'origin')
  return line?.value ?? diagnosis.origin ?? exchange.initiator
}

/**
 * The preflight as captured; when none was captured (cached, or not seen) the one the browser would
 * send, rebuilt from the request. Null when the request needs no preflight.
 */
export function preflightRequest(exchange: Exchange, diagnosis: Analysis): RequestSide | null {
  if (exchange.preflight) return exchange.preflight.request
  if (!diagnosis.preflight.required) return null
  const headers: HeaderLine[] = []
  const origin = originOf(exchange, diagnosis)
  if (origin) headers.push({ name: 'Origin', value: origin })
  headers.push({ name: 'Access-Control-Request-Method', value: exchange.request.method })
  const names = preflightHeaderNames(exchange.request.headers)
  if (names.length) headers.push({ name: 'Access-Control-Request-Headers', value: names.join(',') })
  return { method: 'OPTIONS', url: exchange.request.url, headers }
}

/** The actual request; its Origin line is added when the capture lacks it, so the server answers with CORS. */
export function actualRequest(exchange: Exchange, diagnosis: Analysis): RequestSide {
  const req = exchange.request
  const hasOrigin = req.headers.some((h) => h.name.toLowerCase() === 'origin')
  const origin = originOf(exchange, diagnosis)
  if (hasOrigin || !origin) return req
  return { ...req, headers: [{ name: 'Origin', value: origin }, ...req.headers] }
}

/**
 * `cors-lens check` (src/cli/usage.ts) re-tests the endpoint from the command line with the same origin,
 * method, custom headers and credentials mode as the captured request.
 */
export function checkCommand(exchange: Exchange, diagnosis: Analysis, options: CopyOptions): string {
  // Our published package at this exact version, never whatever else the registry might serve by that name.
  const url = shellQuote(urlFor(exchange.request.url, options))
  const parts = ['npx', '--yes', `${packageName}@${version}`, 'check', url]
  const origin = originOf(exchange, diagnosis)
  if (origin) parts.push('--origin', shellQuote(origin))
  if (exchange.request.method !== 'GET') parts.push('--method', shellQuote(exchange.request.method))
  const credentials =
    (exchange.credentials ?? (diagnosis.credentials.mode === 'include' ? 'include' : null)) === 'include'
  // The headers that shape the preflight, plus the Cookie the CLI needs to act like a credentialed page.
  const wanted = new Set(preflightHeaderNames(exchange.request.headers))
  wanted.add('content-type')
  if (credentials) wanted.add('cookie')
  const seen = new Set<string>()
  for (const h of redactHeaders(exchange.request.headers, options)) {
    const n = h.name.toLowerCase()
    if (!wanted.has(n) || seen.has(n)) continue
    seen.add(n)
    parts.push('--header', shellQuote(`${h.name}: ${h.value}`))
  }
  if (credentials) parts.push('--credentials')
  return parts.join(' ')
}

/**
 * The console sentence of the browser the panel runs in: the engine's when it was judged for that browser,
 * else built from the CorsError it named (Firefox's from the finding's Firefox reason).
 */
export function consoleSentence(
  exchange: Exchange,
  diagnosis: Analysis,
  browser: BrowserName = 'chromium',
): string | null {
  const judgedFor = exchange.browser ?? 'chromium'
  if (diagnosis.consoleMessage && judgedFor === browser) return diagnosis.consoleMessage
  if (!diagnosis.corsError) return null
  if (browser === 'firefox') {
    const reason = diagnosis.findings.find((f) => f.corsError === diagnosis.corsError)?.firefox
    return reason
      ? firefoxConsoleMessage(reason, exchange.request.url, exchange.response?.status ?? null)
      : null
  }
  const first = exchange.redirects?.[0]?.fromUrl
  return chromiumConsoleMessage({
    error: diagnosis.corsError,
    failedParameter: diagnosis.failedParameter ?? '',
    url: exchange.request.url,
    ...(first ? { initialUrl: first } : {}),
    origin: originOf(exchange, diagnosis) ?? 'null',
  })
}

/** Markdown code fences that survive any header value: longer than any backtick run inside. */
function fence(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const f = '`'.repeat(longest + 1)
  return `${f}${lang}\n${text}\n${f}`
}

function headerBlock(title: string, statusLine: string, headers: HeaderList, options: CopyOptions): string {
  const lines = redactHeaders(headers, options).map((h) => `${h.name}: ${h.value}`)
  return `**${title}**\n\n${fence([statusLine, ...lines].join('\n'), 'http')}`
}

/** The diagnosis as a Markdown bug report: what failed, why, the evidence and the fix. */
export function markdownReport(
  exchange: Exchange,
  diagnosis: Diagnosis,
  options: CopyOptions & { readonly seen?: number; readonly browser?: BrowserName },
): string {
  if (!options.includeSecrets) {
    const clean = redactForOutput(exchange, diagnosis)
    return markdownOf(clean.exchange, clean.diagnosis, options)
  }
  return markdownOf(exchange, diagnosis, options)
}

function markdownOf(
  exchange: Exchange,
  diagnosis: Diagnosis,
  options: CopyOptions & { readonly seen?: number; readonly browser?: BrowserName },
): string {
  const req = exchange.request
  const out: string[] = []
  out.push(`## CORS: ${req.method} ${req.url}`)
  out.push('')
  out.push(
    `**Verdict:** ${verdictWords(diagnosis.verdict)}${diagnosis.corsError ? ` (\`${diagnosis.corsError}\`)` : ''}` +
      ` · **Status:** ${statusText(exchange)}`,
  )
  if (diagnosis.origin) out.push(`**Origin:** \`${diagnosis.origin}\``)
  if (options.seen && options.seen > 1) out.push(`**Seen:** ${options.seen} times`)
  if (diagnosis.summary) out.push('', diagnosis.summary)
  const sentence = consoleSentence(exchange, diagnosis, options.browser)
  if (sentence)
    out.push('', `${options.browser === 'firefox' ? 'Firefox' : 'Chrome'} console:`, '', fence(sentence))
  if (diagnosis.findings.length) {
    out.push('', '### Findings', '')
    for (const f of diagnosis.findings) {
      out.push(`- **${f.title}** (${f.severity}): ${f.explanation}`)
      for (const l of f.links) out.push(`  - [${l.title}](${l.url})`)
    }
  }
  const fix = diagnosis.fixes.find((f) => f.recommended) ?? diagnosis.fixes[0]
  if (fix) {
    out.push('', `### Suggested fix (${fix.stack})`, '', `${fix.title}. ${fix.why}`)
    if (fix.requires) out.push('', `Requires: ${fix.requires}`)
    out.push('', fence(fix.snippet))
  }
  out.push('', '### Exchange', '')
  if (exchange.preflight) {
    const p = exchange.preflight
    out.push(headerBlock('Preflight request', `OPTIONS ${p.request.url}`, p.request.headers, options), '')
    if (p.response)
      out.push(
        headerBlock('Preflight response', `HTTP ${p.response.status}`, p.response.headers, options),
        '',
      )
    else if (p.error) out.push(`Preflight failed: \`${p.error}\``, '')
  } else if (diagnosis.preflight.probablyCached) {
    out.push('_No preflight was seen: it was probably served from the browser’s preflight cache._', '')
  }
  for (const r of exchange.redirects ?? [])
    out.push(headerBlock(`Redirect from ${r.fromUrl}`, `HTTP ${r.status}`, r.headers, options), '')
  out.push(headerBlock('Request', `${req.method} ${req.url}`, req.headers, options), '')
  if (exchange.response)
    out.push(
      headerBlock('Response', `HTTP ${exchange.response.status}`, exchange.response.headers, options),
      '',
    )
  if (exchange.outcome.kind === 'error') out.push(`Network error: \`${exchange.outcome.error}\``, '')
  out.push('_Reported by CORS Lens._')
  return out.join('\n')
}
