import { describe, expect, it } from 'vitest'
import { analyze } from '../../src/core/analyze.ts'
import { attribute } from '../../src/core/attribution.ts'
import { diagnose } from '../../src/core/diagnose.ts'
import type { Exchange, ResponseSide } from '../../src/core/exchange.ts'
import { RECORDED_IDS, recording } from './stack-fixtures.ts'

const attributed = (id: string) => {
  const r = recording(id)
  return attribute(r.exchange, analyze(r.exchange))
}

/** What the evidence in each real recording supports — and no more. */
const EXPECT: Record<string, { culprit: string; proxy: string | null; app: string | null }> = {
  'nginx-express-dup-star': { culprit: 'both', proxy: 'nginx', app: 'express' },
  // uvicorn's lower-case names behind nginx look like Fastify's (nginx-fastify-dup-star): the app stays unnamed.
  'nginx-fastapi-dup-origin-star': { culprit: 'both', proxy: 'nginx', app: null },
  'nginx-fastify-dup-star': { culprit: 'both', proxy: 'nginx', app: null },
  'fastify-missing-method': { culprit: 'app', proxy: null, app: 'fastify' },
  // HAProxy's own pages: the app never saw the request, so nothing names it.
  'haproxy-express-503-down': { culprit: 'proxy', proxy: 'haproxy', app: null },
  'haproxy-deny-options': { culprit: 'proxy', proxy: 'haproxy', app: null },
  'haproxy-express-dup-add': { culprit: 'both', proxy: 'haproxy', app: 'express' },
  'hono-missing-header': { culprit: 'app', proxy: null, app: 'hono' },
  'koa-missing-header': { culprit: 'app', proxy: null, app: 'koa' },
  // A simple GET's '*' and Node's trailer: nothing names Koa.
  'koa-credentials-star': { culprit: 'unknown', proxy: null, app: null },
  // The app's own 401 JSON and Node's trailer: nothing names Hono, and no recipe is offered for anything.
  'hono-auth-preflight': { culprit: 'unknown', proxy: null, app: null },
  'nginx-hono-preflight-dup': { culprit: 'both', proxy: 'nginx', app: 'hono' },
  'fastify-auth-preflight': { culprit: 'app', proxy: null, app: 'fastify' },
  'fastify-no-cors-preflight': { culprit: 'app', proxy: null, app: 'fastify' },
  'nginx-flask-dup-preflight': { culprit: 'both', proxy: 'nginx', app: 'flask' },
  // A Django GET behind nginx carries no Django signature: the app stays unnamed.
  'nginx-django-dup': { culprit: 'both', proxy: 'nginx', app: null },
  'apache-express-dup-star-origin': { culprit: 'both', proxy: 'apache', app: 'express' },
  'caddy-express-dup-star': { culprit: 'both', proxy: 'caddy', app: 'express' },
  'varnish-express-dup-append': { culprit: 'both', proxy: 'varnish', app: 'express' },
  'varnish-express-auth-preflight': { culprit: 'app', proxy: 'varnish', app: 'express' },
  // Error statuses without CORS: nginx without `always`, or the app's error path — the headers cannot say.
  'nginx-no-always-401': { culprit: 'unknown', proxy: 'nginx', app: 'express' },
  'nginx-no-always-404': { culprit: 'unknown', proxy: 'nginx', app: 'express' },
  'nginx-no-always-500': { culprit: 'unknown', proxy: 'nginx', app: 'express' },
  'nginx-nested-location': { culprit: 'unknown', proxy: 'nginx', app: 'express' },
  'nginx-if-options': { culprit: 'proxy', proxy: 'nginx', app: null },
  'fastapi-allowlist': { culprit: 'app', proxy: null, app: 'fastapi' },
  'nginx-express-allowlist': { culprit: 'app', proxy: 'nginx', app: 'express' },
  'django-allowlist': { culprit: 'app', proxy: null, app: 'django' },
  'flask-auth-preflight': { culprit: 'app', proxy: null, app: 'flask' },
  'express-auth-preflight': { culprit: 'app', proxy: null, app: 'express' },
  'django-redirect-preflight': { culprit: 'app', proxy: null, app: 'django' },
  'express-credentials-star': { culprit: 'app', proxy: null, app: 'express' },
  'express-missing-header': { culprit: 'app', proxy: null, app: 'express' },
  'django-missing-header': { culprit: 'app', proxy: null, app: 'django' },
  'fastapi-missing-header': { culprit: 'app', proxy: null, app: 'fastapi' },
  'express-missing-method': { culprit: 'app', proxy: null, app: 'express' },
  'nginx-express-preflight-dup': { culprit: 'both', proxy: 'nginx', app: 'express' },
  'go-rs-cors-missing-header': { culprit: 'app', proxy: null, app: 'go' },
  // Go's net/http behind nginx carries no signature: unknown, never a default framework.
  'nginx-go-no-cors': { culprit: 'proxy', proxy: 'nginx', app: null },
  'rails-rack-cors-allowlist': { culprit: 'app', proxy: null, app: 'rails' },
}

