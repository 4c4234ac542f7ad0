/**
 * Secrets out of everything CORS Lens lets out: HAR export, Markdown, curl, `cors-lens check` commands, fix
 * snippets and the CLI's text and JSON. The one place that decides what is secret:
 *
 * - header values: Cookie, Set-Cookie, Authorization, Proxy-Authorization, and any header whose name has a
 *   credential word in it (X-Api-Key, X-Auth-Token, apikey, X-CSRF-Token, …), never Access-Control-*;
 * - URLs (request, preflight, redirects, Location, Referer, Content-Location, the initiator): the user:password
 *   part and the values of query or fragment parameters with a credential name (access_token, code, id_token,
 *   api_key, sig, state, …);
 * - bodies (the response snippet): whole;
 * - and, in free text (fix snippets, explanations), every occurrence of a secret value found above.
 *
 * `redactForOutput` is what every way out calls. Every scan is linear in its input.
 */
import type { Diagnosis } from './analysis.ts'
import type { Exchange, Redirect, RequestSide, ResponseSide } from './exchange.ts'
import type { HeaderLine, HeaderList } from './headers.ts'

export const REDACTED = '[redacted]'

const ALWAYS_SECRET = new Set(['cookie', 'set-cookie', 'set-cookie2', 'authorization', 'proxy-authorization'])
/** Words that make a header or parameter name a credential's, matched against the name's -, _ or . parts. */
const SECRET_WORDS = new Set([
  'apikey',
  'auth',
  'authorization',
  'bearer',
  'code',
  'credential',
  'credentials',
  'csrf',
  'jwt',
  'key',
  'otp',
  'passwd',
  'password',
  'pwd',
  'secret',
  'session',
  'sessionid',
  'sid',
  'sig',
  'signature',
  'state',
  'ticket',
  'token',
  'xsrf',
])
/** Headers whose value is a URL (redacted as one). */
const URL_HEADERS = new Set(['location', 'referer', 'content-location', 'refresh'])

function hasSecretWord(lowerName: string): boolean {
  let from = 0
  for (let i = 0; i <= lowerName.length; i++) {
    const c = lowerName.charCodeAt(i)
    if (i === lowerName.length || c === 0x2d || c === 0x5f || c === 0x2e) {
      const part = lowerName.slice(from, i)
      if (SECRET_WORDS.has(part) || part.endsWith('token') || part.endsWith('apikey')) return true
      from = i + 1
    }
  }
  return false
}

/** A header whose value is a credential. */
export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase()
  if (ALWAYS_SECRET.has(n)) return true
  // CORS headers name credentials ("Allow-Credentials") without holding one.
  if (n.startsWith('access-control-') || n.startsWith('sec-fetch-')) return false
  return hasSecretWord(n)
}

/** A query or fragment parameter whose value is a credential. */
export function isSecretParam(name: string): boolean {
  let n = name
  try {
    n = decodeURIComponent(name)
  } catch {
    // keep it as written
  }
  return hasSecretWord(n.toLowerCase())
}

/** name=value&… with the values of secret names replaced. */
function redactParams(params: string): string {
  return params
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq < 0) return pair
      return isSecretParam(pair.slice(0, eq)) ? `${pair.slice(0, eq + 1)}${REDACTED}` : pair
    })
    .join('&')
}

/** The URL with its user:password and its secret query and fragment values redacted; any string works. */
export function redactUrl(url: string): string {
  let out = url
  const scheme = out.indexOf('://')
  if (scheme >= 0) {
    const start = scheme + 3
    let end = out.length
    for (let i = start; i < out.length; i++) {
      const c = out.charCodeAt(i)
      if (c === 0x2f || c === 0x3f || c === 0x23) {
        end = i
        break
      }
    }
    const at = out.lastIndexOf('@', end - 1)
    if (at >= start) out = `${out.slice(0, start)}${REDACTED}${out.slice(at)}`
  }
  const hash = out.indexOf('#')
  const beforeHash = hash < 0 ? out : out.slice(0, hash)
  const fragment = hash < 0 ? null : out.slice(hash + 1)
  const q = beforeHash.indexOf('?')
  const base = q < 0 ? beforeHash : `${beforeHash.slice(0, q + 1)}${redactParams(beforeHash.slice(q + 1))}`
  return fragment === null ? base : `${base}#${redactParams(fragment)}`
}

export function redactHeaderValue(name: string, value: string): string {
  if (isSecretHeader(name)) return REDACTED
  return URL_HEADERS.has(name.toLowerCase()) ? redactUrl(value) : value
}

export function redactHeaders(headers: HeaderList): HeaderLine[] {
  return headers.map((h) => ({ name: h.name, value: redactHeaderValue(h.name, h.value) }))
}

const requestSide = (r: RequestSide): RequestSide => ({
  ...r,
  url: redactUrl(r.url),
  headers: redactHeaders(r.headers),
})

function responseSide(r: ResponseSide): ResponseSide {
  const { bodySnippet, ...rest } = r
  return {
    ...rest,
    headers: redactHeaders(r.headers),
    ...(bodySnippet ? { bodySnippet: REDACTED } : {}),
  }
}

