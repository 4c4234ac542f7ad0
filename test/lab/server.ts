/**
 * The lab's scripted servers on loopback: the page origin (serves the demo page and the scenario runner)
 * and the API origins (answer with exactly the scripted header lines). Every end-to-end test, `npm start`
 * and `npm run bench` use this one lab.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Scenario, ScriptedResponse } from './scenario.ts'

export const PAGE_HOST = 'app.test'
export const API_HOST = 'api.test'
export const OTHER_HOST = 'other.test'

export interface Lab {
  readonly pageOrigin: string
  readonly apiOrigin: string
  /** A second API origin, for cross-origin redirects. */
  readonly otherOrigin: string
  /** The Chromium flag that maps the lab's host names to loopback. */
  readonly hostResolverRules: string
  /** Register more page routes (e.g. the bench pages). Returns the full URL. */
  page(path: string, html: string): string
  scenarioUrl(s: Scenario, path?: string): string
  close(): Promise<void>
}

export interface LabOptions {
  readonly scenarios: readonly Scenario[]
  /** Fixed ports (npm start); 0 picks free ones. */
  readonly pagePort?: number
  readonly apiPort?: number
  readonly otherPort?: number
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

function send(res: ServerResponse, r: ScriptedResponse, fill: (v: string) => string): void {
  // writeHead with a flat [name, value, name, value] array keeps duplicate lines separate and in order.
  const flat: string[] = []
  for (const [name, value] of r.headers) flat.push(name, fill(value))
  res.writeHead(r.status, flat)
  res.end(r.body ?? '')
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const byId = new Map(options.scenarios.map((s) => [s.id, s]))
  const pages = new Map<string, string>()

  let origins = { page: '', api: '', other: '' }
  const api = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x')
    const m = /^\/s\/([^/]+)(\/.*)?$/.exec(url.pathname)
    const scenario = m ? byId.get(decodeURIComponent(m[1] ?? '')) : undefined
    if (url.pathname === '/set-cookie') {
      res.writeHead(200, {
        'Set-Cookie': 'lab=1; Path=/; SameSite=None; Secure',
        'Access-Control-Allow-Origin': '*',
      })
      res.end('ok')
      return
    }
    const route = scenario?.routes[m?.[2] ?? '/'] ?? scenario?.routes['/']
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('no such scenario')
      return
    }
    const base = `${origins.api}/s/${encodeURIComponent(scenario?.id ?? '')}`
    const fill = (v: string): string =>
      v.replace(/\{(page|api|other|base)\}/g, (_, k: string) => (k === 'base' ? base : origins[k as 'page']))
    send(res, req.method === 'OPTIONS' && route.preflight ? route.preflight : route.response, fill)
  }

  const pageServer = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const html = pages.get(path)
    if (html === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found')
      return
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(html)
  })
  const apiServer = createServer(api)
  const otherServer = createServer(api)
  const [pagePort, apiPort, otherPort] = await Promise.all([
    listen(pageServer, options.pagePort ?? 0),
    listen(apiServer, options.apiPort ?? 0),
    listen(otherServer, options.otherPort ?? 0),
  ])
  const pageOrigin = `http://${PAGE_HOST}:${pagePort}`
  const apiOrigin = `http://${API_HOST}:${apiPort}`
  const otherOrigin = `http://${OTHER_HOST}:${otherPort}`
  origins = { page: pageOrigin, api: apiOrigin, other: otherOrigin }
  pages.set('/', '<!doctype html><title>CORS Lens lab</title><h1>CORS Lens lab</h1>')

  return {
    pageOrigin,
    apiOrigin,
    otherOrigin,
    hostResolverRules: `MAP ${PAGE_HOST} 127.0.0.1, MAP ${API_HOST} 127.0.0.1, MAP ${OTHER_HOST} 127.0.0.1`,
    page(path, html) {
      pages.set(path, html)
      return pageOrigin + path
    },
    scenarioUrl(s, path = s.fetch.path ?? '/') {
      const base = `${apiOrigin}/s/${encodeURIComponent(s.id)}`
      if (/^https?:|^\{/.test(path)) {
        return path.replace(/\{(page|api|other|base)\}/g, (_, k: string) =>
          k === 'base' ? base : origins[k as 'page'],
        )
      }
      return path === '/' ? base : base + path
    },
    async close() {
      for (const s of [pageServer, apiServer, otherServer]) s.closeAllConnections()
      await Promise.all(
        [pageServer, apiServer, otherServer].map((s) => new Promise<void>((r) => s.close(() => r()))),
      )
    },
  }
}
