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
import type { HeaderPlace } from './model/finding.ts'
import { ownership } from './ownership.ts'
import { APP_PHASES, isCorsName, PROXY_PHASES, type Reader, type Signal, val } from './stacks/fingerprint.ts'
import { STACKS } from './stacks/index.ts'
import type { LineFacts, StackModule } from './stacks/stack.ts'

const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 }
const weaker = (a: Confidence, b: Confidence): Confidence => (RANK[a] <= RANK[b] ? a : b)

const MODULES = Object.values(STACKS)
const PROXIES = MODULES.filter((m) => m.layer === 'proxy')
const APPS = MODULES.filter((m) => m.layer === 'app' || m.layer === 'gateway' || m.layer === 'service')

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
  const proxy = proxySig?.stack ?? null
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
  proxy: Stack | null,
  app: Stack | null,
  appSig: Signal | null,
  focusSigs: readonly Signal[],
): LineAttribution[] {
  const h = r.headers
  const cors = h.map((l, index) => ({ l, index })).filter(({ l }) => isCorsName(l.name))
  const corsLines = cors.map(({ l, index }) => ({ name: l.name, index }))
  const acaoIndexes = cors.filter(({ l }) => l.name.toLowerCase() === ACAO).map((c) => c.index)
  const appHere = strongest(focusSigs)
  return cors.map(({ l, index }) => {
    const facts: LineFacts = { headers: h, index, corsLines, acaoIndexes, app, appHere, appAnywhere: appSig }
    const who = proxy ? behindProxy(facts, proxy, focusSigs) : withoutProxy(app, appSig)
    return { header: { place, name: l.name, value: l.value, index }, ...who }
  })
}

type LineGuess = Omit<LineAttribution, 'header'>
const guess = (layer: LineGuess['layer'], stack: Stack | null, confidence: Confidence, evidence: string) => ({
  layer,
  stack,
  confidence,
  evidence,
})

/** Nothing on the wire names a proxy: the app (or a proxy that hides itself) sent it. */
function withoutProxy(app: Stack | null, appSig: Signal | null): LineGuess {
  if (!app) return guess('unknown', null, 'low', 'no proxy or framework signature on this response')
  return guess(
    'app',
    app,
    appSig?.confidence === 'high' ? 'medium' : 'low',
    `no proxy signature; ${appSig?.evidence}`,
  )
}

/** A line of a response a proxy delivered: the app's own values, case, the proxy's order, then a guess. */
function behindProxy(facts: LineFacts, proxy: Stack, focusSigs: readonly Signal[]): LineGuess {
  const { headers: h, index, acaoIndexes, app, appHere, appAnywhere } = facts
  const l = h[index] ?? { name: '', value: '' }
  // A framework's characteristic value pins the line to the app, wherever it sits.
  const own = characteristic(l.name, l.value, focusSigs)
  if (own) return guess('app', own.stack, own.confidence, own.evidence)
  // Case: uvicorn writes lower case; nginx/Apache write add_header names as configured.
  if (l.name === l.name.toLowerCase() && h.some((x) => x.name !== x.name.toLowerCase() && isCorsName(x.name)))
    return guess(
      'app',
      app,
      'medium',
      `'${l.name}' is in lower case, unlike the proxy's own lines: an upstream wrote it (uvicorn, Fastify and Hono write lower case)`,
    )
  const ordered = STACKS[proxy].lineOrder?.(facts)
  if (ordered) return ordered
  if (acaoIndexes.length > 1 && l.name.toLowerCase() === ACAO)
    // Apache puts `Header always` lines before the backend's and onsuccess ones after; Go (Caddy)
    // sorts header names: wire order does not tell which copy is whose.
    return guess(
      'unknown',
      null,
      'low',
      `one of ${acaoIndexes.length} copies: ${proxy} and the app each sent one, and ${proxy}'s wire order does not say which is which`,
    )
  const sign = appHere ?? appAnywhere
  if (sign) return guess('app', app, 'low', `${sign.evidence}; the proxy probably passed it through`)
  return guess('proxy', proxy, 'low', `${proxy} answered and no app signature is on the response`)
}

/** A line whose exact value is a framework's default (the stack modules' `defaults`), if that stack spoke. */
function characteristic(name: string, value: string, sigs: readonly Signal[]): Signal | null {
  const n = name.toLowerCase()
  const owner = APPS.find((m) => m.defaults?.some((d) => d.header === n && d.value === value))
  return owner ? (sigs.find((s) => s.stack === owner.id) ?? null) : null
}

type Judgement = { culprit: Attribution['culprit']; confidence: Confidence; why: string[] }

/** What the judges of one failure read: the verdict, the focused response and its attributed lines. */
interface Case {
  readonly analysis: Analysis
  readonly r: ResponseSide
  readonly lines: readonly LineAttribution[]
  readonly proxy: Stack | null
  readonly app: Stack | null
  readonly focusSigs: readonly Signal[]
  readonly acao: readonly LineAttribution[]
  readonly err: string
}

