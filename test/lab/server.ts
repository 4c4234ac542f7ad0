/**
 * The lab's scripted servers on loopback: the page origin (serves the demo page and the scenario runner)
 * and the API origins (answer with exactly the scripted header lines). Every end-to-end test, `npm start`
 * and `npm run bench` use this one lab.
 */
import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { type PublicPages, selfSigned, startPublicPages } from './public-pages.ts'
import type { PageKind, Scenario, ScriptedResponse } from './scenario.ts'

export const PAGE_HOST = 'app.test'
export const API_HOST = 'api.test'
export const OTHER_HOST = 'other.test'
/**
 * A cross-origin but same-site API host (same registrable domain as the page). Cookies only reach it:
 * api.test is another site, and a cross-site cookie would need `SameSite=None; Secure`, which plain http
 * on a non-localhost name cannot store.
 */
export const SITE_HOST = 'api.app.test'

/** The page origin sets this cookie for the whole site (Domain=app.test), so credentialed requests to SITE_HOST carry it. */
export const LAB_COOKIE = 'lab=1'

/** The HTTPS + HTTP/2 API host (`http2` labs): cross-origin, same site, covered by the lab's certificate. */
export const H2_HOST = 'h2.app.test'
/**
 * A name that never resolves: Chromium is told so (--host-resolver-rules ~NOTFOUND) and Firefox refuses
 * .onion names by itself (network.dns.blockDotOnion): no DNS query leaves the machine.
 */
export const UNRESOLVABLE_HOST = 'nowhere.onion'

/** A host on the local network by its name (mDNS style), mapped to loopback; its port is made `local`. */
export const LOCAL_HOST = 'printer.local'

/**
 * Loopback API hosts whose names say nothing about where they live (issue 17): a custom dev name, as in
 * /etc/hosts or a *.test dev domain, and a nip.io-style name (public DNS that answers 127.0.0.1; here the
 * resolver rules answer it, no DNS query leaves the machine). Only the browser's LNA error tells.
 */
export const DEVBOX_HOST = 'api.devbox.test'
export const NIP_HOST = '127.0.0.1.nip.io'

export interface Lab {
  readonly pageOrigin: string
  readonly apiOrigin: string
  /** A second API origin, for cross-origin redirects. */
  readonly otherOrigin: string
  /** The same-site API origin (http://api.app.test:port): where `cookie` scenarios run. */
  readonly siteOrigin: string
  /** https://h2.app.test:port, HTTP/2 (only with `http2`; '' otherwise). */
  readonly h2Origin: string
  /** The Chromium flag that maps the lab's host names to loopback. */
  readonly hostResolverRules: string
  /**
   * More Chromium flags the lab needs: with `localNetwork`, the address-space overrides that make the public
   * pages public and the local host local, and --ignore-certificate-errors for their self-signed certificate.
   */
  readonly chromiumArgs: readonly string[]
  /** The origin of each page kind ('lab' is pageOrigin; the others only with `localNetwork`). */
  originOf(kind: PageKind): string
  /** Register a page on a page kind's origin (and its same-site frame origin). Returns the full URL. */
  pageOn(kind: PageKind, path: string, html: string): string
  /** Register more page routes (e.g. the bench pages). Returns the full URL. */
  page(path: string, html: string): string
  /** Register a static resource on the page origin (images, scripts, styles of the bench's realistic page). */
  asset(path: string, contentType: string, body: string): string
  scenarioUrl(s: Scenario, path?: string): string
  /** How many WebSocket handshakes reached the lab for a scenario (a refused socket sends none). */
  handshakes(scenarioId: string): number
  close(): Promise<void>
}

export interface LabOptions {
  readonly scenarios: readonly Scenario[]
  /** Fixed ports (npm start); 0 picks free ones. */
  readonly pagePort?: number
  readonly apiPort?: number
  readonly otherPort?: number
  readonly sitePort?: number
  /** Also start the Local Network Access pages (public http/https, needs openssl) and the `local` host. */
  readonly localNetwork?: boolean
  /** Also serve the scenarios over HTTPS + HTTP/2 on H2_HOST (a certificate made by openssl). */
  readonly http2?: boolean
}

const HTML = 'text/html; charset=utf-8'

/** `closed`: the API host on a loopback port nothing listens on (connection refused). */
type OriginKey = 'page' | 'api' | 'other' | 'site' | 'local' | 'h2' | 'closed'

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

/** A port that was free a moment ago and is closed now: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const s = createServer()
  const port = await listen(s, 0)
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

function send(res: ServerResponse, r: ScriptedResponse, fill: (v: string) => string): void {
  // writeHead with a flat [name, value, name, value] array keeps duplicate lines separate and in order.
  const flat: string[] = []
  for (const [name, value] of r.headers) flat.push(name, fill(value))
  const answer = (): void => {
    // The page may have aborted meanwhile: its socket is gone, nothing to answer.
    if (res.destroyed || res.socket?.destroyed) return
    res.writeHead(r.status, flat)
    res.end(r.body ?? '')
  }
  if (r.delayMs) setTimeout(answer, r.delayMs)
  else answer()
}

/** RFC 6455's handshake key: what makes the browser take the 101 as a WebSocket. */
const wsAccept = (key: string): string =>
  createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')

