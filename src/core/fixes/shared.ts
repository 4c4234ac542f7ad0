/**
 * What every recipe shares: the values a cure must allow, the fixed `where` phrases (the e2e test maps them
 * to template slots), the Fix builder that joins the per-layer changes into one copy-ready snippet, and the
 * shapes the proxy and the app recipes build their cures in. The kind of failure is failure.ts's.
 */
import { isCorsSafelistedMethod } from '../fetch-rules.ts'
import type { Fix, FixChange, Layer, Stack } from '../fix.ts'
import type { ChangeSpec, FixContext } from './context.ts'
import { failureKind, HEADER_KINDS, redirected } from './failure.ts'

/** The methods to allow: the one observed (when a preflight needs it) after the usual GET and POST. */
export function methodsToAllow(ctx: FixContext): string[] {
  const out = ['GET', 'POST']
  if (!out.includes(ctx.method)) out.push(ctx.method)
  return out
}

/** Does the request need the preflight answered (a non-safelisted method or header)? */
function preflighted(ctx: FixContext): boolean {
  return (
    !isCorsSafelistedMethod(ctx.method) || ctx.requestHeaders.length > 0 || ctx.analysis.preflight.required
  )
}

export function headersToAllow(ctx: FixContext): string[] {
  return [...new Set(ctx.requestHeaders.map((h) => h.toLowerCase()))]
}

/** What an app's CORS setup lists: the methods (null when no preflight needs them) and the headers. */
export function appAllowList(ctx: FixContext): {
  readonly methods: string[] | null
  readonly headers: string[]
} {
  return { methods: preflighted(ctx) ? methodsToAllow(ctx) : null, headers: headersToAllow(ctx) }
}

/** Which layer sent lines the cure must take away. */
export function appSentCors(ctx: FixContext): boolean {
  return ctx.attribution.lines.some((l) => l.layer === 'app') || ctx.attribution.culprit === 'both'
}
export function proxySentCors(ctx: FixContext): boolean {
  return ctx.attribution.lines.some((l) => l.layer === 'proxy') || ctx.attribution.culprit === 'both'
}

/** The app's own ACAO value (when attributed): a plain-proxy cure is only right when it is already valid. */
export function appOriginValueOk(ctx: FixContext): boolean {
  const values = ctx.attribution.lines
    .filter((l) => l.layer === 'app' && l.header.name.toLowerCase() === 'access-control-allow-origin')
    .map((l) => l.header.value)
  if (values.length !== 1) return false
  const v = values[0]
  return v === ctx.origin || (v === '*' && !ctx.credentials)
}

/** Applies when this stack is the one detected at its layer, or when none was detected there. */
export function relevantApp(ctx: FixContext, stack: Stack): boolean {
  return ctx.attribution.app === null || ctx.attribution.app === stack
}
export function relevantProxy(ctx: FixContext, stack: Stack): boolean {
  return ctx.attribution.proxy === stack
}

export { CORS_RESPONSE_HEADERS } from '../fetch-rules.ts'

/** Where a client-side change goes (the page's code: client, Local Network Access and third-party cures). */
export const WHERE_CLIENT = 'your front-end code, where the request is made'

export function makeFix(p: {
  stack: Stack
  layer: Layer
  recommended: boolean
  smallest?: string
  title: string
  label?: string
  why: string
  changes: readonly ChangeSpec[]
  requires?: string
}): Fix {
  const changes: FixChange[] = p.changes.map(({ layer, where, snippet, diff }) => ({
    layer,
    where,
    snippet,
    ...(diff ? { diff } : {}),
  }))
  // One change: its snippet is the cure. Several: each part under a comment saying where it goes.
  const first = p.changes[0]
  const snippet =
    p.changes.length === 1 && first
      ? first.snippet
      : p.changes.map((c) => `${c.comment} ${c.where}:\n${c.snippet}`).join('\n\n')
  return {
    stack: p.stack,
    layer: p.layer,
    recommended: p.recommended,
    ...(p.smallest ? { smallest: p.smallest } : {}),
    title: p.title,
    ...(p.label ? { label: p.label } : {}),
    why: p.why,
    snippet,
    changes,
    ...(p.requires ? { requires: p.requires } : {}),
  }
}

/** The app-side half of "CORS only at the proxy": take the app's own CORS out (its module says how). */
export function appRemoval(ctx: FixContext, proxyName: string): ChangeSpec {
  const app = ctx.attribution.app
  const own = app ? ctx.stack(app).withoutCors?.(proxyName) : undefined
  return (
    own ?? {
      layer: 'app',
      where: 'your app',
      comment: '//',
      snippet: `Remove the app's own CORS middleware and any code that sets Access-Control-* headers: CORS is answered by ${proxyName} only. (${proxyName} also hides them, so a leftover does no harm.)`,
    }
  )
}

