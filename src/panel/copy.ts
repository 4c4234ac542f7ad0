/**
 * Text the user copies out of the panel: curl commands for the preflight and the request, a
 * `cors-lens check` command to re-test, and the diagnosis as Markdown for a bug ticket. Pure functions;
 * secrets are redacted unless the caller asks for them.
 */
import { name as packageName, version } from '../../package.json' with { type: 'json' }
import type { Diagnosis, Exchange, HeaderLine, HeaderList, RequestSide } from '../core/index.ts'
import { chromiumConsoleMessage } from '../core/index.ts'
import { statusText, verdictWords } from './model.ts'

/** Headers whose values are credentials: never copied unless the user ticks "include secrets". */
export const SECRET_HEADERS: ReadonlySet<string> = new Set(['cookie', 'authorization', 'proxy-authorization'])
/** Also secret in response header lists (the HAR export and the Markdown show responses too). */
const SECRET_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['set-cookie'])
export const REDACTED = '[redacted]'

export interface CopyOptions {
  /** True: copy Cookie/Authorization/Proxy-Authorization values as captured. */
  readonly includeSecrets: boolean
}

export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase()
  return SECRET_HEADERS.has(n) || SECRET_RESPONSE_HEADERS.has(n)
}

export function redactHeaders(headers: HeaderList, options: CopyOptions): HeaderLine[] {
  if (options.includeSecrets) return headers.map((h) => ({ name: h.name, value: h.value }))
  return headers.map((h) => ({ name: h.name, value: isSecretHeader(h.name) ? REDACTED : h.value }))
}

/** POSIX shell single quotes: everything literal; a ' becomes '\''. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`
}

/**
 * Headers curl must not be told: HTTP/2 pseudo-headers, and the ones curl computes itself (a wrong
 * Content-Length or Host would change the request).
 */
const CURL_SKIP: ReadonlySet<string> = new Set(['host', 'content-length', 'connection', 'accept-encoding'])

export function curlFor(side: RequestSide, options: CopyOptions): string {
  const head = ['curl', '-i']
  if (side.method === 'HEAD') head.push('--head')
  else if (side.method !== 'GET') head.push('-X', shellQuote(side.method))
  head.push(shellQuote(side.url))
  const lines = [head.join(' ')]
  for (const h of redactHeaders(side.headers, options)) {
    if (h.name.startsWith(':') || CURL_SKIP.has(h.name.toLowerCase())) continue
    lines.push(`-H ${shellQuote(`${h.name}: ${h.value}`)}`)
  }
  return lines.join(' \\\n  ')
}

/** Headers a page may send without a preflight, whatever their value (Fetch's CORS-safelisted names). */
const SAFELISTED: ReadonlySet<string> = new Set([
  'accept',
  'accept-language',
  'content-language',
  'content-type',
])
/** Headers the browser sets itself; a page cannot, so they never belong in Access-Control-Request-Headers. */
const BROWSER_SET =
  /^(origin|host|cookie|referer|user-agent|connection|content-length|accept-encoding|sec-|proxy-|:)/i

/** The header names a preflight would announce for this request, lower-case and sorted like Chromium does. */
export function nonSafelistedHeaderNames(headers: HeaderList): string[] {
  const names = new Set<string>()
  for (const h of headers) {
    const n = h.name.toLowerCase()
    if (SAFELISTED.has(n) || BROWSER_SET.test(n)) continue
    names.add(n)
  }
  return [...names].sort()
}

function originOf(exchange: Exchange, diagnosis: Diagnosis): string | null {
  const line = exchange.request.headers.find((h) => h.name.toLowerCase() === 'origin')
  return line?.value ?? diagnosis.origin ?? exchange.initiator
}

/**
 * The preflight as captured; when none was captured (cached, or not seen) the one the browser would
 * send, rebuilt from the request. Null when the request needs no preflight.
 */
export function preflightRequest(exchange: Exchange, diagnosis: Diagnosis): RequestSide | null {
  if (exchange.preflight) return exchange.preflight.request
  if (!diagnosis.preflight.required) return null
  const headers: HeaderLine[] = []
  const origin = originOf(exchange, diagnosis)
  if (origin) headers.push({ name: 'Origin', value: origin })
  headers.push({ name: 'Access-Control-Request-Method', value: exchange.request.method })
  const names = nonSafelistedHeaderNames(exchange.request.headers)
  if (names.length) headers.push({ name: 'Access-Control-Request-Headers', value: names.join(',') })
  return { method: 'OPTIONS', url: exchange.request.url, headers }
}

/** The actual request; its Origin line is added when the capture lacks it, so the server answers with CORS. */
export function actualRequest(exchange: Exchange, diagnosis: Diagnosis): RequestSide {
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
export function checkCommand(exchange: Exchange, diagnosis: Diagnosis, options: CopyOptions): string {
  // Our published package at this exact version, never whatever else the registry might serve by that name.
  const parts = ['npx', '--yes', `${packageName}@${version}`, 'check', shellQuote(exchange.request.url)]
  const origin = originOf(exchange, diagnosis)
  if (origin) parts.push('--origin', shellQuote(origin))
  if (exchange.request.method !== 'GET') parts.push('--method', shellQuote(exchange.request.method))
  const credentials =
    (exchange.credentials ?? (diagnosis.credentials.mode === 'include' ? 'include' : null)) === 'include'
  // The headers that shape the preflight, plus the Cookie the CLI needs to act like a credentialed page.
  const wanted = new Set(nonSafelistedHeaderNames(exchange.request.headers))
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

/** The console sentence: the engine's when it has one, else built from the CorsError it named. */
export function consoleSentence(exchange: Exchange, diagnosis: Diagnosis): string | null {
  if (diagnosis.consoleMessage) return diagnosis.consoleMessage
  if (!diagnosis.corsError) return null
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
  options: CopyOptions & { readonly seen?: number },
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
  const sentence = consoleSentence(exchange, diagnosis)
  if (sentence) out.push('', 'Chrome console:', '', fence(sentence))
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
