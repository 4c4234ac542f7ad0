/**
 * `cors-lens check URL --origin O`: play the browser's part from Node — the preflight when a browser would
 * send one, then the request with that Origin, following redirects as fetch() does — and let the engine
 * judge the header lines that came back. Node enforces nothing, so the outcome stays 'unknown'.
 */
import { readFileSync, statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import {
  type AnswerDifference,
  analyze,
  type CredentialsMode,
  completeWith,
  corsUnsafeRequestHeaderNames,
  type Diagnosis,
  diagnoseSafely,
  type Exchange,
  type HeaderLine,
  hasUserinfo,
  headerValue,
  isForbiddenRequestHeader,
  isToken,
  type LayerProbeReading,
  mapStrings,
  measureLayers,
  methodAfterRedirect,
  needsPreflight,
  normalizeMethod,
  originOf,
  type Preflight,
  type Redirect,
  type ResponseSide,
  redactExchange,
  redactText,
  redactUrl,
  secretValues,
} from '../core/index.ts'
import { configText, withConfig } from './check-config.ts'
import { checkCi, type Format, formatOption, isCi } from './formats.ts'
import { type RawResponse, type SendOptions, send as sendHttp } from './http.ts'
import { CliError, EXIT } from './io.ts'
import {
  assumedNote,
  type LnaJson,
  type LnaPrediction,
  lnaJson,
  lnaLines,
  type PagePlace,
  parseOriginAddress,
  predictLocalNetwork,
  refusedVerdict,
} from './lna.ts'
import { missingPathUrl, type PlannedProbe, probeHeaders, probeLines, sendProbes } from './probes.ts'
import { entryLines, headerLinesText, type JsonEntry, toJsonEntry } from './report.ts'
import type { Output } from './terminal.ts'
import { askUpstream, upstreamLines } from './upstream.ts'
import { VERSION } from './usage.ts'

export const PROBE_ORIGIN = 'https://cors-lens-probe.invalid'
const DEFAULT_TIMEOUT_S = 10
/** Fetch follows 20 redirects and fails on the 21st (fetch spec "HTTP-redirect fetch"; Chromium kMaxRedirects). */
export const MAX_REDIRECTS = 20
/** Fetch's request-body-header names, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-encoding', 'content-language', 'content-location', 'content-type'])

export interface CheckOptions {
  readonly url: string
  readonly origin: string
  readonly method: string
  /** Headers the page sets (fetch's `headers`), plus a Cookie the browser's jar would add. */
  readonly headers: readonly HeaderLine[]
  readonly credentials: CredentialsMode
  readonly probe: boolean
  readonly timeoutMs: number
  readonly resolve: ReadonlyMap<string, string>
  /** The request body (fetch's `body`: a string), sent with the request, never with its preflight. */
  readonly body?: string
  /** The app's own address behind the proxy: the same requests go there too, and every line is attributed by difference. */
  readonly upstream?: string
  /** The three requests that tell the layers apart without help (probes.ts); the CLI's default, not MCP's. */
  readonly layerProbes?: boolean
}

export interface ProbeResult {
  readonly origin: string
  readonly method: string
  readonly status: number
  readonly allowOrigin: string | null
  readonly allowCredentials: string | null
  /** The server echoed the foreign origin. */
  readonly reflectsAnyOrigin: boolean
  /** …and allowed credentials with it: any site can read responses with the user's cookies. */
  readonly withCredentials: boolean
}

export interface CheckResult {
  readonly exchange: Exchange
  readonly diagnosis: Diagnosis
  /** Why the simulation stopped before the final response, when it did. */
  readonly stoppedAt: 'preflight' | 'redirect' | null
  readonly probe: ProbeResult | null
  /** `--upstream`: the app asked directly, and the line-by-line difference. */
  readonly upstream: UpstreamJson | null
  /** What each layer probe's answer showed (empty with --no-probe). */
  readonly layerProbes: readonly LayerProbeReading[]
}

export interface UpstreamJson {
  readonly url: string
  readonly error: string | null
  readonly preflightStatus: number | null
  readonly status: number | null
  readonly differences: readonly AnswerDifference[]
}

export type Sender = (options: SendOptions) => Promise<RawResponse>

// ---------------------------------------------------------------------------------------------------------
// Arguments

