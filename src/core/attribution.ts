/**
 * attribute(exchange, analysis): which layer most likely sent each CORS header line, and who caused the
 * failure. Evidence comes only from what the browser saw: Server / X-Powered-By / Via, header-name casing,
 * wire order, and each stack's characteristic answers. The fingerprints live in the stack modules
 * (src/core/stacks/); this file weighs them. Each was checked against what the lab's real servers send
 * (test/core/fixtures/stacks/*.json, recorded from nginx 1.22, Apache 2.4, Caddy 2.6, Varnish 7.1, Express 5 + cors 2.8, Fastify 5.12 + @fastify/cors 11.4, Hono 4.13,
 * Starlette 0.26, Flask-CORS 3.0, django-cors-headers 3.14).
 */
import type { Analysis } from './analysis.ts'
import type { Attribution, Confidence, LineAttribution } from './attribution-types.ts'
import type { Exchange, ResponseSide } from './exchange.ts'
import type { Stack } from './fix.ts'
import { splitHeaderList } from './headers.ts'
import type { HeaderPlace, HeaderRef } from './model/finding.ts'
import { ownership } from './ownership.ts'
import { APP_PHASES, isCorsName, PROXY_PHASES, type Reader, type Signal, val } from './stacks/fingerprint.ts'
import { keepAliveLine } from './stacks/haproxy.ts'
import { STACKS } from './stacks/index.ts'
import type { StackModule } from './stacks/stack.ts'

type ProxyStack = 'nginx' | 'apache' | 'caddy' | 'varnish' | 'haproxy'

const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 }
const weaker = (a: Confidence, b: Confidence): Confidence => (RANK[a] <= RANK[b] ? a : b)

const MODULES = Object.values(STACKS)
const PROXIES = MODULES.filter((m) => m.layer === 'proxy')
const APPS = MODULES.filter((m) => m.layer === 'app' || m.layer === 'gateway')

/** Every fingerprint of the given modules in one phase, in registry order. */
function inPhase(modules: readonly StackModule[], phase: string): Reader[] {
  return modules.flatMap((m) => (m.fingerprints ?? []).filter((f) => f.phase === phase).map((f) => f.read))
}
const PROXY_READERS = PROXY_PHASES.flatMap((p) => inPhase(PROXIES, p))
const APP_READERS = APP_PHASES.flatMap((p) => inPhase(APPS, p))

/** The proxy the headers name: the first response's first mark, Server before Via. */
function detectProxy(all: readonly ResponseSide[]): Signal | null {
  for (const r of all)
    for (const read of PROXY_READERS) {
      const s = read(r, false, [])
      if (s) return s
    }
  return null
}

/** Signs of the app framework (or gateway) in one response (preflight or not), in phase order. */
function appSignals(r: ResponseSide, preflight: boolean): Signal[] {
  const out: Signal[] = []
  for (const read of APP_READERS) {
    const s = read(r, preflight, out)
    if (s) out.push(s)
  }
  return out
}

