/**
 * Which layer sent each CORS line, proven by difference: the same requests were sent to the proxy (what the
 * page talks to) and to the app behind it (`cors-lens check --upstream`). A line the app's own answer also
 * carries came from the app; a line only the proxy's answer carries is the proxy's; a line the app sends
 * that the proxy's answer lacks was removed on the way (nginx proxy_hide_header, Apache `Header unset`,
 * Caddy `header -Name`). Identical copies are counted: two `ACAO: *` lines at the proxy and one at the app
 * are one of each ("both"). Pure: the HTTP is the CLI's (src/cli/upstream.ts).
 */
import type { Analysis } from './analysis.ts'
import { attribute } from './attribution.ts'
import type { Attribution, Confidence, LineAttribution, LineLayers } from './attribution-types.ts'
import type { Exchange, ResponseSide } from './exchange.ts'
import type { Stack } from './fix.ts'
import type { HeaderLine } from './headers.ts'
import type { HeaderRef } from './model/finding.ts'

export type MeasuredPlace = 'preflight-response' | 'response' | 'redirect'

export interface MeasuredLine {
  readonly header: HeaderRef
  /** The layer this copy is counted to ('app' for the first copies the app also sends). */
  readonly layer: 'app' | 'proxy'
  readonly layers: LineLayers
  readonly evidence: string
}

/** An app line the proxy's answer lacks. */
export interface UnsentLine {
  readonly name: string
  readonly value: string
  readonly evidence: string
}

/**
 * yes: the app's answer reached the page (some of its own lines are in the proxy's answer, same status);
 * no: the proxy wrote this answer itself (another status, or none of the app's own lines);
 * unknown: the app's answer has no line of its own to look for.
 */
export type PassedThrough = 'yes' | 'no' | 'unknown'

export interface AnswerDifference {
  readonly place: MeasuredPlace
  readonly proxyStatus: number
  readonly appStatus: number
  readonly passedThrough: PassedThrough
  readonly why: string
  /** Every CORS line of the proxy's answer, in wire order, with its sender. */
  readonly lines: readonly MeasuredLine[]
  /** The app's CORS lines that did not reach the page. */
  readonly missing: readonly UnsentLine[]
  /** The proxy's answer without the lines that came from the app: what the proxy wrote itself. */
  readonly proxyOwn: ResponseSide
}

/** The lines measured: the CORS response headers, and Vary (a cache keys on it). */
export function isMeasuredName(name: string): boolean {
  const n = name.toLowerCase()
  return n === 'vary' || (n.startsWith('access-control-') && n.length > 'access-control-'.length)
}

/**
 * Lines every hop writes for itself (RFC 9110 §7.6.1 hop-by-hop and framing, Date, and the marks a proxy
 * sets or replaces: nginx drops the upstream's Server and Date, ngx_http_proxy_module.c
 * ngx_http_proxy_hide_headers): they never show whether the app's answer passed through.
 */
const OWN_LINE_SKIP = new Set([
  'date',
  'server',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'via',
  'age',
  'x-varnish',
  'x-cache',
  'alt-svc',
])

const keyOf = (l: HeaderLine): string => `${l.name.toLowerCase()}\0${l.value.trim()}`

function counts(lines: readonly HeaderLine[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const l of lines) out.set(keyOf(l), (out.get(keyOf(l)) ?? 0) + 1)
  return out
}

const corsOf = (r: ResponseSide): HeaderLine[] => r.headers.filter((l) => isMeasuredName(l.name))

