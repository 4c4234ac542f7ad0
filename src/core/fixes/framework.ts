/**
 * The shape the framework recipes (spring, aspnet, rails, fastify) share: which failures an app-side cure
 * addresses, the allow-list the snippet must carry, the proxy half of "CORS at exactly one layer", and the
 * Fix builders. Each recipe module keeps only its own stack's code and words.
 */

import { isToken } from '../fetch-rules.ts'
import type { Fix, FixChange, Stack } from '../fix.ts'
import { headerValue } from '../headers.ts'
import type { FixContext } from './context.ts'
import { commentText } from './escape.ts'
import { beforeQuery, type FailureKind, failureKind, loginRedirect } from './failure.ts'
import { proxyRemoval, proxySentCors, relevantApp } from './shared.ts'

/** The failures an app-side framework cure addresses. */
export type AppFailure = Exclude<FailureKind, 'redirect' | 'other'>

/** The allow-list the snippet must carry, filled from what the page really sent. */
export interface Spec {
  readonly origin: string
  /** The request had no Origin, so the context handed "*": no credentials can go with it. */
  readonly anyOrigin: boolean
  readonly methods: readonly string[]
  readonly headers: readonly string[]
  readonly credentials: boolean
  /** First path segment ("/api") when the URL has one below it, else null (allow the whole app). */
  readonly prefix: string | null
}

/** What the browser saw, for the words of the recipes' `why`. */
export interface Seen {
  /** The Access-Control-Allow-Origin value it got (the preflight's first), if any. */
  readonly observed: string | null
  readonly preflightStatus: number | undefined
  /** Chromium's failed parameter, "" when none. */
  readonly failed: string
  /** Where the preflight was redirected, when that is another page (a login form), else null. */
  readonly redirect: string | null
  /** The first warning's title, for an at-risk answer. */
  readonly warning: string
}

/** A framework recipe's constants: its stack, its name in words, the comment style of its snippets. */
export interface Framework {
  readonly stack: Stack
  readonly name: string
  readonly comment: '//' | '#'
}

/** One failure as a framework recipe sees it. */
export interface Case {
  readonly framework: Framework
  readonly ctx: FixContext
  readonly kind: AppFailure
  readonly spec: Spec
  readonly seen: Seen
  /** The proxy's CORS lines to delete, when the proxy sent some too. */
  readonly proxy: readonly FixChange[]
  /** The app cure leads unless the proxy alone broke it; then the proxy's own recipe should lead. */
  readonly leads: boolean
}

/** The case this stack's recipe answers, or null: another app stack was detected, or no app cure applies. */
export function frameworkCase(ctx: FixContext, framework: Framework): Case | null {
  // Another app stack was detected: its own recipe speaks for the app.
  if (!relevantApp(ctx, framework.stack)) return null
  const kind = appFailure(ctx)
  if (kind === null) return null
  return {
    framework,
    ctx,
    kind,
    spec: specOf(ctx, kind),
    seen: {
      observed: observedAllowOrigin(ctx),
      preflightStatus: ctx.exchange.preflight?.response?.status,
      failed: ctx.analysis.failedParameter ?? '',
      redirect: loginRedirect(ctx),
      warning: ctx.analysis.findings.find((f) => f.severity === 'warning')?.title ?? 'the warning',
    },
    proxy: proxyRemovals(ctx),
    leads: kind === 'duplicate' || ctx.attribution.culprit !== 'proxy',
  }
}

function appFailure(ctx: FixContext): AppFailure | null {
  const kind = failureKind(ctx)
  // A redirect to the same page is cured by calling the final URL: a client fix.
  if (kind === 'redirect' || kind === 'other') return null
  // At-risk findings: codes are still being catalogued, so any warning counts, whatever its code.
  if (kind === 'warning' && !ctx.analysis.findings.some((f) => f.severity === 'warning')) return null
  return kind
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ''))]
}

function specOf(ctx: FixContext, kind: AppFailure): Spec {
  // The failed parameter is the method or a header name the page sent: a token, or nothing.
  const failed = isToken(ctx.analysis.failedParameter ?? '') ? (ctx.analysis.failedParameter ?? '') : ''
  // Methods compare case-sensitively, so the page's method is kept as sent; GET and POST stay allowed
  // because the allow-list also gates the page's simple requests.
  const methods = unique(['GET', 'POST', ctx.method, ...(kind === 'method' ? [failed] : [])])
  const asked = unique([
    ...ctx.requestHeaders.map((h) => h.toLowerCase()),
    ...(kind === 'header' ? [failed.toLowerCase()] : []),
  ])
  const anyOrigin = ctx.origin === '*'
  const credentials =
    !anyOrigin && (ctx.credentials || kind === 'wildcard-credentials' || kind === 'credentials-flag')
  const segments = beforeQuery(ctx.path)
    .split('/')
    .filter((s) => s !== '')
  return {
    origin: ctx.origin,
    anyOrigin,
    methods,
    headers: asked.length > 0 ? asked : ['content-type'],
    credentials,
    prefix: segments.length >= 2 ? `/${segments[0]}` : null,
  }
}