describe('attribute() on recordings of the real stacks', () => {
  it('covers every recording', () => {
    expect([...RECORDED_IDS].sort()).toEqual(Object.keys(EXPECT).sort())
  })
  for (const id of RECORDED_IDS) {
    it(id, () => {
      const a = attributed(id)
      expect({ culprit: a.culprit, proxy: a.proxy, app: a.app }).toEqual(EXPECT[id])
      expect(a.evidence.length).toBeGreaterThan(0)
    })
  }

  it("nginx's add_header line is the last ACAO, after the upstream's", () => {
    const a = attributed('nginx-express-dup-star')
    const acao = a.lines.filter((l) => l.header.name === 'Access-Control-Allow-Origin')
    expect(acao.map((l) => l.layer)).toEqual(['app', 'proxy'])
    expect(acao[1]?.confidence).toBe('high')
    expect(a.confidence).toBe('high')
  })

  it("every CORS line after the upstream's gets nginx's layer, not only the second ACAO", () => {
    // Express cors() answered the proxied preflight; nginx's add_header … always lines follow its own.
    const a = attributed('nginx-express-preflight-dup')
    const tags = a.lines.map((l) => `${l.layer}:${l.stack ?? '-'} ${l.header.name}: ${l.header.value}`)
    expect(tags).toEqual([
      'app:express Access-Control-Allow-Origin: *',
      'app:express Access-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE',
      'app:express Access-Control-Allow-Headers: content-type,x-api-key',
      'proxy:nginx Access-Control-Allow-Origin: http://app.test:5173',
      'proxy:nginx Access-Control-Allow-Methods: GET, PUT, OPTIONS',
      'proxy:nginx Access-Control-Allow-Headers: Content-Type, X-Api-Key',
    ])
    expect(a.lines.filter((l) => l.layer === 'proxy').every((l) => l.confidence === 'high')).toBe(true)
  })

  it("names rs/cors by its three Vary lines and Rails by X-Runtime/X-Request-Id, as the lab's stacks send them", () => {
    expect(attributed('go-rs-cors-missing-header').evidence.join(' ')).toMatch(/rs\/cors/)
    expect(attributed('rails-rack-cors-allowlist').evidence.join(' ')).toMatch(/X-Runtime/)
  })

  it("Varnish's line is the one after its X-Varnish line; the app's came before, from the backend", () => {
    const a = attributed('varnish-express-dup-append')
    const tags = a.lines.map((l) => `${l.layer}:${l.stack ?? '-'} ${l.header.value}`)
    expect(tags).toEqual(['app:express *', 'proxy:varnish http://app.test:5173'])
    expect(a.lines[1]?.confidence).toBe('high')
    expect(a.confidence).toBe('high')
    expect(a.evidence.join(' ')).toMatch(/X-Varnish: 32770 — Varnish delivered it/)
  })

  it('names the proxy behind Varnish when its Server mark is there (Varnish passes it on and only replaces lines)', () => {
    const r = recording('varnish-express-dup-append')
    const res = r.exchange.response
    if (!res) throw new Error('no response')
    const behind = {
      ...r.exchange,
      response: { ...res, headers: [{ name: 'Server', value: 'nginx/1.22.1' }, ...res.headers] },
    }
    expect(attribute(behind, analyze(behind)).proxy).toBe('nginx')
    const fastly = {
      ...r.exchange,
      response: { ...res, headers: [...res.headers, { name: 'X-Served-By', value: 'cache-fra1' }] },
    }
    expect(attribute(fastly, analyze(fastly)).proxy).toBe(null)
  })

  it("uvicorn's lower-case header name survives nginx and marks the app's line", () => {
    const a = attributed('nginx-fastapi-dup-origin-star')
    const app = a.lines.find((l) => l.header.name === 'access-control-allow-origin')
    expect(app?.layer).toBe('app')
  })

  it('does not pretend to know which copy is whose behind Apache or Caddy', () => {
    for (const id of ['apache-express-dup-star-origin', 'caddy-express-dup-star']) {
      const a = attributed(id)
      expect(a.confidence).not.toBe('high')
      for (const l of a.lines) expect(l.layer).toBe('unknown')
    }
  })

  it("recognises Starlette's 400 body, django-cors-headers' defaults and Express cors' method list", () => {
    expect(attributed('fastapi-allowlist').evidence.join(' ')).toMatch(/Disallowed CORS origin/)
    expect(attributed('django-missing-header').evidence.join(' ')).toMatch(/django-cors-headers/)
    expect(attributed('express-missing-header').evidence.join(' ')).toMatch(/X-Powered-By: Express/)
  })

  it('offers a recipe only for a stack the recording really ran (or a stack-neutral cure)', () => {
    const neutral = new Set(['generic', 'client', 'third-party', 'browser'])
    for (const id of RECORDED_IDS) {
      const r = recording(id)
      const there = new Set([r.proxy, r.app])
      const strays = diagnose(r.exchange).fixes.filter((f) => !neutral.has(f.stack) && !there.has(f.stack))
      expect(strays.map((f) => `${id}: ${f.stack}`)).toEqual([])
    }
  })

  it("names Fastify by its 404 body, its Keep-Alive and @fastify/cors' lower-case default methods", () => {
    expect(attributed('fastify-no-cors-preflight').evidence.join(' ')).toMatch(/Fastify's own not-found/)
    expect(attributed('fastify-auth-preflight').evidence.join(' ')).toMatch(/Keep-Alive: timeout=72/)
    const a = attributed('fastify-missing-method')
    expect(a.evidence.join(' ')).toMatch(/@fastify\/cors' default list/)
    expect(a.lines.every((l) => l.layer === 'app' && l.stack === 'fastify')).toBe(true)
  })

  it("reads 'GET,HEAD,POST' under Title-Case names (Spring's defaults too) or on HTTP/2 as nobody's", () => {
    const r = recording('fastify-missing-method')
    const pf = r.exchange.preflight
    if (!pf?.response) throw new Error('no preflight')
    const relabel = (rename: (n: string) => string) => {
      const headers = pf.response?.headers
        .filter((l) => l.name.toLowerCase() !== 'keep-alive')
        .map((l) => ({ ...l, name: rename(l.name) }))
      const ex = {
        ...r.exchange,
        preflight: { ...pf, response: { ...pf.response, status: 204, headers: headers ?? [] } },
      }
      return attribute(ex, analyze(ex)).app
    }
    const title = (n: string) => n.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())
    expect(relabel(title)).toBe(null)
    expect(relabel((n) => n.toLowerCase())).toBe(null)
  })

  it("HAProxy's add-header line is the one after the app's keep-alive, which HAProxy forwarded in lower case", () => {
    const a = attributed('haproxy-express-dup-add')
    expect(a.lines.map((l) => `${l.layer}:${l.stack ?? '-'} ${l.header.value}`)).toEqual([
      'app:express http://app.test:5173',
      'proxy:haproxy *',
    ])
    expect(a.confidence).toBe('high')
  })

  it('names HAProxy by its own page, from the body or (the extension sees no body) its three header lines', () => {
    for (const id of ['haproxy-express-503-down', 'haproxy-deny-options']) {
      const r = recording(id)
      const strip = (x?: ResponseSide): ResponseSide | undefined => {
        if (!x) return x
        const { bodySnippet: _drop, ...rest } = x
        return rest
      }
      const pf = r.exchange.preflight
      const bare: Exchange = {
        ...r.exchange,
        ...(pf ? { preflight: { ...pf, response: strip(pf.response) } } : {}),
        response: strip(r.exchange.response),
      }
      expect(attribute(bare, analyze(bare)).proxy, id).toBe('haproxy')
      // The same three lines with a Date (HAProxy writes none on its own pages), or another body: not its page.
      const res = (pf?.response ?? r.exchange.response) as ResponseSide
      const date = { name: 'date', value: 'Tue, 08 Dec 2026 01:00:00 GMT' }
      const dated = {
        ...r.exchange,
        preflight: undefined,
        response: { ...strip(res), headers: [...res.headers, date] },
      } as Exchange
      const other = {
        ...r.exchange,
        preflight: undefined,
        response: { ...res, bodySnippet: '<html><body><h1>503</h1></body></html>' },
      } as Exchange
      for (const ex of [dated, other]) expect(attribute(ex, analyze(ex)).proxy).toBe(null)
    }
  })

  it("names Hono by hono/cors' default methods, line by line behind nginx; the list without QUERY (@koa/cors' too) names nobody", () => {
    const a = attributed('nginx-hono-preflight-dup')
    expect(a.lines.map((l) => `${l.layer}:${l.stack ?? '-'}`)).toEqual([
      'app:hono',
      'app:hono',
      'app:hono',
      'proxy:nginx',
      'proxy:nginx',
      'proxy:nginx',
    ])
    const r = recording('hono-missing-header')
    const pf = r.exchange.preflight
    if (!pf?.response) throw new Error('no preflight')
    const koa = pf.response.headers.map((l) =>
      l.name === 'access-control-allow-methods' ? { ...l, value: 'GET,HEAD,PUT,POST,DELETE,PATCH' } : l,
    )
    const ex: Exchange = { ...r.exchange, preflight: { ...pf, response: { ...pf.response, headers: koa } } }
    expect(attribute(ex, analyze(ex)).app).toBe(null)
    // The same list under Koa's Title-Case name is @koa/cors' (koa-missing-header).
    expect(attributed('koa-missing-header').evidence.join(' ')).toMatch(/@koa\/cors' default list/)
  })

  it('says unknown when no response was seen', () => {
    const ex = {
      initiator: 'http://a.test',
      request: { method: 'GET', url: 'http://b.test/', headers: [] },
      outcome: { kind: 'unknown' },
    } as const
    const a = attribute(ex, analyze(ex))
    expect(a.culprit).toBe('unknown')
    expect(a.lines).toEqual([])
  })
})