function passedThrough(proxy: ResponseSide, app: ResponseSide): { passed: PassedThrough; why: string } {
  if (proxy.status !== app.status)
    return {
      passed: 'no',
      why: `the proxy answered ${proxy.status} and the app, asked directly, answers ${app.status}: the proxy wrote this answer itself (the app's answer never reached the page)`,
    }
  const own = app.headers.filter((l) => !isMeasuredName(l.name) && !OWN_LINE_SKIP.has(l.name.toLowerCase()))
  if (own.length === 0)
    return {
      passed: 'unknown',
      why: `both answered ${proxy.status}; the app's answer has no line of its own to tell whether it passed through`,
    }
  const atProxy = counts(proxy.headers)
  const found = own.filter((l) => (atProxy.get(keyOf(l)) ?? 0) > 0)
  if (found.length > 0)
    return {
      passed: 'yes',
      why: `both answered ${proxy.status}, and the proxy's answer carries the app's own '${found[0]?.name}: ${found[0]?.value}': the app's answer passed through`,
    }
  return {
    passed: 'no',
    why: `both answered ${proxy.status}, but none of the app's own lines ('${own[0]?.name}: ${own[0]?.value}'…) is in the proxy's answer: the proxy answered this itself`,
  }
}

function lineEvidence(sender: LineLayers['sender'], p: number, a: number, replaced: string | null): string {
  if (sender === 'app') return "the app's own answer has this line: it passed through from the app"
  if (sender === 'both')
    return `${p} identical lines here and ${a} in the app's own answer: the app sent ${a}, the proxy added ${p - a}`
  return replaced
    ? `only the proxy's answer has it; the app sends '${replaced}' instead: the proxy replaced the app's line with its own`
    : "only the proxy's answer has it: the app's own answer has no such line"
}

function measureLines(
  proxy: ResponseSide,
  app: ResponseSide,
  place: MeasuredPlace,
  passed: PassedThrough,
): MeasuredLine[] {
  const atProxy = counts(corsOf(proxy))
  const atApp = counts(corsOf(app))
  const seen = new Map<string, number>()
  const out: MeasuredLine[] = []
  proxy.headers.forEach((l, index) => {
    if (!isMeasuredName(l.name)) return
    const key = keyOf(l)
    const copy = (seen.get(key) ?? 0) + 1
    seen.set(key, copy)
    const p = atProxy.get(key) ?? 0
    const joined = passed === 'no' ? 0 : joinedFrom(l, proxy, app)
    if (joined > 0) {
      out.push({
        header: { place, name: l.name, value: l.value, index },
        layer: 'app',
        layers: { source: 'measured', sender: 'app', atApp: joined, atProxy: 1 },
        evidence: `the app's ${joined} '${l.name}' lines, joined into this one on the way (a proxy that merges repeated headers, as Node's http does)`,
      })
      return
    }
    // The proxy's own answer: the app's lines never reached it, whatever they would have said.
    const a = passed === 'no' ? 0 : (atApp.get(key) ?? 0)
    const sender: LineLayers['sender'] = a === 0 ? 'proxy' : p > a ? 'both' : 'app'
    const other = app.headers.find((x) => x.name.toLowerCase() === l.name.toLowerCase() && keyOf(x) !== key)
    const replaced = sender === 'proxy' && passed !== 'no' && other ? `${other.name}: ${other.value}` : null
    out.push({
      header: { place, name: l.name, value: l.value, index },
      // Identical copies: which one is whose the wire cannot show, and it does not matter (same bytes).
      layer: copy <= a ? 'app' : 'proxy',
      layers: { source: 'measured', sender, atApp: atApp.get(key) ?? 0, atProxy: p },
      evidence:
        passed === 'no'
          ? "the proxy wrote this answer itself, so the line is the proxy's"
          : lineEvidence(sender, p, a, replaced),
    })
  })
  return out
}

/** A list header's elements, trimmed, empty ones dropped (RFC 9110 §5.6.1). */
const elements = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')

/**
 * The number of app lines a proxy line joins (their elements in order, the proxy's only line of that
 * name, at least two at the app), or 0: repeated lines merged into one are the same field (RFC 9110 §5.3).
 */
