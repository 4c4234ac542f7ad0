/**
 * One HTTP/1.1 exchange by hand, with the header lines exactly as they came off the wire and read the way
 * Chromium's network stack reads them (http_stream_parser.cc, http_util.cc): up to 256 KB of headers and
 * any number of lines, bare LF line ends, obs-fold continuation lines, 1xx responses skipped. The verdict
 * is taken at the end of the headers: an SSE or long-poll body never has to end. (node:http merges
 * duplicates, stops at 2,000 lines and 16 KB, and refuses bare LF and obs-fold: not what a browser sees.)
 */

import { lookup as dnsLookup } from 'node:dns'
import { isIP, type LookupFunction, connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { type HeaderLine, type HeaderList, parseStatusLine, redactUrl } from '../core/index.ts'
import { CliError } from './io.ts'

export interface RawResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: HeaderLine[]
  readonly bodySnippet: string
}

export interface SendOptions {
  readonly method: string
  readonly url: string
  readonly headers: HeaderList
  readonly timeoutMs: number
  /** Host name → address to connect to instead of asking DNS (`--resolve`). */
  readonly resolve?: ReadonlyMap<string, string>
  /** Sent after the head, with its Content-Length (fetch's string body: UTF-8). */
  readonly body?: string
}

/** Enough of the body to recognise a framework's answer: what arrived with the headers, up to this. */
const BODY_LIMIT = 4096
/** How long the start of a body is waited for once the head is in (it usually comes in the same packet). */
const BODY_GRACE_MS = 200

/** The body bytes worth waiting for: none for HEAD, 1xx, 204 and 304; else up to Content-Length or the limit. */
function bodyWanted(method: string, head: ParsedHead): number {
  if (method === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) return 0
  const length = head.headers.find((h) => h.name.toLowerCase() === 'content-length')?.value
  const n = length === undefined ? Number.NaN : Number(length)
  return Number.isFinite(n) && n >= 0 ? Math.min(n, BODY_LIMIT) : BODY_LIMIT
}

const snippetOf = (b: Buffer): string => b.subarray(0, BODY_LIMIT).toString('utf8')

/** Chromium fails a response whose headers do not end within 256 KB (kMaxHeaderBufSize). */
export const MAX_HEADER_BYTES = 256 * 1024

function lookupWith(resolve: ReadonlyMap<string, string>): LookupFunction {
  return (hostname, options, callback) => {
    const address = resolve.get(hostname.toLowerCase())
    if (!address) {
      dnsLookup(hostname, options, callback)
      return
    }
    const family = address.includes(':') ? 6 : 4
    // Node ≥ 20 asks for every address (`all`) when it races IPv4 and IPv6.
    if (options.all) callback(null, [{ address, family }])
    else callback(null, address, family)
  }
}

/**
 * The address a browser would connect to for `host`: an IP literal is itself, `--resolve` first; localhost
 * names are loopback without asking DNS (RFC 6761, as Chromium resolves them); .invalid and .onion names
 * never resolve (RFC 6761, RFC 7686), so no query leaves for them; else the system resolver's first answer.
 * Null when the name does not resolve.
 */
export function resolveHost(
  rawHost: string,
  resolve: ReadonlyMap<string, string>,
  timeoutMs: number,
): Promise<string | null> {
  const host = rawHost
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '')
  const fixed = isIP(host) ? host : resolve.get(host)
  if (fixed) return Promise.resolve(fixed)
  if (host === 'localhost' || host.endsWith('.localhost')) return Promise.resolve('127.0.0.1')
  if (host.endsWith('.invalid') || host.endsWith('.onion')) return Promise.resolve(null)
  return new Promise((done) => {
    const timer = setTimeout(() => done(null), timeoutMs)
    dnsLookup(host, { verbatim: true }, (error, address) => {
      clearTimeout(timer)
      done(error ? null : address)
    })
  })
}

const NET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
}

