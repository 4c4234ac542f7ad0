/**
 * The world corpus: real CORS problems people reported in public threads, with the headers exactly as they
 * posted them (case and order kept) and the stack at each layer as the thread established it
 * (test/core/fixtures/world/*.json, one case a file, source URL in each). The engine runs on each case and is
 * graded against the thread, never against itself:
 *  - CorsError: against the browser's own message where the thread posts it (Blink's console sentences,
 *    https://chromium.googlesource.com/chromium/src/+/main/third_party/blink/renderer/platform/loader/cors/cors_error_string.cc);
 *  - the proxy layer and the app layer: right, wrong, unknown (the engine named none), or ungraded (the thread
 *    does not say);
 *  - a recommended fix for a stack the thread says is not there.
 * Asserted: the honest floor (no wrong layer with high confidence, no recommended fix for an absent stack, the
 * posted CorsError named). Cases the engine fails today are listed in KNOWN with the reason: the test fails when
 * a case outside KNOWN fails, and when a KNOWN case changes (fixed: remove it from KNOWN). The figures are
 * written to docs/world-corpus.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Diagnosis } from '../../src/core/analysis.ts'
import { diagnose } from '../../src/core/diagnose.ts'
import type { Exchange, Outcome, RequestSide, ResponseSide } from '../../src/core/exchange.ts'
import type { HeaderLine } from '../../src/core/headers.ts'
import type { CorsErrorName } from '../../src/core/model/finding.ts'
import { STACKS } from '../../src/core/stacks/index.ts'

const DIR = resolve(import.meta.dirname, 'fixtures/world')
const REPORT = resolve(import.meta.dirname, '../../docs/world-corpus.md')

/** Header lines exactly as posted: "Name: value", split at the first colon. */
type PostedLines = readonly string[]

interface PostedSide {
  readonly method: string
  readonly url: string
  readonly headers: PostedLines
}
interface PostedResponse {
  readonly status: number
  readonly headers: PostedLines
  readonly bodySnippet?: string
}

interface WorldCase {
  readonly source: string
  readonly title: string
  readonly thread: {
    /** The proxies, CDNs and gateways in front, outermost first; [] no proxy; null the thread does not say. */
    readonly proxy: readonly string[] | null
    /** The app, framework or managed service that answers; null the thread does not say. */
    readonly app: readonly string[] | null
    readonly says: string
    readonly resolution: string
    readonly known: string
    readonly inferred: string
  }
  /** The browser's error exactly as posted (Chromium's console line), null when the thread posts none. */
  readonly browserError: string | null
  /** The CorsError when the thread names it itself (CDP's name), instead of the console line. */
  readonly corsError?: CorsErrorName
  /** A message as posted that does not grade (an old Chromium wording, Firefox's): kept for the reader. */
  readonly postedError?: string
  readonly exchange: {
    readonly initiator: string
    readonly request: PostedSide
    readonly preflight?: { readonly request: PostedSide; readonly response?: PostedResponse }
    readonly response?: PostedResponse
    readonly credentials?: 'omit' | 'include'
  }
}

type Grade = 'right' | 'wrong' | 'unknown' | 'ungraded'
type Failure = 'corsError' | 'wrong-layer-high' | 'absent-fix'

/**
 * Cases the engine fails today, with why; each line names the failures it has. A case fixed by stack work
 * leaves this list (the test says so).
 */
// Empty since main 4c25ae8: cloudflare-r2-duplicate-star (a lower-case access-control-allow-origin read as uvicorn,
// so a FastAPI cure recommended for an R2 bucket behind Cloudflare) no longer fails. A case that fails again goes back here.
const KNOWN: Readonly<Record<string, { readonly fails: readonly Failure[]; readonly why: string }>> = {}

/** Names the engine may give a stack the thread names otherwise (ingress-nginx is nginx underneath). */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  'ingress-nginx': ['nginx'],
  openresty: ['nginx'],
}

function lines(posted: PostedLines): HeaderLine[] {
  return posted.map((line) => {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new Error(`not a header line: ${line}`)
    return { name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() }
  })
}