function joinedFrom(l: HeaderLine, proxy: ResponseSide, app: ResponseSide): number {
  const name = l.name.toLowerCase()
  const at = (r: ResponseSide): HeaderLine[] => r.headers.filter((x) => x.name.toLowerCase() === name)
  const appLines = at(app)
  if (appLines.length < 2 || at(proxy).length !== 1) return 0
  const joined = appLines.flatMap((x) => elements(x.value)).join(',')
  return joined === elements(l.value).join(',') ? appLines.length : 0
}

function missingLines(proxy: ResponseSide, app: ResponseSide, passed: PassedThrough): UnsentLine[] {
  const atProxy = counts(corsOf(proxy))
  const atApp = counts(corsOf(app))
  const used = new Map<string, number>()
  const out: UnsentLine[] = []
  const joined = new Set(
    passed === 'no'
      ? []
      : corsOf(proxy)
          .filter((l) => joinedFrom(l, proxy, app) > 0)
          .map((l) => l.name.toLowerCase()),
  )
  for (const l of corsOf(app)) {
    if (joined.has(l.name.toLowerCase())) continue
    const key = keyOf(l)
    const n = (used.get(key) ?? 0) + 1
    used.set(key, n)
    if (n <= (atProxy.get(key) ?? 0) && passed !== 'no') continue
    const sameName = proxy.headers.some((x) => x.name.toLowerCase() === l.name.toLowerCase())
    const fewer = (atProxy.get(key) ?? 0) > 0
    out.push({
      name: l.name,
      value: l.value,
      evidence:
        passed === 'no'
          ? 'the app sends it, but the proxy answered itself: it never reached the page'
          : fewer
            ? `the app sends ${atApp.get(key)} identical lines, the proxy's answer ${atProxy.get(key)}: the proxy dropped this copy`
            : sameName
              ? "the app sends it; the proxy's answer carries another value instead: replaced by the proxy"
              : "the app sends it; the proxy's answer lacks it: removed by the proxy (nginx proxy_hide_header, Apache Header unset, Caddy header -Name)",
    })
  }
  return out
}

/** The proxy's answer and the app's answer to the same request, line by line. */
export function compareAnswers(
  proxy: ResponseSide,
  app: ResponseSide,
  place: MeasuredPlace,
): AnswerDifference {
  const { passed, why } = passedThrough(proxy, app)
  const lines = measureLines(proxy, app, place, passed)
  // The proxy's own lines: the CORS lines not counted to the app, and the other lines the app did not send.
  const fromApp = new Set(lines.filter((l) => l.layer === 'app').map((l) => l.header.index))
  const appAll = passed === 'no' ? new Map<string, number>() : counts(app.headers)
  const proxyOwn: ResponseSide = {
    ...proxy,
    headers: proxy.headers.filter((l, i) =>
      isMeasuredName(l.name) ? !fromApp.has(i) : (appAll.get(keyOf(l)) ?? 0) === 0,
    ),
  }
  return {
    place,
    proxyStatus: proxy.status,
    appStatus: app.status,
    passedThrough: passed,
    why,
    lines,
    missing: missingLines(proxy, app, passed),
    proxyOwn,
  }
}

// ---------------------------------------------------------------------------------------------------------
// The attribution that replaces the fingerprint guess

/** The app's answers to the same preflight and request (the first hop), as `--upstream` got them. */
export interface UpstreamAnswers {
  readonly preflight?: ResponseSide
  readonly response?: ResponseSide
}

export interface Measurement {
  readonly differences: readonly AnswerDifference[]
  /** The measured attribution, or the fingerprint one (with a note) when the failure is at a hop not measured. */
  readonly attribution: Attribution
}

const ACAO = 'access-control-allow-origin'

/** The proxy's answers to the requests the app was asked too: the preflight, and the first hop's answer. */
function proxyAnswers(ex: Exchange): {
  preflight?: ResponseSide
  first?: ResponseSide
  firstPlace: MeasuredPlace
} {
  const hop = ex.redirects?.[0]
  const first = hop ? { status: hop.status, headers: hop.headers } : ex.response
  return {
    ...(ex.preflight?.response && ex.preflight.request.url === ex.request.url
      ? { preflight: ex.preflight.response }
      : {}),
    ...(first ? { first } : {}),
    firstPlace: hop ? 'redirect' : 'response',
  }
}