/** C0 controls but HT, and DEL: fetch() throws on NUL/CR/LF, and none of them belongs on a command line. */
function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true
  }
  return false
}

function parseHeaderArg(arg: string): HeaderLine {
  const colon = arg.indexOf(':')
  const name = colon > 0 ? arg.slice(0, colon).trim() : ''
  if (!isToken(name)) throw new CliError(`--header "${arg}": expected "Name: value"`, { usage: true })
  const value = arg.slice(colon + 1).trim()
  if (hasControl(value))
    throw new CliError(
      `--header "${name}": the value has a control character (CR, LF, NUL…), which fetch() refuses`,
      {
        usage: true,
      },
    )
  return { name, value }
}

export function parseCheckArgs(argv: readonly string[]): CheckOptions & {
  json: boolean
  format: Format
  dropped: string[]
  originAddress: PagePlace | null
  noProbe: boolean
  configs: readonly string[]
} {
  let parsed: ReturnType<typeof parseCheck>
  try {
    parsed = parseCheck(argv)
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), { usage: true })
  }
  const { values: v, positionals } = parsed
  const rawUrl = positionals[0]
  if (!rawUrl || positionals.length > 1) throw new CliError('check takes exactly one URL', { usage: true })
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    throw new CliError(`"${rawUrl}" is not a URL (include the scheme: https://…)`, { usage: true })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`${url.protocol} URLs cannot be checked: only http and https`, { usage: true })
  if (url.username || url.password)
    throw new CliError(
      'the URL has a user name or password (user:pw@): fetch() refuses such a URL with a TypeError; send credentials in a header instead',
      { usage: true },
    )
  if (!v.origin)
    throw new CliError('check needs --origin, the page origin (e.g. https://app.example)', { usage: true })
  const origin = parseOrigin(v.origin)
  if (!origin)
    throw new CliError(`--origin "${v.origin}" is not an origin (scheme://host[:port], no path)`, {
      usage: true,
    })
  const method = normalizeMethod(v.method ?? 'GET')
  if (!isToken(method)) throw new CliError(`--method "${method}" is not an HTTP method`, { usage: true })
  if (/^(connect|trace|track)$/i.test(method))
    throw new CliError(`browsers never send ${method.toUpperCase()} (a forbidden method)`, { usage: true })
  const credentials: CredentialsMode = v.credentials ? 'include' : 'omit'
  const headers: HeaderLine[] = []
  const dropped: string[] = []
  for (const h of (v.header ?? []).map(parseHeaderArg)) {
    const n = h.name.toLowerCase()
    if (n === 'cookie' && credentials !== 'include')
      throw new CliError(
        'a Cookie header is sent only with --credentials (the browser adds it, not the page)',
        {
          usage: true,
        },
      )
    // As fetch() does with a forbidden header name: left out without an error (and we say so).
    if (n !== 'cookie' && isForbiddenRequestHeader(n)) dropped.push(h.name)
    else headers.push(h)
  }
  const resolve = new Map<string, string>()
  for (const r of v.resolve ?? []) {
    const m = /^([^:]+):(.+)$/.exec(r)
    if (!m) throw new CliError(`--resolve "${r}": expected HOST:ADDRESS`, { usage: true })
    resolve.set((m[1] ?? '').toLowerCase(), (m[2] ?? '').replace(/^\[|\]$/g, ''))
  }
  const format = formatOption(v)
  const seconds = v.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(v.timeout)
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 300)
    throw new CliError(`--timeout "${v.timeout}": seconds between 0 and 300`, { usage: true })
  if (v.probe && v['no-probe'])
    throw new CliError('--probe and --no-probe contradict each other', { usage: true })
  const upstream = v.upstream === undefined ? undefined : parseUpstream(v.upstream)
  const data = dataOption(v.data, v['data-file'])
  const withBody = data === undefined ? { headers } : withRequestBody(method, headers, data, '--data')
  return {
    url: url.href,
    origin,
    method,
    ...withBody,
    ...(upstream ? { upstream } : {}),
    noProbe: v['no-probe'] ?? false,
    credentials,
    probe: v.probe ?? false,
    timeoutMs: Math.round(seconds * 1000),
    resolve,
    format,
    json: format === 'json',
    dropped,
    originAddress: parseOriginAddress(v['origin-address']),
    configs: v.config ?? [],
  }
}