const side = (p: PostedSide): RequestSide => ({ method: p.method, url: p.url, headers: lines(p.headers) })
const answer = (p: PostedResponse): ResponseSide => ({
  status: p.status,
  headers: lines(p.headers),
  ...(p.bodySnippet ? { bodySnippet: p.bodySnippet } : {}),
})

const FAILED: Outcome = { kind: 'error', error: 'net::ERR_FAILED' }

function exchangeOf(c: WorldCase): Exchange {
  const x = c.exchange
  return {
    initiator: x.initiator,
    request: side(x.request),
    outcome: FAILED,
    browser: 'chromium',
    ...(x.preflight
      ? {
          preflight: {
            request: side(x.preflight.request),
            ...(x.preflight.response ? { response: answer(x.preflight.response) } : {}),
          },
        }
      : {}),
    ...(x.response ? { response: answer(x.response) } : {}),
    ...(x.credentials ? { credentials: x.credentials } : {}),
  }
}

/** The CorsError a Chromium console line names (Blink's sentences, cors_error_string.cc). */
function corsErrorOf(message: string): CorsErrorName | null {
  const preflight = /Response to preflight request doesn't pass access control check/i.test(message)
  const p = (name: string): CorsErrorName => (preflight ? `Preflight${name}` : name) as CorsErrorName
  if (/is not allowed by Access-Control-Allow-Headers in preflight response/i.test(message))
    return 'HeaderDisallowedByPreflightResponse'
  if (/Method \S+ is not allowed by Access-Control-Allow-Methods in preflight response/i.test(message))
    return 'MethodDisallowedByPreflightResponse'
  if (/It does not have HTTP ok status/i.test(message)) return 'PreflightInvalidStatus'
  if (/Redirect is not allowed for a preflight request/i.test(message)) return 'PreflightDisallowedRedirect'
  if (/header contains multiple values/i.test(message)) return p('MultipleAllowOriginValues')
  if (/No 'Access-Control-Allow-Origin' header is present/i.test(message))
    return p('MissingAllowOriginHeader')
  if (/must not be the wildcard '\*' when the request's credentials mode is 'include'/i.test(message))
    return p('WildcardOriginNotAllowed')
  if (/header has a value '.*' that is not equal to the supplied origin/i.test(message))
    return p('AllowOriginMismatch')
  if (/header contains the invalid value/i.test(message)) return p('InvalidAllowOriginValue')
  if (/Access-Control-Allow-Credentials' header in the response is '.*' which must be 'true'/i.test(message))
    return p('InvalidAllowCredentials')
  return null
}

function accepted(names: readonly string[]): Set<string> {
  return new Set(names.flatMap((n) => [n, ...(ALIASES[n] ?? [])]))
}

function gradeLayer(thread: readonly string[] | null, named: string | null): Grade {
  if (thread === null) return 'ungraded'
  if (named === null) return thread.length === 0 ? 'right' : 'unknown'
  return accepted(thread).has(named) ? 'right' : 'wrong'
}

/** A stack the thread rules out: its layer is known in the thread and the stack is not among them. */
function absent(c: WorldCase, stack: string): boolean {
  const layer = STACKS[stack as keyof typeof STACKS]?.layer
  if (layer === undefined || layer === 'cure') return false
  const there = accepted([...(c.thread.proxy ?? []), ...(c.thread.app ?? [])])
  if (there.has(stack)) return false
  return layer === 'proxy' ? c.thread.proxy !== null : c.thread.app !== null
}

interface Graded {
  readonly id: string
  readonly c: WorldCase
  readonly d: Diagnosis
  readonly expected: CorsErrorName | null
  readonly proxy: Grade
  readonly app: Grade
  readonly absentFixes: readonly string[]
  /** Every cure offered (recommended or not) for a stack the thread rules out. */
  readonly absentOffered: readonly string[]
  readonly fails: readonly Failure[]
}

function grade(id: string, c: WorldCase): Graded {
  const d = diagnose(exchangeOf(c))
  const expected = c.corsError ?? (c.browserError ? corsErrorOf(c.browserError) : null)
  const proxy = gradeLayer(c.thread.proxy, d.attribution.proxy)
  const app = gradeLayer(c.thread.app, d.attribution.app)
  const absentFixes = [
    ...new Set(d.fixes.filter((f) => f.recommended && absent(c, f.stack)).map((f) => f.stack)),
  ]
  const absentOffered = [...new Set(d.fixes.filter((f) => absent(c, f.stack)).map((f) => f.stack))]
  const fails: Failure[] = []
  if (expected !== null && d.corsError !== expected) fails.push('corsError')
  if (d.attribution.confidence === 'high' && (proxy === 'wrong' || app === 'wrong'))
    fails.push('wrong-layer-high')
  if (absentFixes.length > 0) fails.push('absent-fix')
  return { id, c, d, expected, proxy, app, absentFixes, absentOffered, fails }
}

function loadCases(): [string, WorldCase][] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(resolve(DIR, f), 'utf8')) as WorldCase])
}