/** The difference the failure is about (the attribution's focus), when it was measured. */
function focusOf(
  ex: Exchange,
  analysis: Analysis,
  diffs: readonly AnswerDifference[],
): AnswerDifference | null {
  const by = (place: MeasuredPlace): AnswerDifference | null => diffs.find((d) => d.place === place) ?? null
  if (analysis.stage === 'preflight') return by('preflight-response')
  const hops = ex.redirects?.length ?? 0
  if (analysis.stage === 'redirect') return hops === 1 ? by('redirect') : null
  if (hops > 0) return null
  return ex.response ? by('response') : by('preflight-response')
}

export function measureLayers(
  ex: Exchange,
  analysis: Analysis,
  app: UpstreamAnswers,
  fingerprint: Attribution,
): Measurement {
  const proxy = proxyAnswers(ex)
  const diffs: AnswerDifference[] = []
  if (proxy.preflight && app.preflight)
    diffs.push(compareAnswers(proxy.preflight, app.preflight, 'preflight-response'))
  if (proxy.first && app.response) diffs.push(compareAnswers(proxy.first, app.response, proxy.firstPlace))
  const focus = focusOf(ex, analysis, diffs)
  if (!focus)
    return {
      differences: diffs,
      attribution: {
        ...fingerprint,
        evidence: [
          '--upstream measured the first answer only, and the failure is at a later redirect hop: the layers below are read from fingerprints',
          ...fingerprint.evidence,
        ],
      },
    }
  return {
    differences: diffs,
    attribution: measuredAttribution(ex, analysis, app, diffs, focus, fingerprint),
  }
}

function measuredAttribution(
  ex: Exchange,
  analysis: Analysis,
  app: UpstreamAnswers,
  diffs: readonly AnswerDifference[],
  focus: AnswerDifference,
  fingerprint: Attribution,
): Attribution {
  const { proxy, app: appStack, evidence: stackEvidence } = measuredStacks(ex, analysis, app, diffs)
  const { culprit, why } = measuredCulprit(analysis, focus)
  const unsure = focus.passedThrough === 'unknown'
  const lines: LineAttribution[] = focus.lines.map((l) => ({
    header: l.header,
    layer: l.layer,
    stack: l.layer === 'proxy' ? proxy : appStack,
    confidence: unsure && l.layer === 'app' ? 'medium' : 'high',
    evidence: l.evidence,
    layers: l.layers,
  }))
  const confidence: Confidence = unsure ? 'medium' : 'high'
  return {
    culprit,
    confidence,
    proxy,
    app: appStack,
    evidence: [why, focus.why, ...missingEvidence(focus), ...stackEvidence],
    lines,
    source: 'measured',
    ...(fingerprint.owner ? { owner: fingerprint.owner } : {}),
  }
}

function missingEvidence(d: AnswerDifference): string[] {
  return d.missing.map((m) => `'${m.name}: ${m.value}': ${m.evidence}`)
}

/**
 * The stacks, each from its own layer's lines: the proxy's from what it wrote itself (an upstream's Server
 * passed through never names the proxy), the app's from its own answer.
 */
function measuredStacks(
  ex: Exchange,
  analysis: Analysis,
  app: UpstreamAnswers,
  diffs: readonly AnswerDifference[],
): { proxy: Stack | null; app: Stack | null; evidence: string[] } {
  const own = (place: MeasuredPlace): ResponseSide | undefined =>
    diffs.find((d) => d.place === place)?.proxyOwn
  const pre = own('preflight-response')
  const first = own('response') ?? own('redirect')
  const proxySide = attribute(
    {
      ...ex,
      ...(ex.preflight && pre ? { preflight: { ...ex.preflight, response: pre } } : {}),
      ...(first ? { response: first } : {}),
      redirects: [],
    },
    analysis,
  )
  const appSide = attribute(
    {
      ...ex,
      ...(ex.preflight && app.preflight ? { preflight: { ...ex.preflight, response: app.preflight } } : {}),
      ...(app.response ? { response: app.response } : {}),
      redirects: [],
    },
    analysis,
  )
  const evidence: string[] = []
  if (proxySide.proxy) evidence.push(`the proxy is ${proxySide.proxy}: read from the lines it wrote itself`)
  if (appSide.app) evidence.push(`the app is ${appSide.app}: read from its own answer`)
  return { proxy: proxySide.proxy, app: appSide.app, evidence }
}

