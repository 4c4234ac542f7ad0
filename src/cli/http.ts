/**
 * One HTTP exchange from Node with the header lines exactly as they came off the wire (`rawHeaders`):
 * fetch() and `res.headers` merge duplicate lines, which is the very thing CORS Lens must see.
 */

import { lookup as dnsLookup } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { type LookupFunction, connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { type HeaderLine, type HeaderList, parseHeadersText, parseStatusLine } from '../core/index.ts'
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
}

/** Enough of the body to recognise a framework's answer; the rest is not read. */
const BODY_LIMIT = 4096

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

function describe(error: unknown, target: string): string {
  const code = error !== null && typeof error === 'object' && 'code' in error ? String(error.code) : ''
  const what = NET_ERRORS[code] ?? (error instanceof Error ? error.message : String(error))
  return `${target}: ${what}${code && NET_ERRORS[code] ? ` (${code})` : ''}`
}

function toLines(raw: readonly string[]): HeaderLine[] {
  const out: HeaderLine[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i] ?? '', value: raw[i + 1] ?? '' })
  return out
}

/** Sends one request (no redirect following) and resolves with the response; network errors are CliErrors. */
export function send(options: SendOptions): Promise<RawResponse> {
  // node:http upper-cases every method; fetch() sends `patch` as `patch`, and servers answer it differently.
  return options.method === options.method.toUpperCase() ? sendWithHttp(options) : sendRaw(options)
}

function sendWithHttp(options: SendOptions): Promise<RawResponse> {
  const url = new URL(options.url)
  const target = `${options.method} ${url.href}`
  const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest
  // A flat [name, value, …] list keeps duplicates and order, as a browser would send them.
  // With a list, Node writes exactly these lines and adds no Host of its own.
  const flat: string[] = ['Host', url.host]
  for (const h of options.headers) flat.push(h.name, h.value)
  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(hardTimer)
      fn()
    }
    const req = requestFn(url, {
      method: options.method,
      headers: flat,
      ...(options.resolve?.size ? { lookup: lookupWith(options.resolve) } : {}),
      // A fresh connection per request: nothing carries over between the preflight and the request.
      agent: false,
    })
    // Covers DNS, connect, headers and the body together; req.setTimeout alone only sees idle sockets.
    const hardTimer = setTimeout(() => {
      req.destroy()
      finish(() => reject(new CliError(`${target}: no answer within ${options.timeoutMs / 1000} s`)))
    }, options.timeoutMs)
    req.on('error', (e) => finish(() => reject(new CliError(describe(e, target)))))
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let size = 0
      const done = (): void => {
        const body = Buffer.concat(chunks).toString('utf8').slice(0, BODY_LIMIT)
        finish(() =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: toLines(res.rawHeaders),
            bodySnippet: body,
          }),
        )
        res.destroy()
      }
      res.on('data', (c: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(c)
        size += c.length
        if (size >= BODY_LIMIT) done()
      })
      res.on('end', done)
      // A connection cut mid-body still leaves a status and headers to judge.
      res.on('error', done)
      res.on('aborted', done)
    })
    req.end()
  })
}

/**
 * HTTP/1.1 by hand, for what node:http will not send (a lower-case method). Reads the response head and the
 * start of the body, then closes: status and header lines are all CORS needs.
 */
function sendRaw(options: SendOptions): Promise<RawResponse> {
  const url = new URL(options.url)
  const target = `${options.method} ${url.href}`
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
  const lookup = options.resolve?.size ? lookupWith(options.resolve) : undefined
  const head = [
    `${options.method} ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    ...options.headers.map((h) => `${h.name}: ${h.value}`),
    'Content-Length: 0',
    'Connection: close',
    '',
    '',
  ].join('\r\n')
  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(hardTimer)
      socket.destroy()
      fn()
    }
    const socket: Socket =
      url.protocol === 'https:'
        ? tlsConnect({ host: url.hostname, port, servername: url.hostname, ...(lookup ? { lookup } : {}) })
        : netConnect({ host: url.hostname, port, ...(lookup ? { lookup } : {}) })
    const hardTimer = setTimeout(
      () => finish(() => reject(new CliError(`${target}: no answer within ${options.timeoutMs / 1000} s`))),
      options.timeoutMs,
    )
    let data = Buffer.alloc(0)
    const parse = (ended: boolean): void => {
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) {
        if (ended) finish(() => reject(new CliError(`${target}: the connection closed before a response`)))
        return
      }
      const { statusLine, headers } = parseHeadersText(data.subarray(0, end).toString('latin1'))
      // One linear pass: a server chooses this line (core/headers.ts parseStatusLine).
      const m = parseStatusLine(statusLine)
      if (!m || !/^HTTP\/\d(\.\d)?$/.test(m.version)) {
        finish(() => reject(new CliError(`${target}: not an HTTP response`)))
        return
      }
      const body = data.subarray(end + 4, end + 4 + BODY_LIMIT).toString('utf8')
      finish(() => resolve({ status: m.status, statusText: m.text, headers, bodySnippet: body }))
    }
    socket.on(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => socket.write(head))
    socket.on('data', (c: Buffer) => {
      data = Buffer.concat([data, c])
      if (data.length > BODY_LIMIT * 4 || data.indexOf('\r\n\r\n') >= 0) parse(false)
    })
    socket.on('end', () => parse(true))
    socket.on('error', (e) => finish(() => reject(new CliError(describe(e, target)))))
  })
}