function describe(error: unknown): string {
  const code = error !== null && typeof error === 'object' && 'code' in error ? String(error.code) : ''
  const what = NET_ERRORS[code] ?? (error instanceof Error ? error.message : String(error))
  return `${what}${code && NET_ERRORS[code] ? ` (${code})` : ''}`
}

/** The request a browser would write: its lines in order, Content-Length: 0 for a bodiless POST/PUT. */
function requestBytes(options: SendOptions, url: URL): Buffer {
  const body = options.body === undefined ? null : Buffer.from(options.body, 'utf8')
  const lines = [
    `${options.method} ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    ...options.headers.map((h) => `${h.name}: ${h.value}`),
    // http_network_transaction.cc: an empty POST or PUT still says its length.
    ...(body
      ? [`Content-Length: ${body.length}`]
      : options.method === 'POST' || options.method === 'PUT'
        ? ['Content-Length: 0']
        : []),
    'Connection: close',
  ]
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8')
  return body ? Buffer.concat([head, body]) : head
}

const LF = 0x0a
const CR = 0x0d

/**
 * Finds the end of a response head as Chromium does (HttpUtil::LocateEndOfHeaders: "\n\n" or "\n\r\n"),
 * scanning each byte once however the head is split into chunks.
 */
export class HeadReader {
  private readonly chunks: Buffer[] = []
  private size = 0
  /** The two bytes before the current chunk. */
  private prev1 = -1
  private prev2 = -1

  /** Adds a chunk; returns the whole buffer and the head's end offset once the head is complete. */
  push(chunk: Buffer): { data: Buffer; end: number } | null {
    const base = this.size
    this.chunks.push(chunk)
    this.size += chunk.length
    const at = (i: number): number => (i >= 0 ? (chunk[i] as number) : i === -1 ? this.prev1 : this.prev2)
    for (let p = chunk.indexOf(LF); p >= 0; p = chunk.indexOf(LF, p + 1)) {
      if (at(p - 1) === LF || (at(p - 1) === CR && at(p - 2) === LF)) {
        return { data: this.buffered(), end: base + p + 1 }
      }
    }
    this.prev2 = chunk.length >= 2 ? (chunk[chunk.length - 2] as number) : this.prev1
    this.prev1 = chunk.length >= 1 ? (chunk[chunk.length - 1] as number) : this.prev1
    return null
  }

  get length(): number {
    return this.size
  }

  buffered(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

export interface ParsedHead {
  readonly status: number
  readonly statusText: string
  readonly headers: HeaderLine[]
}

/**
 * A response head as Chromium reads it (HttpUtil::AssembleRawHeaders, HttpResponseHeaders::Parse): lines
 * end in LF with an optional CR, a line starting with SP/HT continues the previous header (joined by one
 * space), a line without a colon is ignored. Null when the status line is not HTTP.
 */
export function parseHead(text: string): ParsedHead | null {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  // One linear pass over the status line (core/headers.ts): a server chooses it.
  const status = parseStatusLine(trimLws(lines[0] ?? ''))
  if (!status || !/^HTTP\/\d(\.\d)?$/.test(status.version)) return null
  // Folded lines are gathered and joined once: re-joining per line would be quadratic in a hostile head.
  const headers: { name: string; parts: string[] }[] = []
  for (const line of lines.slice(1)) {
    if (line === '') continue
    const last = headers[headers.length - 1]
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      const part = trimLws(line)
      if (part) last.parts.push(part)
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = trimLws(line.slice(0, colon))
    if (name) headers.push({ name, parts: [trimLws(line.slice(colon + 1))] })
  }
  return {
    status: status.status,
    statusText: status.text,
    headers: headers.map((h) => ({ name: h.name, value: h.parts.filter(Boolean).join(' ') })),
  }
}

/** Trims SP/HT at both ends by index (no regex over a value a server chose). */
function trimLws(s: string): string {
  let a = 0
  let b = s.length
  while (a < b && (s[a] === ' ' || s[a] === '\t')) a++
  while (b > a && (s[b - 1] === ' ' || s[b - 1] === '\t')) b--
  return s.slice(a, b)
}

/** Sends one request (no redirect following) and resolves at the end of the final response head. */
export function send(options: SendOptions): Promise<RawResponse> {
  const url = new URL(options.url)
  // Errors print it: the URL may be a server's redirect target, with its tokens.
  const target = `${options.method} ${redactUrl(url.href)}`
  const https = url.protocol === 'https:'
  const port = Number(url.port) || (https ? 443 : 80)
  const lookup = options.resolve?.size ? lookupWith(options.resolve) : undefined
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(hardTimer)
      socket.destroy()
      fn()
    }
    const fail = (why: string): void => finish(() => reject(new CliError(`${target}: ${why}`)))
    // A fresh connection per request: nothing carries over between the preflight and the request.
    const socket: Socket = https
      ? tlsConnect({
          host,
          port,
          servername: host,
          ALPNProtocols: ['http/1.1'],
          ...(lookup ? { lookup } : {}),
        })
      : netConnect({ host, port, ...(lookup ? { lookup } : {}) })
    // Covers DNS, connect and the headers together.
    const hardTimer = setTimeout(
      () => (body ? endBody() : fail(`no answer within ${options.timeoutMs / 1000} s`)),
      options.timeoutMs,
    )
    let reader = new HeadReader()
    /** The head is in and the start of the body is awaited. */
    let body: { head: ParsedHead; chunks: Buffer[]; size: number; want: number } | null = null
    let bodyTimer: ReturnType<typeof setTimeout> | undefined
    const endBody = (): void => {
      if (!body) return
      const { head, chunks } = body
      clearTimeout(bodyTimer)
      finish(() => resolve({ ...head, bodySnippet: snippetOf(Buffer.concat(chunks)) }))
    }
    const onHead = (data: Buffer, end: number): void => {
      const head = parseHead(data.subarray(0, end).toString('latin1'))
      if (!head) {
        fail('not an HTTP response')
        return
      }
      const rest = data.subarray(end)
      // 1xx (100 Continue, 103 Early Hints) precede the real response; 101 is final.
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        reader = new HeadReader()
        if (rest.length) take(rest)
        return
      }
      const want = bodyWanted(options.method, head)
      if (rest.length >= want) {
        finish(() => resolve({ ...head, bodySnippet: snippetOf(rest) }))
        return
      }
      // A server may write its head and its body apart (uvicorn, Go): the start of the body is waited for
      // briefly (an error page's marks are in it), never for a body that does not come (SSE, long poll).
      body = { head, chunks: [rest], size: rest.length, want }
      bodyTimer = setTimeout(endBody, BODY_GRACE_MS)
    }
    const take = (chunk: Buffer): void => {
      const done = reader.push(chunk)
      if (done && done.end <= MAX_HEADER_BYTES) onHead(done.data, done.end)
      else if (done || reader.length > MAX_HEADER_BYTES)
        fail(
          `the response headers do not end within 256 KB (a browser fails it: net::ERR_RESPONSE_HEADERS_TOO_BIG)`,
        )
    }
    socket.on(https ? 'secureConnect' : 'connect', () => socket.write(requestBytes(options, url)))
    socket.on('data', (c: Buffer) => {
      if (settled) return
      if (!body) return take(c)
      body.chunks.push(c)
      body.size += c.length
      if (body.size >= body.want) endBody()
    })
    socket.on('end', () => {
      if (settled) return
      if (body) return endBody()
      if (reader.length === 0)
        return fail('the server closed the connection without a response (net::ERR_EMPTY_RESPONSE)')
      // http_stream_parser.cc: over TLS a cut head is an error; over plain HTTP what came is parsed.
      if (https)
        return fail('the connection closed inside the response headers (net::ERR_RESPONSE_HEADERS_TRUNCATED)')
      const data = reader.buffered()
      onHead(data, data.length)
    })
    // After the head, a reset only cuts the body short: the answer is in.
    socket.on('error', (e) => (body ? endBody() : fail(describe(e))))
  })
}