const cases = loadCases()
const graded = cases.map(([id, c]) => grade(id, c))

function tally(gs: readonly Grade[]): Record<Grade, number> {
  const t: Record<Grade, number> = { right: 0, wrong: 0, unknown: 0, ungraded: 0 }
  for (const g of gs) t[g]++
  return t
}

/**
 * One stack the thread puts at a layer: right when the engine names it, unknown when it names none or another
 * stack the thread also puts at that layer (a CDN in front of nginx), wrong when it names one that is not there.
 */
function gradeStack(stack: string, layer: readonly string[], named: string | null): Grade {
  if (named === null) return 'unknown'
  if (accepted([stack]).has(named)) return 'right'
  return accepted(layer).has(named) ? 'unknown' : 'wrong'
}

/** Per stack the thread names: on how many cases its layer was right, wrong, unknown. */
function perStack(): Map<string, Record<Grade, number>> {
  const out = new Map<string, Record<Grade, number>>()
  const add = (stack: string, g: Grade): void => {
    const t = out.get(stack) ?? { right: 0, wrong: 0, unknown: 0, ungraded: 0 }
    t[g]++
    out.set(stack, t)
  }
  for (const g of graded) {
    const { proxy, app } = g.c.thread
    for (const s of proxy ?? []) add(s, gradeStack(s, proxy ?? [], g.d.attribution.proxy))
    for (const s of app ?? []) add(s, gradeStack(s, app ?? [], g.d.attribution.app))
  }
  return out
}

function report(): string {
  const layers = graded.flatMap((g) => [g.proxy, g.app])
  const t = tally(layers)
  const graded2 = t.right + t.wrong + t.unknown
  const withAbsent = graded.filter((g) => g.absentFixes.length > 0).length
  const errs = graded.filter((g) => g.expected !== null)
  const errRight = errs.filter((g) => g.d.corsError === g.expected).length
  const out = [
    '# World corpus: the engine on real reported cases',
    '',
    'Generated by test/core/world.test.ts from test/core/fixtures/world/ (one reported case a file, headers as',
    'posted, stack as established in the thread, source linked). Do not edit by hand.',
    '',
    `- Cases: ${graded.length}; the browser's message posted on ${errs.length}: CorsError named right on ${errRight}.`,
    `- Layers (proxy and app, where the thread says): right on ${t.right} of ${graded2}, wrong on ${t.wrong}, unknown on ${t.unknown}.`,
    `- A recommended fix for a stack that is not there: on ${withAbsent} case(s).`,
    `- Any cure offered (recommended or not) for a stack that is not there: on ${graded.filter((g) => g.absentOffered.length > 0).length} case(s).`,
    `- Wrong layer with high confidence: on ${graded.filter((g) => g.fails.includes('wrong-layer-high')).length} case(s).`,
    '',
    '## Per stack (the layer the thread puts it at)',
    '',
    '| stack | cases | right | wrong | unknown |',
    '| --- | --- | --- | --- | --- |',
  ]
  for (const [s, x] of [...perStack()].sort(([a], [b]) => a.localeCompare(b)))
    out.push(
      `| ${s} | ${x.right + x.wrong + x.unknown + x.ungraded} | ${x.right} | ${x.wrong} | ${x.unknown} |`,
    )
  out.push(
    '',
    '## Per case',
    '',
    '| case | thread: proxy / app | engine: proxy / app (confidence) | proxy | app | CorsError (posted → engine) | cure for an absent stack: recommended / offered |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const g of graded) {
    const th = `${(g.c.thread.proxy ?? ['?']).join('+') || 'none'} / ${(g.c.thread.app ?? ['?']).join('+')}`
    const en = `${g.d.attribution.proxy ?? '–'} / ${g.d.attribution.app ?? '–'} (${g.d.attribution.confidence})`
    const ce = g.expected ? `${g.expected} → ${g.d.corsError ?? '–'}` : `– → ${g.d.corsError ?? '–'}`
    out.push(
      `| [${g.id}](${g.c.source}) | ${th} | ${en} | ${g.proxy} | ${g.app} | ${ce} | ${g.absentFixes.join(', ') || '–'} / ${g.absentOffered.join(', ') || '–'} |`,
    )
  }
  return `${out.join('\n')}\n`
}