/** The app's address: an http(s) URL without user:password (it is asked as the page's server is). */
function parseUpstream(value: string): string {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new CliError(
      `--upstream "${value}" is not a URL (the app's own address, e.g. http://127.0.0.1:3000)`,
      {
        usage: true,
      },
    )
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password)
    throw new CliError(`--upstream "${value}": an http or https URL without user:password`, { usage: true })
  return u.href
}

/** A body larger than this is refused: CORS never depends on the body, only a server's answer may. */
export const MAX_BODY_BYTES = 1024 * 1024

/** --data STR or --data-file F (UTF-8 text, as fetch() sends a string body), not both. */
function dataOption(data: string | undefined, file: string | undefined): string | undefined {
  if (data !== undefined && file !== undefined)
    throw new CliError('--data and --data-file: give one body', { usage: true })
  if (file === undefined) {
    if (data !== undefined && Buffer.byteLength(data) > MAX_BODY_BYTES)
      throw new CliError('--data: more than 1 MB', { usage: true })
    return data
  }
  let size: number
  try {
    size = statSync(file).size
  } catch {
    throw new CliError(`--data-file "${file}": cannot read it`, { usage: true })
  }
  if (size > MAX_BODY_BYTES) throw new CliError(`--data-file "${file}": more than 1 MB`, { usage: true })
  return readFileSync(file, 'utf8')
}

/** fetch() with a string body: refused for GET/HEAD, and Content-Type text/plain;charset=UTF-8 if none. */
export function withRequestBody(
  method: string,
  headers: readonly HeaderLine[],
  body: string,
  what: string,
): { headers: HeaderLine[]; body: string } {
  if (method === 'GET' || method === 'HEAD')
    throw new CliError(`${what}: fetch() throws a TypeError for a ${method} request with a body`, {
      usage: true,
    })
  const typed =
    headerValue(headers, 'content-type') === null
      ? [...headers, { name: 'Content-Type', value: 'text/plain;charset=UTF-8' }]
      : [...headers]
  return { headers: typed, body }
}

/** The serialized origin a browser would send, or null when the value is not an origin. */
function parseOrigin(value: string): string | null {
  if (value === 'null') return 'null'
  try {
    const u = new URL(value)
    if (u.pathname !== '/' || u.search || u.hash || u.username || u.password) return null
    return u.origin === 'null' ? null : u.origin
  } catch {
    return null
  }
}

function parseCheck(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      origin: { type: 'string' },
      'origin-address': { type: 'string' },
      method: { type: 'string', short: 'X' },
      header: { type: 'string', short: 'H', multiple: true },
      credentials: { type: 'boolean' },
      probe: { type: 'boolean' },
      'no-probe': { type: 'boolean' },
      upstream: { type: 'string' },
      data: { type: 'string', short: 'd' },
      'data-file': { type: 'string' },
      resolve: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      format: { type: 'string' },
      config: { type: 'string', multiple: true },
    },
  })
}

// ---------------------------------------------------------------------------------------------------------
// The browser's part

const UA: HeaderLine = { name: 'User-Agent', value: `cors-lens/${VERSION}` }

function responseSide(r: RawResponse): ResponseSide {
  return {
    status: r.status,
    ...(r.statusText ? { statusText: r.statusText } : {}),
    headers: r.headers,
    ...(r.bodySnippet ? { bodySnippet: r.bodySnippet.slice(0, 512) } : {}),
  }
}

/** The page-set headers (no Cookie: the jar adds it, and it never decides the preflight). */
const pageHeaders = (headers: readonly HeaderLine[]): HeaderLine[] =>
  headers.filter((h) => h.name.toLowerCase() !== 'cookie')

/** The preflight Chromium builds (preflight_controller.cc CreatePreflightRequest). */
function preflightHeaders(origin: string, method: string, headers: readonly HeaderLine[]): HeaderLine[] {
  const unsafe = corsUnsafeRequestHeaderNames(pageHeaders(headers))
  return [
    { name: 'Accept', value: '*/*' },
    { name: 'Access-Control-Request-Method', value: method },
    ...(unsafe.length ? [{ name: 'Access-Control-Request-Headers', value: unsafe.join(',') }] : []),
    { name: 'Origin', value: origin },
    UA,
  ]
}