/** The header a failure is about, by Chromium's CorsError name. */
function failedName(err: string): string | null {
  if (err.includes('Method')) return 'access-control-allow-methods'
  if (err.includes('Header') && !err.includes('AllowOrigin')) return 'access-control-allow-headers'
  if (err.includes('Credentials')) return 'access-control-allow-credentials'
  if (err.includes('AllowOrigin') || err.includes('Wildcard')) return ACAO
  return null
}

function sendersOf(lines: readonly MeasuredLine[]): Attribution['culprit'] {
  const layers = new Set(lines.flatMap((l) => (l.layers.sender === 'both' ? ['app', 'proxy'] : [l.layer])))
  return layers.size === 2 ? 'both' : layers.has('proxy') ? 'proxy' : layers.has('app') ? 'app' : 'unknown'
}

function measuredCulprit(
  analysis: Analysis,
  d: AnswerDifference,
): { culprit: Attribution['culprit']; why: string } {
  const err = analysis.corsError ?? ''
  if (d.passedThrough === 'no')
    return { culprit: 'proxy', why: `measured: the proxy answered this itself (status ${d.proxyStatus})` }
  const acao = d.lines.filter((l) => l.header.name.toLowerCase() === ACAO)
  if (acao.length > 1) {
    const culprit = sendersOf(acao)
    return {
      culprit,
      why: `measured: ${acao.length} Access-Control-Allow-Origin lines, ${acao.map((l) => `'${l.header.value}' from ${l.layers.sender === 'both' ? 'both' : `the ${l.layer}`}`).join(', ')}`,
    }
  }
  if (analysis.corsError === 'PreflightInvalidStatus' || analysis.stage === 'redirect')
    return { culprit: 'app', why: `measured: the app itself answers ${d.appStatus}, asked directly` }
  const name = failedName(err)
  const relevant = name ? d.lines.filter((l) => l.header.name.toLowerCase() === name) : []
  if (relevant.length > 0 && !err.includes('Missing'))
    return {
      culprit: sendersOf(relevant),
      why: `measured: ${relevant.map((l) => `'${l.header.name}: ${l.header.value}' came from ${l.layers.sender === 'both' ? 'both layers' : `the ${l.layer}`}`).join(', ')}`,
    }
  return missingCulprit(d, name)
}

/** A line the browser needed and the page did not get: removed on the way, or sent by neither layer. */
function missingCulprit(
  d: AnswerDifference,
  name: string | null,
): { culprit: Attribution['culprit']; why: string } {
  const removed = name ? d.missing.find((m) => m.name.toLowerCase() === name) : undefined
  if (removed)
    return {
      culprit: 'proxy',
      why: `measured: the app sends '${removed.name}: ${removed.value}' and the proxy's answer lacks it: the proxy removes it`,
    }
  if (d.appStatus >= 400)
    return {
      culprit: 'app',
      why: `measured: the app itself answers ${d.appStatus} without it, asked directly`,
    }
  const senders = sendersOf(d.lines)
  const what = name ?? 'the CORS header'
  if (senders === 'unknown')
    return {
      culprit: 'unknown',
      why: `measured: neither the app (asked directly) nor the proxy sends ${what}: add it at one layer`,
    }
  return {
    culprit: senders,
    why: `measured: ${senders === 'both' ? 'both layers send' : `only the ${senders} sends`} CORS lines, and none is ${what}`,
  }
}