describe('the world corpus (real reported cases, headers as posted)', () => {
  it('holds well-formed cases, each with its source and the stack the thread established', () => {
    expect(cases.length).toBeGreaterThanOrEqual(37)
    for (const [id, c] of cases) {
      expect(c.source, id).toMatch(/^https:\/\//)
      expect(c.thread.proxy !== null || c.thread.app !== null, id).toBe(true)
      expect(c.exchange.response ?? c.exchange.preflight?.response, id).toBeDefined()
      if (c.browserError) expect(corsErrorOf(c.browserError), `${id}: ${c.browserError}`).not.toBeNull()
    }
  })

  it.each(cases.map(([id]) => id))('%s: holds the honest floor (or fails only as KNOWN says)', (id) => {
    const g = graded.find((x) => x.id === id) as Graded
    const known = KNOWN[id]
    const detail = {
      corsError: `${g.expected} vs ${g.d.corsError}`,
      proxy: `${g.proxy} (${g.d.attribution.proxy})`,
      app: `${g.app} (${g.d.attribution.app})`,
      confidence: g.d.attribution.confidence,
      absentFixes: g.absentFixes,
    }
    expect(
      { fails: g.fails, detail },
      known ? `KNOWN (${known.why}): changed? update KNOWN` : 'not in KNOWN',
    ).toEqual({
      fails: known?.fails ?? [],
      detail,
    })
  })

  it("reads the CorsError from Chromium's console sentences (old and new wording)", () => {
    const pre = "Response to preflight request doesn't pass access control check: "
    const none = "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    expect(corsErrorOf(pre + none)).toBe('PreflightMissingAllowOriginHeader')
    expect(corsErrorOf(`XMLHttpRequest cannot load http://a.example/. ${none}`)).toBe(
      'MissingAllowOriginHeader',
    )
    expect(
      corsErrorOf(
        "The 'Access-Control-Allow-Origin' header contains multiple values '*, *', but only one is allowed.",
      ),
    ).toBe('MultipleAllowOriginValues')
    expect(corsErrorOf(`${pre}Redirect is not allowed for a preflight request.`)).toBe(
      'PreflightDisallowedRedirect',
    )
    expect(corsErrorOf(`${pre}It does not have HTTP ok status.`)).toBe('PreflightInvalidStatus')
    expect(
      corsErrorOf('Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.'),
    ).toBe('MethodDisallowedByPreflightResponse')
    expect(corsErrorOf('CORS Multiple Origin Not Allowed')).toBeNull()
  })

  it('writes the figures to docs/world-corpus.md', () => {
    const text = report()
    mkdirSync(dirname(REPORT), { recursive: true })
    writeFileSync(REPORT, text)
    console.log(text.split('\n## Per case')[0])
    expect(text).toContain('| stack |')
  })
})