function withOrigin(origin: string, headers: readonly HeaderLine[]): HeaderLine[] {
  const out = [...headers]
  if (headerValue(out, 'accept') === null) out.unshift({ name: 'Accept', value: '*/*' })
  out.push({ name: 'Origin', value: origin }, UA)
  return out
}

/** The Location a browser follows: a 3xx with a non-empty Location (an empty one is no redirect). */
function redirectLocation(r: RawResponse): string | null {
  if (r.status < 300 || r.status >= 400) return null
  const location = headerValue(r.headers, 'location')
  return location === null || location.trim() === '' ? null : location
}

function parseLocation(location: string, base: string): URL | null {
  try {
    return new URL(location, base)
  } catch {
    return null
  }
}

export async function runCheckSimulation(o: CheckOptions, send: Sender = sendHttp): Promise<CheckResult> {
  const base = { timeoutMs: o.timeoutMs, resolve: o.resolve }
  const preflightNeeded = needsPreflight(o.method, pageHeaders(o.headers))
  const firstHeaders = withOrigin(o.origin, o.headers)
  const partial = (extra: Partial<Exchange>): Exchange => ({
    initiator: o.origin,
    request: { method: o.method, url: o.url, headers: firstHeaders },
    outcome: { kind: 'unknown' },
    credentials: o.credentials,
    browser: 'chromium',
    ...extra,
  })

  let preflight: Preflight | undefined
  const redirects: Redirect[] = []
  let url = o.url
  let method = o.method
  let headers = o.headers
  let origin = o.origin
  let body = o.body
  let response: ResponseSide | undefined
  let stoppedAt: CheckResult['stoppedAt'] = null
  /** The browser's network error, when the chain ends in one. */
  let failure: string | null = null

  for (let hop = 0; ; hop++) {
    // A browser preflights each URL the request goes to (the cache aside), never following its redirects.
    if (needsPreflight(method, pageHeaders(headers)) && (preflightNeeded || hop > 0)) {
      const pfHeaders = preflightHeaders(origin, method, headers)
      const pr = await send({ ...base, method: 'OPTIONS', url, headers: pfHeaders })
      preflight = { request: { method: 'OPTIONS', url, headers: pfHeaders }, response: responseSide(pr) }
      const verdict = analyze(
        partial({ preflight, ...(redirects.length ? { redirects: [...redirects] } : {}) }),
      )
      if (verdict.blocked && verdict.stage === 'preflight') {
        stoppedAt = 'preflight'
        break
      }
    }
    const sent = hop === 0 ? firstHeaders : withOrigin(origin, headers)
    const r = await send({ ...base, method, url, headers: sent, ...(body === undefined ? {} : { body }) })
    const location = redirectLocation(r)
    if (location === null) {
      response = responseSide(r)
      break
    }
    const next = parseLocation(location, url)
    // Absolute, as the browser resolves it: the engine walks the chain by these URLs.
    redirects.push({ fromUrl: url, status: r.status, headers: r.headers, location: next?.href ?? location })
    // The network stack refuses these, in this order, before CORS sees the redirect
    // (url_request_job.cc CanFollowRedirect): not CORS failures.
    const netError =
      redirects.length > MAX_REDIRECTS
        ? 'net::ERR_TOO_MANY_REDIRECTS'
        : !next
          ? 'net::ERR_INVALID_REDIRECT'
          : next.protocol !== 'http:' && next.protocol !== 'https:'
            ? 'net::ERR_UNSAFE_REDIRECT'
            : null
    if (netError) {
      failure = netError
      stoppedAt = 'redirect'
      break
    }
    const judged = analyze(partial({ ...(preflight ? { preflight } : {}), redirects: [...redirects] }))
    // Fetch refuses credentials in a redirect URL itself; the recorded redirect lets the engine say why.
    if (!next || (judged.blocked && judged.stage === 'redirect') || hasUserinfo(next.href)) {
      stoppedAt = 'redirect'
      break
    }
    const from = originOf(url)
    const to = originOf(next.href)
    // Chromium taints the origin when a redirect leaves the current origin and the page is not that origin.
    if (from !== to && o.origin !== from) origin = 'null'
    const newMethod = methodAfterRedirect(method, r.status)
    // Fetch's "HTTP-redirect fetch": a redirect that turns the request into a GET drops its body.
    if (newMethod !== method) body = undefined
    headers = headers.filter(
      (h) =>
        !(newMethod !== method && BODY_HEADERS.has(h.name.toLowerCase())) &&
        // Fetch drops Authorization on a cross-origin redirect; the cookie jar is per host.
        !(from !== to && /^(authorization|cookie)$/i.test(h.name)),
    )
    method = newMethod
    url = next.href
  }

  const exchange = partial({
    // A request stopped by its preflight never left the browser: no header lines of its own.
    ...(stoppedAt === 'preflight' ? { request: { method: o.method, url: o.url, headers: [] } } : {}),
    ...(preflight ? { preflight } : {}),
    ...(redirects.length ? { redirects } : {}),
    ...(response ? { response } : {}),
    ...(failure ? { outcome: { kind: 'error' as const, error: failure } } : {}),
  })
  const guessed = diagnoseSafely(exchange)
  const upstream = o.upstream
    ? await measureUpstream(o, o.upstream, exchange, guessed, stoppedAt === 'preflight', send)
    : null
  const diagnosis = upstream?.diagnosis ?? guessed
  const probes = await runProbes(o, exchange, send)
  return { exchange, diagnosis, stoppedAt, ...probes, upstream: upstream?.json ?? null }
}

