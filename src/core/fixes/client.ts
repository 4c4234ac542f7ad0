/**
 * Client-side cures, for the failures the page itself can avoid: sending credentials it does not need
 * against a '*' server, and calling a URL whose preflight is redirected (call the final URL directly).
 */
import type { Fix } from '../fix.ts'
import { linesNamed } from '../headers.ts'
import { hasUserinfo } from '../origin.ts'
import { redactHeaderValue, redactUrl } from '../redact.ts'
import type { FixContext, Recipe } from './context.ts'
import { jsString } from './escape.ts'
import { failureKind, redirected } from './failure.ts'
import { makeFix, WHERE } from './shared.ts'

/** A fetch() call that repeats the observed request, with the header values seen (or a placeholder). */
export function fetchCall(ctx: FixContext, url: string, credentials: 'omit' | 'include' | null): string {
  const sent = ctx.exchange.request.headers
  // Values as seen, but never a credential: a snippet is pasted into tickets and chats.
  const headers = ctx.requestHeaders.map((name) => {
    const value = linesNamed(sent, name)[0]?.value
    const shown = value === undefined ? '<value>' : redactHeaderValue(name, value)
    return `    ${jsString(name)}: ${jsString(shown)},`
  })
  const opts = [
    ...(ctx.method !== 'GET' ? [`  method: ${jsString(ctx.method)},`] : []),
    ...(headers.length ? ['  headers: {', ...headers, '  },'] : []),
    ...(credentials ? [`  credentials: '${credentials}',`] : []),
  ]
  return `const response = await fetch(${jsString(redactUrl(url))}, {\n${opts.join('\n')}\n})`
}

/** Where the preflight's Location points, resolved; null when it is no URL a page could call. */
function resolved(location: string, base: string): string | null {
  try {
    return new URL(location, base).href
  } catch {
    return null
  }
}

export const recipe: Recipe = (ctx) => {
  const kind = failureKind(ctx)
  const fixes: Fix[] = []
  if (
    (kind === 'wildcard-credentials' || kind === 'credentials-flag') &&
    !ctx.exchange.request.headers.some((h) => h.name.toLowerCase() === 'cookie')
  )
    fixes.push(
      makeFix({
        stack: 'client',
        layer: 'client',
        recommended: false,
        title: 'Stop sending credentials (if this call needs no cookies)',
        why: "Without credentials the browser accepts Access-Control-Allow-Origin '*'; only do this if the API does not rely on cookies or HTTP auth.",
        changes: [
          {
            layer: 'client',
            where: WHERE.client,
            lang: 'js',
            snippet: fetchCall(ctx, ctx.exchange.request.url, 'omit'),
          },
        ],
      }),
    )
  const hop = ctx.exchange.preflight?.response
  const location = hop ? linesNamed(hop.headers, 'location')[0]?.value : undefined
  const redirectTo =
    redirected(kind) && location
      ? resolved(location, ctx.exchange.preflight?.request.url ?? ctx.exchange.request.url)
      : ctx.analysis.stage === 'redirect' && ctx.analysis.corsError !== 'RedirectContainsCredentials'
        ? ctx.exchange.redirects?.[ctx.exchange.redirects.length - 1]?.location
        : undefined
  // A URL with user:pass cannot be fetched by the page either: that cure belongs to the server.
  if (redirectTo && !hasUserinfo(redirectTo) && /^https?:/i.test(redirectTo))
    fixes.push(
      makeFix({
        stack: 'client',
        layer: 'client',
        recommended: true,
        title: 'Call the URL the server redirects to',
        why: redirected(kind)
          ? `A preflight may not be redirected; calling ${redactUrl(redirectTo)} directly needs no redirect.`
          : `The redirect response itself fails the CORS check; calling ${redactUrl(redirectTo)} directly skips it.`,
        changes: [
          {
            layer: 'client',
            where: WHERE.client,
            lang: 'js',
            snippet: fetchCall(ctx, redirectTo, ctx.credentials ? 'include' : null),
          },
        ],
      }),
    )
  return fixes
}