/** The proxy-side half of "CORS in the app only": the proxy's CORS lines deleted (its module says how). */
export function proxyRemoval(ctx: FixContext, proxy: Stack | null): readonly ChangeSpec[] {
  return proxy ? (ctx.stack(proxy).plainProxy ?? []) : []
}

/** A cure as a diff: the lines to delete ("- "), then the lines to add ("+ "). */
export function diffOf(remove: readonly string[], add: readonly string[]): string {
  return [...remove.map((l) => `- ${l}`), ...add.map((l) => `+ ${l}`)].join('\n')
}

/** A regex alternation that matches exactly these origins (dots and other specials escaped). */
export function originRegex(origins: readonly string[]): string {
  return `^(${origins.map((o) => o.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`
}

export const q = (s: string): string => JSON.stringify(s)

/**
 * The app-layer cures share one shape: the app's full CORS setup (recommended), with the proxy's CORS lines
 * deleted when the proxy sent some too.
 */
export function appOnlyFix(
  ctx: FixContext,
  stack: Stack,
  title: string,
  setup: ChangeSpec,
  whyApp: string,
): Fix {
  const proxy = proxySentCors(ctx) ? proxyRemoval(ctx, ctx.attribution.proxy) : []
  return makeFix({
    stack,
    layer: 'app',
    recommended: true,
    title: proxy.length ? `${title}; ${ctx.attribution.proxy} as a plain proxy` : title,
    label: `${ctx.stack(stack).name} only`,
    why: proxy.length
      ? `One layer sends CORS: ${whyApp}, and ${ctx.attribution.proxy} stops adding its own copies.`
      : whyApp,
    changes: [setup, ...proxy],
  })
}

/** App recipes apply to header failures (auth refusing the preflight included); redirected preflights if asked. */
export function appApplies(ctx: FixContext, stack: Stack, redirects = false): boolean {
  const kind = failureKind(ctx)
  return relevantApp(ctx, stack) && (HEADER_KINDS.has(kind) || (redirects && redirected(kind)))
}

/** Proxy recipes apply to header failures, at the proxy the headers point to. */
export function proxyApplies(ctx: FixContext, stack: Stack): boolean {
  return relevantProxy(ctx, stack) && HEADER_KINDS.has(failureKind(ctx))
}

interface ProxyCure {
  readonly title: string
  readonly why: string
  readonly changes: readonly ChangeSpec[]
}

/**
 * The proxy recipes share one shape: CORS at this proxy only (recommended, taking the app's own CORS out when
 * it sent some); for a duplicate the app's valid value would settle alone, the proxy as a plain proxy; and,
 * when `keep.when` (by default: a duplicate), the app keeps its CORS while the proxy sends the only ACAO.
 */
export function proxyCures(
  ctx: FixContext,
  p: {
    readonly stack: Stack
    /** The proxy as the words name it: "nginx", "Apache", "Caddy". */
    readonly name: string
    /** What its CORS lines are called: "add_header", "Header", "header". */
    readonly directive: string
    readonly only: ProxyCure
    readonly keep: ProxyCure & { readonly when?: boolean }
    /** The proxy's own CORS lines as its config spells them, when known: the plain-proxy cure deletes them. */
    readonly sent?: { readonly lines: readonly string[]; readonly where: string }
  },
): Fix[] {
  const duplicate = failureKind(ctx) === 'duplicate'
  const only = appSentCors(ctx) ? [...p.only.changes, appRemoval(ctx, p.name)] : p.only.changes
  const fixes = [
    makeFix({
      stack: p.stack,
      layer: 'proxy',
      recommended: true,
      title: p.only.title,
      label: `${p.name} only`,
      why: p.only.why,
      changes: only,
    }),
  ]
  if (duplicate && appOriginValueOk(ctx)) {
    const lines = p.sent?.lines ?? []
    const shown = lines.map((l) => `\`${l.endsWith(';') ? l.slice(0, -1) : l}\``).join(' and ')
    fixes.push(
      makeFix({
        stack: p.stack,
        layer: 'proxy',
        recommended: false,
        smallest: 'smallest change: the app already answers correctly',
        title: lines.length
          ? `Remove ${p.name}'s ${shown}`
          : `CORS in the app only: ${p.name} as a plain proxy`,
        label: `Remove ${p.name}'s ${p.directive.includes(' ') ? 'CORS lines' : p.directive}`,
        why: `The app already sends a valid Access-Control-Allow-Origin; deleting ${p.name}'s ${p.directive} lines leaves exactly one.`,
        changes:
          p.sent && lines.length
            ? [{ layer: 'proxy', where: p.sent.where, comment: '#', snippet: diffOf(lines, []), diff: true }]
            : proxyRemoval(ctx, p.stack),
      }),
    )
  }
  if (p.keep.when ?? duplicate)
    fixes.push(
      makeFix({
        stack: p.stack,
        layer: 'proxy',
        recommended: false,
        title: p.keep.title,
        label: `${p.name}: hide and re-add`,
        why: p.keep.why,
        changes: p.keep.changes,
      }),
    )
  return fixes
}