/** `--upstream`: the app asked the same; its difference replaces the fingerprint guess, and the fixes follow. */
async function measureUpstream(
  o: CheckOptions,
  upstream: string,
  exchange: Exchange,
  guessed: Diagnosis,
  stoppedAtPreflight: boolean,
  send: Sender,
): Promise<{ diagnosis: Diagnosis; json: UpstreamJson }> {
  const base = {
    timeoutMs: o.timeoutMs,
    resolve: o.resolve,
    ...(o.body === undefined ? {} : { body: o.body }),
  }
  const asked = await askUpstream(exchange, stoppedAtPreflight, upstream, base, send)
  const json = (differences: readonly AnswerDifference[]): UpstreamJson => ({
    url: asked.url,
    error: asked.error,
    preflightStatus: asked.answers.preflight?.status ?? null,
    status: asked.answers.response?.status ?? null,
    differences,
  })
  if (asked.error) return { diagnosis: guessed, json: json([]) }
  try {
    const m = measureLayers(exchange, guessed, asked.answers, guessed.attribution)
    // From analyze()'s verdict: completeWith adds the layer findings for the measured attribution itself.
    const diagnosis = completeWith(exchange, analyze(exchange), m.attribution)
    return { diagnosis, json: json(m.differences) }
  } catch (e) {
    // One bad answer never takes the check down: the fingerprint guess stands, and the JSON says why.
    return { diagnosis: guessed, json: { ...json([]), error: `could not compare: ${String(e)}` } }
  }
}

/**
 * The other origin's request: safe methods are repeated as they are; anything else is asked as a
 * preflight, so a probe never repeats a write.
 */
function otherOriginRequest(o: CheckOptions): SendOptions {
  const safe = o.method === 'GET' || o.method === 'HEAD'
  const asPreflight = !safe || needsPreflight(o.method, pageHeaders(o.headers))
  const method = asPreflight ? 'OPTIONS' : o.method
  const headers = asPreflight
    ? preflightHeaders(PROBE_ORIGIN, o.method, o.headers)
    : withOrigin(PROBE_ORIGIN, pageHeaders(o.headers))
  return { method, url: o.url, headers, timeoutMs: o.timeoutMs, resolve: o.resolve }
}

/**
 * The layer probes (three requests, probes.ts) by default, or only the other origin with --probe alone (MCP):
 * the other origin's answer is also the reflect-any-origin warning.
 */