/** Who caused the failure: the first judge that recognises the case decides. */
function judge(
  analysis: Analysis,
  r: ResponseSide,
  lines: readonly LineAttribution[],
  proxy: Stack | null,
  app: Stack | null,
  focusSigs: readonly Signal[],
): Judgement {
  const acao = lines.filter((l) => l.header.name.toLowerCase() === ACAO)
  const c: Case = { analysis, r, lines, proxy, app, focusSigs, acao, err: analysis.corsError ?? '' }
  return judgeDuplicate(c) ?? judgeRedirect(c) ?? judgeSenders(c) ?? judgeProducer(c)
}

/** Several ACAO lines (or one holding a list): two senders when a proxy is in front, else one list. */
function judgeDuplicate({ err, acao, proxy }: Case): Judgement | null {
  if (!/MultipleAllowOriginValues/.test(err) && acao.length <= 1) return null
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

/** A redirect the check refused: whoever answered with the Location. */
function judgeRedirect({ analysis, err, r, app, proxy }: Case): Judgement | null {
  if (analysis.stage !== 'redirect' && err !== 'PreflightDisallowedRedirect') return null
  const who = appSignals(r, true).length || (app && !proxy) ? 'app' : 'unknown'
  return {
    culprit: who,
    confidence: who === 'app' ? 'medium' : 'low',
    why: [
      `the ${analysis.stage === 'preflight' ? 'preflight' : 'request'} was answered ${r.status} with Location ${val(r.headers, 'location') || '(none)'}${who === 'app' && app ? `; ${app} sent the redirect` : ''}`,
    ],
  }
}

/** The failure is about lines that exist: blame whoever sent them. */
function judgeSenders({ analysis, err, lines }: Case): Judgement | null {
  const relevant = lines.filter((l) =>
    err.includes('Method')
      ? /methods/i.test(l.header.name)
      : err.includes('Header')
        ? /allow-headers/i.test(l.header.name)
        : /Credentials/.test(err)
          ? /credentials|allow-origin/i.test(l.header.name)
          : /allow-origin/i.test(l.header.name),
  )
  if (relevant.length === 0 || /Missing/.test(err)) return null
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
  // A non-2xx preflight is judged by who produced the response (judgeProducer), whatever lines it carries.
  if (analysis.stage === 'preflight' && err === 'PreflightInvalidStatus') return null
  return { culprit: 'unknown', confidence: 'low', why: ['the lines involved cannot be tied to one layer'] }
}

/** Missing headers, or a non-2xx preflight: blame the layer that produced this response. */
function judgeProducer({ analysis, r, proxy, app, focusSigs, acao }: Case): Judgement {
  const producer = strongest(focusSigs)
  const statusWhy = r.status >= 400 ? ` (status ${r.status})` : ''
  const varyOrigin = splitHeaderList(val(r.headers, 'vary')).some((v) => v.toLowerCase() === 'origin')
  if (acao.length === 0 && varyOrigin && (producer || !proxy))
    // A CORS middleware marks its answers Vary: Origin even when it refuses the origin (Express cors,
    // django-cors-headers, Starlette all do): it looked at this Origin and left it out.
    return {
      culprit: 'app',
      confidence: producer ? 'medium' : 'low',
      why: [
        `Vary: Origin without Access-Control-Allow-Origin: ${producer ? `the app's CORS middleware (${producer.evidence})` : 'a CORS middleware'} saw this Origin and did not allow it`,
      ],
    }
  if (producer && !proxy)
    return {
      culprit: 'app',
      confidence: weaker(producer.confidence, 'medium'),
      why: [
        `the ${f(analysis)} came from the app${statusWhy}, with nothing in front of it: ${producer.evidence}`,
      ],
    }
  if (producer && proxy) return passedThrough(analysis, r, proxy, producer, statusWhy)
  if (proxy && !app)
    return {
      culprit: 'proxy',
      confidence: 'low',
      why: [`${proxy} answered the ${f(analysis)}${statusWhy} and nothing shows the app ever saw it`],
    }
  if (proxy && app)
    return {
      culprit: 'unknown',
      confidence: 'low',
      why: [
        `the ${f(analysis)}${statusWhy} passed through ${proxy} from ${app}; either layer should have added the CORS headers`,
      ],
    }
  return {
    culprit: 'unknown',
    confidence: 'low',
    why: [
      `nothing on the wire names the server that sent this ${f(analysis)}${statusWhy}: \`cors-lens check\` on the app's own address, past any proxy, shows which layer answers`,
    ],
  }
}

/** The app produced the response and the proxy passed it on without the lines it needed. */
function passedThrough(
  analysis: Analysis,
  r: ResponseSide,
  proxy: Stack,
  producer: Signal,
  statusWhy: string,
): Judgement {
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

const f = (a: Analysis): string => (a.stage === 'preflight' ? 'preflight response' : 'response')