/** Servers that name a language but no framework: said in words, never turned into a framework's cure. */
function serverHints(all: readonly ResponseSide[]): string[] {
  const out = new Set<string>()
  for (const r of all) {
    const server = val(r.headers, 'server')
    const powered = val(r.headers, 'x-powered-by')
    if (/^php\//i.test(powered))
      out.add(`X-Powered-By: ${powered} — a PHP app; no Laravel mark, so the framework is not named`)
    if (/^gunicorn/i.test(server))
      out.add(`Server: ${server} — a Python WSGI server (Flask, Django…); the framework is not named`)
    else if (/^(puma|webrick|thin|unicorn|passenger)/i.test(server))
      out.add(`Server: ${server} — a Ruby server; the framework is not named`)
  }
  return [...out]
}

function strongest(signals: readonly Signal[]): Signal | null {
  let best: Signal | null = null
  for (const s of signals) if (!best || RANK[s.confidence] > RANK[best.confidence]) best = s
  return best
}

/** The response the failure (or the warning) is about. */
function focus(
  ex: Exchange,
  analysis: Analysis,
): { r: ResponseSide; place: HeaderPlace; preflight: boolean } | null {
  if (analysis.stage === 'preflight' && ex.preflight?.response)
    return { r: ex.preflight.response, place: 'preflight-response', preflight: true }
  if (analysis.stage === 'redirect') {
    const hop = ex.redirects?.[ex.redirects.length - 1]
    if (hop) return { r: { status: hop.status, headers: hop.headers }, place: 'redirect', preflight: false }
  }
  if (ex.response) return { r: ex.response, place: 'response', preflight: false }
  if (ex.preflight?.response)
    return { r: ex.preflight.response, place: 'preflight-response', preflight: true }
  return null
}

const ACAO = 'access-control-allow-origin'

export function attribute(ex: Exchange, analysis: Analysis): Attribution {
  const base = attributeLayers(ex, analysis)
  const owner = ownership(ex, analysis.origin ?? ex.initiator)
  return owner ? { ...base, owner, evidence: [owner.evidence, ...base.evidence] } : base
}

function attributeLayers(ex: Exchange, analysis: Analysis): Attribution {
  const responses: ResponseSide[] = [
    ...(ex.preflight?.response ? [ex.preflight.response] : []),
    ...(ex.response ? [ex.response] : []),
    ...(ex.redirects ?? []).map((r) => ({ status: r.status, headers: r.headers })),
  ]
  const proxySig = detectProxy(responses)
  const proxy = (proxySig?.stack ?? null) as ProxyStack | null
  const appSigs = [
    ...(ex.preflight?.response ? appSignals(ex.preflight.response, true) : []),
    ...(ex.response ? appSignals(ex.response, false) : []),
  ]
  const appSig = strongest(appSigs)
  const app = appSig?.stack ?? null
  const evidence: string[] = []
  if (proxySig) evidence.push(proxySig.evidence)
  for (const s of appSigs) if (!evidence.includes(s.evidence)) evidence.push(s.evidence)
  if (!appSig) evidence.push(...serverHints(responses))

  const f = focus(ex, analysis)
  if (!f) {
    return {
      culprit: 'unknown',
      confidence: 'low',
      proxy,
      app,
      evidence: [...evidence, 'No response was seen, so no header can be attributed.'],
      lines: [],
    }
  }

  const focusSigs = appSignals(f.r, f.preflight)
  const lines = attributeLines(f.r, f.place, proxy, app, appSig, focusSigs)
  const { culprit, confidence, why } = judge(analysis, f.r, lines, proxy, app, focusSigs)
  return { culprit, confidence, proxy, app, evidence: [...why, ...evidence], lines }
}

function attributeLines(
  r: ResponseSide,
  place: HeaderPlace,
  proxy: ProxyStack | null,
  app: Stack | null,
  appSig: Signal | null,
  focusSigs: readonly Signal[],
): LineAttribution[] {
  const h = r.headers
  const corsLines = h.map((l, index) => ({ l, index })).filter(({ l }) => isCorsName(l.name))
  const acaoLines = corsLines.filter(({ l }) => l.name.toLowerCase() === ACAO)
  const appHere = strongest(focusSigs)
  const out: LineAttribution[] = []
  const lastCors = corsLines[corsLines.length - 1]?.index ?? -1
  const nginxFrom = proxy === 'nginx' ? firstRepeat(corsLines) : -1
  const powered = val(h, 'x-powered-by')

  for (const { l, index } of corsLines) {
    const header: HeaderRef = { place, name: l.name, value: l.value, index }
    const lower = l.name.toLowerCase()
    const line = (
      layer: LineAttribution['layer'],
      stack: Stack | null,
      confidence: Confidence,
      ev: string,
    ): void => {
      out.push({ header, layer, stack, confidence, evidence: ev })
    }

    if (!proxy) {
      // Nothing on the wire names a proxy: the app (or a proxy that hides itself) sent it.
      if (app)
        line(
          'app',
          app,
          appSig?.confidence === 'high' ? 'medium' : 'low',
          `no proxy signature; ${appSig?.evidence}`,
        )
      else line('unknown', null, 'low', 'no proxy or framework signature on this response')
      continue
    }

    // A framework's characteristic value pins the line to the app, wherever it sits.
    const own = characteristic(l.name, l.value, focusSigs)
    if (own) {
      line('app', own.stack, own.confidence, own.evidence)
      continue
    }
    // Case: uvicorn writes lower case; nginx/Apache write add_header names as configured.
    if (
      l.name === l.name.toLowerCase() &&
      h.some((x) => x.name !== x.name.toLowerCase() && isCorsName(x.name))
    ) {
      line(
        'app',
        app === 'fastapi' ? 'fastapi' : app,
        'medium',
        `'${l.name}' is in lower case, unlike the proxy's own lines: an upstream wrote it (uvicorn, Fastify and Hono write lower case)`,
      )
      continue
    }
    const varnished =
      proxy === 'varnish'
        ? varnishLine(h, index, app)
        : proxy === 'haproxy'
          ? haproxyLine(h, index, app)
          : null
    if (varnished) {
      line(varnished.layer, varnished.stack, varnished.confidence, varnished.evidence)
      continue
    }
    if (nginxFrom >= 0 && index >= nginxFrom) {
      // nginx's headers filter appends every add_header line after all the upstream's headers: from the
      // first repeated CORS name on, each CORS line is nginx's, whatever its name.
      line(
        'proxy',
        'nginx',
        'high',
        `at or after the repeated '${corsLines.find((c) => c.index === nginxFrom)?.l.name}' line: nginx's add_header lines come after all of the upstream's headers`,
      )
      continue
    }
    if (proxy === 'nginx' && acaoLines.length > 1 && lower === ACAO) {
      // nginx's headers filter appends add_header lines after every header the upstream sent.
      const isLast = index === acaoLines[acaoLines.length - 1]?.index
      if (isLast)
        line(
          'proxy',
          'nginx',
          'high',
          "the last Access-Control-Allow-Origin line: nginx's add_header lines come after the upstream's headers",
        )
      else
        line(
          'app',
          app,
          app ? 'high' : 'medium',
          "an earlier Access-Control-Allow-Origin line: nginx passes the upstream's headers first and appends its own add_header lines",
        )
      continue
    }
    if (proxy === 'nginx' && appHere && index < lastCors && acaoLines.length <= 1) {
      line('app', app, 'medium', `${appHere.evidence}; nginx passed it from upstream`)
      continue
    }
    if (proxy === 'nginx' && !appHere && !appSig && powered) {
      // An upstream answered (nginx passed its X-Powered-By on) but no framework is named: either may have sent it.
      line(
        'unknown',
        null,
        'low',
        `X-Powered-By: ${powered} shows an upstream app behind nginx; either may have sent it`,
      )
      continue
    }
    if (proxy === 'nginx' && !appHere && !appSig) {
      line(
        'proxy',
        'nginx',
        'low',
        'nginx answered and no app signature is on the response: probably an nginx add_header',
      )
      continue
    }
    if (proxy !== 'nginx' && acaoLines.length > 1 && lower === ACAO) {
      // Apache puts `Header always` lines before the backend's and onsuccess ones after; Go (Caddy)
      // sorts header names: wire order does not tell which copy is whose.
      line(
        'unknown',
        null,
        'low',
        `one of ${acaoLines.length} copies: ${proxy} and the app each sent one, and ${proxy}'s wire order does not say which is which`,
      )
      continue
    }
    if (appHere || appSig)
      line('app', app, 'low', `${(appHere ?? appSig)?.evidence}; the proxy probably passed it through`)
    else line('proxy', proxy, 'low', `${proxy} answered and no app signature is on the response`)
  }
  return out
}

/**
 * Varnish writes X-Varnish, Age and Via as it delivers, after the headers it stored from the backend; a
 * `set` or header.append in vcl_deliver lands after those (measured on varnishd 7.1,
 * test/core/fixtures/stacks/varnish-express-dup-append.json). So a CORS line after X-Varnish is Varnish's
 * own; one before it came with the backend's response (or from vcl_backend_response: medium).
 */
function varnishLine(
  h: ResponseSide['headers'],
  index: number,
  app: Stack | null,
): Omit<LineAttribution, 'header'> | null {
  const mark = h.findIndex((l) => l.name.toLowerCase() === 'x-varnish')
  if (mark < 0) return null
  if (index > mark)
    return {
      layer: 'proxy',
      stack: 'varnish',
      confidence: 'high',
      evidence: "after Varnish's X-Varnish line: set (or header.append) in vcl_deliver",
    }
  return {
    layer: 'app',
    stack: app,
    confidence: 'medium',
    evidence:
      "before Varnish's X-Varnish line: stored from the backend's response (the app's, unless vcl_backend_response set it)",
  }
}

/** HAProxy appends its http-response lines after the upstream's last, the Keep-Alive it forwarded (stacks/haproxy.ts). */
function haproxyLine(
  h: ResponseSide['headers'],
  index: number,
  app: Stack | null,
): Omit<LineAttribution, 'header'> | null {
  const mark = keepAliveLine(h)
  if (mark < 0) return null
  return index > mark
    ? {
        layer: 'proxy',
        stack: 'haproxy',
        confidence: 'high',
        evidence: "after the upstream's keep-alive line: HAProxy's http-response add-header / set-header",
      }
    : {
        layer: 'app',
        stack: app,
        confidence: 'medium',
        evidence: "before the upstream's keep-alive line: the app's, forwarded by HAProxy",
      }
}

/** The wire index of the first CORS line whose name already appeared above it, or -1. */
function firstRepeat(lines: readonly { l: { name: string }; index: number }[]): number {
  const seen = new Set<string>()
  for (const { l, index } of lines) {
    const n = l.name.toLowerCase()
    if (seen.has(n)) return index
    seen.add(n)
  }
  return -1
}

/** A line whose exact value is a framework's default (the stack modules' `defaults`), if that stack spoke. */
function characteristic(name: string, value: string, sigs: readonly Signal[]): Signal | null {
  const n = name.toLowerCase()
  const owner = APPS.find((m) => m.defaults?.some((d) => d.header === n && d.value === value))
  return owner ? (sigs.find((s) => s.stack === owner.id) ?? null) : null
}

function judge(
  analysis: Analysis,
  r: ResponseSide,
  lines: readonly LineAttribution[],
  proxy: ProxyStack | null,
  app: Stack | null,
  focusSigs: readonly Signal[],
): { culprit: Attribution['culprit']; confidence: Confidence; why: string[] } {
  const acao = lines.filter((l) => l.header.name.toLowerCase() === ACAO)
  const err = analysis.corsError ?? ''

  if (/MultipleAllowOriginValues/.test(err) || acao.length > 1) {
    const layers = new Set(acao.map((l) => l.layer))
    if (proxy && acao.length > 1) {
      const sure = layers.has('proxy') && layers.has('app')
      return {
        culprit: 'both',
        confidence: sure ? 'high' : 'medium',
        why: [
          sure
            ? `${acao.length} Access-Control-Allow-Origin lines: ${proxy} added one and the app sent one; the browser joins them into '${acao.map((l) => l.header.value).join(', ')}'`
            : `${acao.length} Access-Control-Allow-Origin lines behind ${proxy}: most likely ${proxy} and the app each add one`,
        ],
      }
    }
    return {
      culprit: acao.length > 1 ? 'unknown' : 'app',
      confidence: 'low',
      why: [
        acao.length > 1
          ? `${acao.length} Access-Control-Allow-Origin lines, and nothing on the wire names a second layer`
          : 'a single Access-Control-Allow-Origin line that holds a list: one layer wrote the list',
      ],
    }
  }

  if (analysis.stage === 'redirect' || err === 'PreflightDisallowedRedirect') {
    const who = appSignals(r, true).length || (app && !proxy) ? 'app' : 'unknown'
    return {
      culprit: who,
      confidence: who === 'app' ? 'medium' : 'low',
      why: [
        `the ${analysis.stage === 'preflight' ? 'preflight' : 'request'} was answered ${r.status} with Location ${val(r.headers, 'location') || '(none)'}${who === 'app' && app ? `; ${app} sent the redirect` : ''}`,
      ],
    }
  }

  // The failure is about lines that exist: blame whoever sent them.
  const relevant = lines.filter((l) =>
    err.includes('Method')
      ? /methods/i.test(l.header.name)
      : err.includes('Header')
        ? /allow-headers/i.test(l.header.name)
        : /Credentials/.test(err)
          ? /credentials|allow-origin/i.test(l.header.name)
          : /allow-origin/i.test(l.header.name),
  )
  if (relevant.length > 0 && !/Missing/.test(err)) {
    const layers = new Set(relevant.map((l) => l.layer))
    const only = layers.size === 1 ? [...layers][0] : undefined
    const conf = relevant.reduce<Confidence>((c, l) => weaker(c, l.confidence), 'high')
    if (only === 'proxy' || only === 'app')
      return {
        culprit: only,
        confidence: conf,
        why: [
          `${relevant.map((l) => `'${l.header.name}: ${l.header.value}'`).join(', ')} came from the ${only}`,
        ],
      }
    // A non-2xx preflight is judged by who produced the response (below), whatever lines it carries.
    if (!(analysis.stage === 'preflight' && err === 'PreflightInvalidStatus'))
      return {
        culprit: 'unknown',
        confidence: 'low',
        why: ['the lines involved cannot be tied to one layer'],
      }
  }

  // Missing headers, or a non-2xx preflight: blame the layer that produced this response.
  const producer = strongest(focusSigs)
  const statusWhy = r.status >= 400 ? ` (status ${r.status})` : ''
  const hasAcao = acao.length > 0
  const varyOrigin = splitHeaderList(val(r.headers, 'vary')).some((v) => v.toLowerCase() === 'origin')
  if (!hasAcao && varyOrigin && (producer || !proxy)) {
    // A CORS middleware marks its answers Vary: Origin even when it refuses the origin (Express cors,
    // django-cors-headers, Starlette all do): it looked at this Origin and left it out.
    return {
      culprit: 'app',
      confidence: producer ? 'medium' : 'low',
      why: [
        `Vary: Origin without Access-Control-Allow-Origin: ${producer ? `the app's CORS middleware (${producer.evidence})` : 'a CORS middleware'} saw this Origin and did not allow it`,
      ],
    }
  }
  if (producer && !proxy) {
    return {
      culprit: 'app',
      confidence: weaker(producer.confidence, 'medium'),
      why: [
        `the ${f(analysis)} came from the app${statusWhy}, with nothing in front of it: ${producer.evidence}`,
      ],
    }
  }
  if (producer && proxy) {
    if (analysis.stage === 'preflight')
      return {
        culprit: 'app',
        confidence: 'low',
        why: [`the app answered the preflight${statusWhy} (${producer.evidence}) and ${proxy} passed it on`],
      }
    return {
      culprit: 'unknown',
      confidence: 'low',
      why: [
        r.status >= 400
          ? `the app produced this ${r.status} (${producer.evidence}) and ${proxy} passed it on without CORS headers: either ${proxy} adds them only to successful responses, or the app's error path skips its CORS middleware`
          : `the app produced this response (${producer.evidence}) and ${proxy} passed it on without CORS headers: whichever layer is meant to add them did not (for nginx: an add_header in a nested block cancels the inherited ones)`,
      ],
    }
  }
  if (proxy && !app) {
    return {
      culprit: 'proxy',
      confidence: 'low',
      why: [`${proxy} answered the ${f(analysis)}${statusWhy} and nothing shows the app ever saw it`],
    }
  }
  if (proxy && app) {
    return {
      culprit: 'unknown',
      confidence: 'low',
      why: [
        `the ${f(analysis)}${statusWhy} passed through ${proxy} from ${app}; either layer should have added the CORS headers`,
      ],
    }
  }
  return {
    culprit: 'unknown',
    confidence: 'low',
    why: [
      `nothing on the wire names the server that sent this ${f(analysis)}${statusWhy}: \`cors-lens check\` on the app's own address, past any proxy, shows which layer answers`,
    ],
  }
}

const f = (a: Analysis): string => (a.stage === 'preflight' ? 'preflight response' : 'response')