async function runProbes(
  o: CheckOptions,
  exchange: Exchange,
  send: Sender,
): Promise<{ probe: ProbeResult | null; layerProbes: LayerProbeReading[] }> {
  // A chain the browser fails with a network error (a redirect loop) has no CORS lines to tell apart.
  if (!o.layerProbes || exchange.outcome.kind === 'error')
    return { probe: o.probe ? await runProbe(o, send) : null, layerProbes: [] }
  const base = { timeoutMs: o.timeoutMs, resolve: o.resolve }
  const plain = probeHeaders(o.origin, UA)
  const planned: PlannedProbe[] = [
    { kind: 'other-origin', origin: PROBE_ORIGIN, request: otherOriginRequest(o) },
    {
      kind: 'missing-path',
      origin: o.origin,
      request: { ...base, method: 'GET', url: missingPathUrl(o.url), headers: plain },
    },
    {
      kind: 'bare-options',
      origin: o.origin,
      request: { ...base, method: 'OPTIONS', url: o.url, headers: plain },
    },
  ]
  const { readings, raw } = await sendProbes(exchange, planned, send)
  const other = raw.get('other-origin')
  const method = planned[0]?.request.method ?? 'GET'
  return { probe: other ? probeResult(method, other) : null, layerProbes: readings }
}

/** Asks again from an origin nobody owns (--probe without the layer probes). */
async function runProbe(o: CheckOptions, send: Sender): Promise<ProbeResult> {
  const request = otherOriginRequest(o)
  return probeResult(request.method, await send(request))
}