/** The scenario a lab URL belongs to: /s/<id>[/…] on any lab host. */
export function scenarioIdOf(url: string): string | null {
  try {
    const m = /^\/s\/([^/]+)/.exec(new URL(url).pathname)
    return m?.[1] ? decodeURIComponent(m[1]) : null
  } catch {
    return null
  }
}

/** The origin a scenario's requests go to by default: the same-site host when it needs a cookie. */
export function scenarioHost(s: Scenario): OriginKey {
  return s.cookie ? 'site' : 'api'
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const byId = new Map(options.scenarios.map((s) => [s.id, s]))
  const pages = new Map<string, { readonly type: string; readonly body: string }>()

  let origins: Record<OriginKey, string> = {
    page: '',
    api: '',
    other: '',
    site: '',
    local: '',
    h2: '',
    closed: '',
  }
  const baseOf = (key: OriginKey, id: string): string => `${origins[key]}/s/${encodeURIComponent(id)}`
  /**
   * Placeholders: {page} {api} {other} {site} are origins; {base} is the scenario's base on its own host
   * (api, or site for cookie scenarios); {apibase} {otherbase} {sitebase} name a host explicitly;
   * {pageport} {apiport} … are bare ports (to build origins that differ only in scheme, case or userinfo).
   */
  const fillFor =
    (s: Scenario) =>
    (v: string): string =>
      v.replace(
        /\{(page|api|other|site|local|h2|closed|base)(base|port)?\}/g,
        (_, k: string, part: string | undefined) => {
          if (k === 'base') return baseOf(scenarioHost(s), s.id)
          const key = k as OriginKey
          if (part === 'base') return baseOf(key, s.id)
          if (part === 'port') return new URL(origins[key]).port
          return origins[key]
        },
      )

  const scenarioOf = (url: URL): Scenario | undefined => {
    const m = /^\/s\/([^/]+)/.exec(url.pathname)
    return m ? byId.get(decodeURIComponent(m[1] ?? '')) : undefined
  }
  const api = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x')
    const m = /^\/s\/([^/]+)(\/.*)?$/.exec(url.pathname)
    const scenario = scenarioOf(url)
    if (url.pathname === '/set-cookie') {
      // Echo the origin with credentials allowed, so a credentialed fetch from the page may store it.
      const origin = req.headers.origin
      res.writeHead(200, {
        'Set-Cookie': `${LAB_COOKIE}; Path=/; SameSite=Lax`,
        'Access-Control-Allow-Origin': origin ?? '*',
        ...(origin ? { 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' } : {}),
      })
      res.end('ok')
      return
    }
    const route = scenario?.routes[m?.[2] ?? '/'] ?? scenario?.routes['/']
    if (!scenario || !route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('no such scenario')
      return
    }
    send(
      res,
      req.method === 'OPTIONS' && route.preflight ? route.preflight : route.response,
      fillFor(scenario),
    )
  }

  // A WebSocket scenario's handshake: 101 with no CORS header at all (browsers check none). Upgraded
  // sockets leave the HTTP server's bookkeeping: kept here to be ended on close.
  const upgraded = new Set<Duplex>()
  const handshakes = new Map<string, number>()
  const upgrade = (req: IncomingMessage, socket: Duplex): void => {
    upgraded.add(socket)
    const id = scenarioIdOf(`http://x${req.url ?? '/'}`)
    if (id) handshakes.set(id, (handshakes.get(id) ?? 0) + 1)
    socket.on('close', () => upgraded.delete(socket))
    const key = req.headers['sec-websocket-key']
    if (scenarioOf(new URL(req.url ?? '/', 'http://x'))?.fetch.via !== 'websocket' || !key) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
      return
    }
    socket.on('error', () => {})
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wsAccept(String(key))}\r\n\r\n`,
    )
  }

  // /hold answers only once /release is asked: an image on /hold keeps a page loading (see runner.ts).
  const held: ServerResponse[] = []
  const servePage = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/hold') {
      held.push(res)
      return
    }
    if (path === '/release') {
      for (const h of held.splice(0)) h.writeHead(204).end()
      res.writeHead(204).end()
      return
    }
    const found = pages.get(path)
    if (found === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found')
      return
    }
    res.writeHead(200, {
      // An asset's own type (a service worker script must be JavaScript; styles must be text/css).
      'Content-Type': found.type,
      'Cache-Control': 'no-store',
      // Site-wide (Domain=app.test), Lax: sent on credentialed requests to api.app.test, never to api.test.
      'Set-Cookie': `${LAB_COOKIE}; Path=/; Domain=${PAGE_HOST}; SameSite=Lax`,
    })
    res.end(found.body)
  }
  const pageServer = createServer(servePage)
  const apiServer = createServer(api)
  const otherServer = createServer(api)
  const siteServer = createServer(api)
  const localServer = createServer(api)
  const servers = [pageServer, apiServer, otherServer, siteServer, localServer]
  apiServer.on('upgrade', upgrade)
  const tls = options.http2 ? selfSigned() : null
  // Key and certificate are read: their files are not needed any more.
  if (tls) rmSync(tls.dir, { recursive: true, force: true })
  // allowHTTP1: Firefox and Chromium negotiate h2 by ALPN; anything else still gets an answer.
  const h2Server: Http2SecureServer | null = tls
    ? createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, (req, res) =>
        api(req as unknown as IncomingMessage, res as unknown as ServerResponse),
      )
    : null
  const h2Sessions = new Set<ServerHttp2Session>()
  h2Server?.on('session', (session) => {
    h2Sessions.add(session)
    session.on('close', () => h2Sessions.delete(session))
  })
  const [pagePort, apiPort, otherPort, sitePort, localPort] = await Promise.all([
    listen(pageServer, options.pagePort ?? 0),
    listen(apiServer, options.apiPort ?? 0),
    listen(otherServer, options.otherPort ?? 0),
    listen(siteServer, options.sitePort ?? 0),
    listen(localServer, 0),
  ])
  const h2Port = h2Server ? await listen(h2Server as unknown as Server, 0) : 0
  const publicPages: PublicPages | null = options.localNetwork
    ? await startPublicPages(servePage, listen)
    : null
  const pageOrigin = `http://${PAGE_HOST}:${pagePort}`
  const apiOrigin = `http://${API_HOST}:${apiPort}`
  const otherOrigin = `http://${OTHER_HOST}:${otherPort}`
  const siteOrigin = `http://${SITE_HOST}:${sitePort}`
  const localOrigin = `http://${LOCAL_HOST}:${localPort}`
  const h2Origin = h2Server ? `https://${H2_HOST}:${h2Port}` : ''
  origins = {
    page: pageOrigin,
    api: apiOrigin,
    other: otherOrigin,
    site: siteOrigin,
    local: localOrigin,
    h2: h2Origin,
    closed: `http://${API_HOST}:${await closedPort()}`,
  }
  const originOf = (kind: PageKind): string => {
    if (kind === 'lab') return pageOrigin
    if (!publicPages) throw new Error(`the lab was started without localNetwork: no ${kind} page`)
    return publicPages.origins[kind]
  }
  pages.set('/', { type: HTML, body: '<!doctype html><title>CORS Lens lab</title><h1>CORS Lens lab</h1>' })

  return {
    pageOrigin,
    apiOrigin,
    otherOrigin,
    siteOrigin,
    h2Origin,
    hostResolverRules: [
      ...[
        PAGE_HOST,
        API_HOST,
        OTHER_HOST,
        SITE_HOST,
        `*.${PAGE_HOST}`,
        LOCAL_HOST,
        DEVBOX_HOST,
        NIP_HOST,
      ].map((h) => `MAP ${h} 127.0.0.1`),
      `MAP ${UNRESOLVABLE_HOST} ~NOTFOUND`,
    ].join(', '),
    chromiumArgs: [
      ...(publicPages
        ? [
            `--ip-address-space-overrides=${[
              ...publicPages.ports.map((p) => `127.0.0.1:${p}=public`),
              `127.0.0.1:${localPort}=local`,
            ].join(',')}`,
          ]
        : []),
      ...(publicPages || tls ? ['--ignore-certificate-errors'] : []),
    ],
    originOf,
    pageOn(kind, path, html) {
      pages.set(path, { type: HTML, body: html })
      return originOf(kind) + path
    },
    page(path, html) {
      pages.set(path, { type: HTML, body: html })
      return pageOrigin + path
    },
    asset(path, contentType, body) {
      pages.set(path, { type: contentType, body })
      return pageOrigin + path
    },
    scenarioUrl(s, path = s.fetch.path ?? '/') {
      const base = baseOf(scenarioHost(s), s.id)
      const url = /^https?:|^\{/.test(path) ? fillFor(s)(path) : path === '/' ? base : base + path
      return s.fetch.via === 'websocket' ? url.replace(/^http/, 'ws') : url
    },
    handshakes: (id) => handshakes.get(id) ?? 0,
    async close() {
      const all = [...servers, ...(publicPages?.servers ?? [])]
      for (const s of all) s.closeAllConnections()
      for (const socket of upgraded) socket.destroy()
      await Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r()))))
      // An HTTP/2 server has no closeAllConnections: its sessions are ended one by one.
      for (const session of h2Sessions) session.destroy()
      await new Promise<void>((r) => (h2Server ? h2Server.close(() => r()) : r()))
      publicPages?.dispose()
    },
  }
}