/**
 * The proxy half of "CORS at exactly one layer", when the proxy sent CORS lines of its own: the shared
 * phrasing for the proxies the other recipes know (so every recipe says it alike), else the lines to delete.
 */
function proxyRemovals(ctx: FixContext): FixChange[] {
  if (!proxySentCors(ctx)) return []
  const known = proxyRemoval(ctx, ctx.attribution.proxy).map(({ layer, where, snippet }) => ({
    layer,
    where,
    snippet,
  }))
  if (known.length > 0) return known
  const lines = unique(
    ctx.attribution.lines
      .filter((l) => l.layer === 'proxy' && l.header.name.toLowerCase().startsWith('access-control-'))
      .map((l) => `#   ${commentText(`${l.header.name}: ${l.header.value}`)}`),
  )
  return [
    {
      layer: 'proxy',
      where: `${ctx.attribution.proxy ?? 'proxy'} config — the directives that add CORS headers`,
      snippet: [
        '# CORS at exactly one layer: the app sends these now, so delete the lines that add:',
        ...(lines.length > 0 ? lines : ['#   every Access-Control-* header']),
      ].join('\n'),
    },
  ]
}

/** The whole cure in one copy-ready text: the app file, then each proxy part in the file's comment style. */
function withProxyNote(full: string, proxies: readonly FixChange[], comment: string): string {
  const notes = proxies.map((p) => {
    const body = p.snippet
      .split('\n')
      .map((l) => l.replace(/^#/, comment))
      .join('\n')
    return `${comment} And in ${p.where}:\n${body}`
  })
  return [full, ...notes].join('\n\n')
}

/** The app cure: the stack's own changes, then the proxy's lines to delete, all in one copy-ready snippet. */
export function frameworkFix(
  c: Case,
  why: string,
  recommended: boolean,
  p: {
    readonly title: string
    /** The whole app-side text; the proxy parts follow it as notes in the framework's comment style. */
    readonly full: string
    readonly changes: readonly FixChange[]
    readonly requires: string
    /** The tab label; default "<framework> only". */
    readonly label?: string
  },
): Fix {
  const proxy = c.proxy
  return {
    stack: c.framework.stack,
    layer: 'app',
    recommended,
    label: p.label ?? `${c.framework.name} only`,
    title:
      proxy.length > 0
        ? `${p.title}, and remove CORS from ${c.ctx.attribution.proxy ?? 'the proxy'}`
        : p.title,
    why,
    snippet: withProxyNote(p.full, proxy, c.framework.comment),
    changes: [...p.changes, ...proxy],
    requires: p.requires,
  }
}

/**
 * The recipe's answer, recommended first (each group in order): its fixes and, for a duplicate the proxy
 * shares, the other single layer — the proxy keeps CORS, and `removal` lists what to delete from the app.
 */
export function frameworkFixes(c: Case, fixes: readonly Fix[], removal: readonly FixChange[]): Fix[] {
  const all = [...fixes]
  if (c.kind === 'duplicate' && c.proxy.length > 0) {
    all.push({
      stack: c.framework.stack,
      layer: 'app',
      recommended: false,
      title: `Let the proxy own CORS: remove it from ${c.framework.name}`,
      label: `${c.ctx.attribution.proxy ?? 'proxy'} only (no ${c.framework.name} CORS)`,
      why: 'Only if the proxy is the one CORS layer you keep: it must then answer preflights and add the headers on every status.',
      snippet: removal.map((ch) => ch.snippet).join('\n\n'),
      changes: removal,
    })
  }
  return [...all.filter((f) => f.recommended), ...all.filter((f) => !f.recommended)]
}

function observedAllowOrigin(ctx: FixContext): string | null {
  const preflight = ctx.exchange.preflight?.response
  const fromPreflight = preflight ? headerValue(preflight.headers, 'access-control-allow-origin') : null
  const response = ctx.exchange.response
  return fromPreflight ?? (response ? headerValue(response.headers, 'access-control-allow-origin') : null)
}