function probeResult(method: string, r: RawResponse): ProbeResult {
  const allowOrigin = headerValue(r.headers, 'access-control-allow-origin')
  const allowCredentials = headerValue(r.headers, 'access-control-allow-credentials')
  const reflects = allowOrigin === PROBE_ORIGIN
  return {
    origin: PROBE_ORIGIN,
    method,
    status: r.status,
    allowOrigin,
    allowCredentials,
    reflectsAnyOrigin: reflects,
    withCredentials: reflects && allowCredentials === 'true',
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output

export function probeText(p: ProbeResult): string {
  if (p.withCredentials)
    return `WARNING: the server reflects any origin WITH credentials (${p.method} from ${p.origin} got Access-Control-Allow-Origin: ${p.allowOrigin} and Access-Control-Allow-Credentials: true). Any website can read this endpoint's responses with the user's cookies: allow a fixed list of origins instead.`
  if (p.reflectsAnyOrigin)
    return `Note: the server reflects any origin (${p.method} from ${p.origin} was allowed), without credentials. Fine for public data; use a fixed list if the data is not public.`
  return `Probe: a foreign origin (${p.origin}) is not allowed${p.allowOrigin ? ` (Access-Control-Allow-Origin: ${p.allowOrigin})` : ''}.`
}

export type CheckJsonEntry = JsonEntry & {
  readonly probe: ProbeResult | null
  /** `--upstream`: the app asked directly, and each CORS line's sender by difference. */
  readonly upstream: UpstreamJson | null
  /** What each layer probe's answer showed (none with --no-probe). */
  readonly layerProbes: readonly LayerProbeReading[]
  readonly localNetworkAccess: LnaJson
}

/** The upstream section as it leaves: the app's URL redacted, and no secret of the exchange in its text. */
function redactUpstream(u: UpstreamJson, x: Exchange): UpstreamJson {
  const secrets = secretValues(x)
  const out = { ...u, url: redactUrl(u.url) }
  return secrets.length ? mapStrings(out, (s) => redactText(s, secrets)) : out
}

/**
 * LNA refuses the request and the server did not answer: the browser's verdict is known (exit 1), the
 * CORS one is not. The entry is then the browser's record of the refused request.
 */
function unreachable(
  e: CliError,
  lna: LnaPrediction,
  block: NonNullable<LnaPrediction['block']>,
  json: boolean,
  out: Output,
): number {
  const { exchange, diagnosis } = block
  if (json)
    out.json(
      JSON.stringify(
        {
          ...toJsonEntry(exchange, diagnosis),
          probe: null,
          upstream: null,
          layerProbes: [],
          localNetworkAccess: lnaJson(lna),
        },
        null,
        2,
      ),
    )
  else out.lines([refusedVerdict(block), 'Once it is let through: not known, the server did not answer.'])
  out.error(`cors-lens: ${e.message}`)
  return EXIT.blocked
}

/** What `check --json` prints (`entry`), and the exit code the command returns with it. */
export interface CheckReport {
  readonly entry: CheckJsonEntry
  readonly result: CheckResult
  /** The browser's network error when the chain ends in one (a redirect loop, a file: Location). */
  readonly netError: string | null
  readonly code: number
}

/**
 * The simulation and its JSON entry, with Local Network Access predicted before it: the one path behind
 * `check` and the MCP server's `check_url`.
 */
export async function checkReport(
  options: CheckOptions,
  lna: LnaPrediction,
  send: Sender = sendHttp,
): Promise<CheckReport> {
  const result = await runCheckSimulation(options, send)
  const entry: CheckJsonEntry = {
    ...toJsonEntry(result.exchange, result.diagnosis),
    probe: result.probe,
    upstream: result.upstream ? redactUpstream(result.upstream, result.exchange) : null,
    layerProbes: result.layerProbes.map((r) => ({ ...r, url: redactUrl(r.url) })),
    localNetworkAccess: lnaJson(lna),
  }
  const netError = result.exchange.outcome.kind === 'error' ? result.exchange.outcome.error : null
  // A chain the browser itself refuses (a redirect loop, a file: Location) is a network error: exit 2.
  const cors = netError ? EXIT.unusable : result.diagnosis.blocked ? EXIT.blocked : EXIT.allowed
  return { entry, result, netError, code: lna.block ? EXIT.blocked : cors }
}

export async function runCheck(
  argv: readonly string[],
  out: Output,
  send: Sender = sendHttp,
): Promise<number> {
  const { json, format, dropped, originAddress, noProbe, configs, ...parsed } = parseCheckArgs(argv)
  const options: CheckOptions = { ...parsed, layerProbes: !noProbe }
  for (const name of dropped)
    out.error(
      `note: --header "${name}" left out: a page cannot set it (a forbidden header name), so fetch() drops it`,
    )
  // Before the CORS checks: Chrome 142+ refuses it before sending, whatever the server would answer.
  const lna = await predictLocalNetwork(options, originAddress)
  const note = assumedNote(lna, options.origin)
  if (note) out.error(note)
  if (format === 'text') out.lines(lnaLines(lna))
  let report: CheckReport
  try {
    report = await checkReport(options, lna, send)
  } catch (e) {
    if (e instanceof CliError && lna.block) return unreachable(e, lna, lna.block, json, out)
    throw e
  }
  report = withConfig(report, configs)
  const { result, entry, netError, code } = report
  if (isCi(format)) {
    const lines = [
      ...(lna.block ? [refusedVerdict(lna.block)] : []),
      ...(result.probe ? [probeText(result.probe)] : []),
    ]
    checkCi(format, entry, lines, netError !== null, out)
    return code
  }
  if (json) {
    out.json(JSON.stringify(entry, null, 2))
    return code
  }
  const x = redactExchange(result.exchange) // the URLs printed below: no secrets (core/redact.ts)
  if (x.preflight?.response) {
    out.line(`Preflight: OPTIONS ${x.preflight.request.url} → ${x.preflight.response.status}`)
    out.lines(headerLinesText(entry.headers.filter((h) => h.place.startsWith('preflight'))))
    if (result.stoppedAt === 'preflight')
      out.line('  The preflight fails, so a browser would not send the request.')
  }
  // From the report entry, not the exchange: toJsonEntry is where exchange data becomes output.
  for (const r of entry.redirects) out.line(`Redirect: ${r.from} → ${r.status} ${r.location}`)
  if (x.response) {
    out.line(`Request: ${entry.method} ${entry.url} → ${x.response.status}`)
    out.lines(headerLinesText(entry.headers.filter((h) => h.place === 'request' || h.place === 'response')))
  }
  out.line('')
  out.lines(entryLines(entry))
  out.line('')
  if (lna.block) out.line(refusedVerdict(lna.block))
  const a = lna.block ? 'Once it is let through, a' : 'A'
  out.line(
    netError
      ? `${a} browser would fail this request with ${netError}, before any CORS check.`
      : result.diagnosis.blocked
        ? `${a} browser would BLOCK this: the page cannot read the response.`
        : `${a} browser would let the page read this response.`,
  )
  if (result.probe) out.line(probeText(result.probe))
  if (result.upstream || result.layerProbes.length) out.line('')
  if (result.upstream) out.lines(upstreamLines(result.upstream))
  out.lines(probeLines(result.layerProbes))
  out.lines(configText(report))
  if (netError)
    out.error(`cors-lens: ${netError} (${Math.max(0, (x.redirects?.length ?? 0) - 1)} redirects followed)`)
  return code
}