const redirect = (r: Redirect): Redirect => ({
  ...r,
  fromUrl: redactUrl(r.fromUrl),
  location: redactUrl(r.location),
  headers: redactHeaders(r.headers),
})

/** The exchange with every secret header, URL part and body redacted. */
export function redactExchange(x: Exchange): Exchange {
  return {
    ...x,
    initiator: x.initiator === null ? null : redactUrl(x.initiator),
    request: requestSide(x.request),
    ...(x.preflight
      ? {
          preflight: {
            ...x.preflight,
            request: requestSide(x.preflight.request),
            ...(x.preflight.response ? { response: responseSide(x.preflight.response) } : {}),
          },
        }
      : {}),
    ...(x.redirects ? { redirects: x.redirects.map(redirect) } : {}),
    ...(x.response ? { response: responseSide(x.response) } : {}),
  }
}

/** Shorter values are not searched for in free text (they would match ordinary words); they are still
 * redacted wherever they stand as a header value, a URL parameter or a body. */
const MIN_SECRET = 6
const MAX_SECRETS = 256

function secretsOfUrl(url: string, out: Set<string>): void {
  const redacted = redactUrl(url)
  if (redacted === url) return
  // Each piece the redaction took out, found by walking both strings' parameter lists.
  const scheme = url.indexOf('://')
  if (scheme >= 0) {
    const at = url.indexOf('@', scheme + 3)
    const slash = url.indexOf('/', scheme + 3)
    if (at >= 0 && (slash < 0 || at < slash)) {
      const userinfo = url.slice(scheme + 3, at)
      out.add(userinfo)
      const colon = userinfo.indexOf(':')
      if (colon >= 0) out.add(userinfo.slice(colon + 1))
    }
  }
  for (const sep of ['?', '#']) {
    const i = url.indexOf(sep)
    if (i < 0) continue
    for (const pair of url.slice(i + 1).split(/[&#]/)) {
      const eq = pair.indexOf('=')
      if (eq >= 0 && isSecretParam(pair.slice(0, eq))) {
        const value = pair.slice(eq + 1)
        out.add(value)
        try {
          out.add(decodeURIComponent(value))
        } catch {
          // as written only
        }
      }
    }
  }
}

function secretsOfHeader(h: HeaderLine, out: Set<string>): void {
  const n = h.name.toLowerCase()
  if (URL_HEADERS.has(n)) {
    secretsOfUrl(h.value, out)
    return
  }
  if (!isSecretHeader(n)) return
  out.add(h.value)
  // The parts a text may quote alone: "Bearer <token>", each cookie's value.
  const space = h.value.indexOf(' ')
  if (space >= 0) out.add(h.value.slice(space + 1).trim())
  for (const pair of h.value.split(';')) {
    const eq = pair.indexOf('=')
    if (eq >= 0) out.add(pair.slice(eq + 1).trim())
  }
}

/** Every secret value in the exchange, longest first (for `redactText`). */
export function secretValues(x: Exchange): string[] {
  const out = new Set<string>()
  const sides: (RequestSide | ResponseSide | Redirect | undefined)[] = [
    x.request,
    x.preflight?.request,
    x.preflight?.response,
    x.response,
    ...(x.redirects ?? []),
  ]
  for (const side of sides) {
    if (!side) continue
    for (const h of side.headers) secretsOfHeader(h, out)
    if ('url' in side) secretsOfUrl(side.url, out)
    // Bodies are redacted whole where they stand (redactExchange); the engine never quotes one in its text.
    if ('location' in side) {
      secretsOfUrl(side.location, out)
      secretsOfUrl(side.fromUrl, out)
    }
  }
  if (x.initiator) secretsOfUrl(x.initiator, out)
  return [...out]
    .filter((s) => s.length >= MIN_SECRET && s !== REDACTED)
    .sort((a, b) => b.length - a.length)
    .slice(0, MAX_SECRETS)
}

/** The text with every occurrence of each secret replaced. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED)
  return out
}

/** A JSON-like value with `f` applied to every string in it (objects and arrays copied, nothing else). */
export function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === 'string') return f(value) as T
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    // defineProperty: an own "__proto__" key must stay a key, never become the copy's prototype.
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, {
        value: mapStrings(v, f),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    return out as T
  }
  return value
}

/** What every way out calls: the exchange and its diagnosis with no secret left in them. */
export function redactForOutput(
  exchange: Exchange,
  diagnosis: Diagnosis,
): { exchange: Exchange; diagnosis: Diagnosis } {
  const secrets = secretValues(exchange)
  const redacted = redactExchange(exchange)
  // The failure text is the exporter's (a HAR's _error): outside text like the rest.
  const outcome = redacted.outcome
  return {
    exchange:
      outcome.kind === 'error' && secrets.length > 0
        ? { ...redacted, outcome: { kind: 'error', error: redactText(outcome.error, secrets) } }
        : redacted,
    diagnosis: secrets.length === 0 ? diagnosis : mapStrings(diagnosis, (s) => redactText(s, secrets)),
  }
}
