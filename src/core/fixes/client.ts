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
import { makeFix, WHERE_CLIENT } from './shared.ts'

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

/** The redirect's target without its user name and password (never echoed into a snippet). */
function withoutUserinfo(location: string, base: string): string | null {
  try {
    const u = new URL(location, base)
    u.username = ''
    u.password = ''
    return u.href
  } catch {
    return null
  }
}

/** RedirectContainsCredentials: fetch() may not follow it; call the target and send the credentials as a header. */
function redirectCredentialsFix(ctx: FixContext): Fix | null {
  const hop = ctx.exchange.redirects?.find((r) => hasUserinfo(r.location))
  const target = hop ? withoutUserinfo(hop.location, hop.fromUrl) : null
  if (!hop || !target) return null
  return makeFix({
    stack: 'client',
    layer: 'client',
    recommended: true,
    title: 'Call the redirect target without user:pass in the URL; send the credentials as a header',
    label: 'Page: credentials as a header',
    why: `The server redirects to a URL with a user name and password, which a cross-origin fetch never follows. Better still, make ${hop.fromUrl} redirect to ${target} without them. An Authorization header makes the request preflighted: the target must allow it (Access-Control-Allow-Headers: Authorization, and credentials if it uses cookies).`,
    changes: [
      {
        layer: 'client',
        where: WHERE_CLIENT,
        comment: '//',
        snippet: `const response = await fetch(${jsString(target)}, {
  headers: { Authorization: 'Basic ' + btoa('<user>:<password>') },
})`,
      },
    ],
  })
}

export const recipe: Recipe = (ctx) => {
  const kind = failureKind(ctx)
  const fixes: Fix[] = []
  const credentialsInUrl =
    ctx.analysis.corsError === 'RedirectContainsCredentials' ? redirectCredentialsFix(ctx) : null
  if (credentialsInUrl) fixes.push(credentialsInUrl)
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
            where: WHERE_CLIENT,
            comment: '//',
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
      callFinalUrl(
        ctx,
        redirectTo,
        redirected(kind)
          ? `A preflight may not be redirected; calling ${redactUrl(redirectTo)} directly needs no redirect.`
          : `The redirect response itself fails the CORS check; calling ${redactUrl(redirectTo)} directly skips it.`,
      ),
    )
  return fixes
}

/** The page calls the redirect's target itself: no redirect, so nothing for the browser to refuse. */
export function callFinalUrl(ctx: FixContext, target: string, why: string, label?: string): Fix {
  return makeFix({
    stack: 'client',
    layer: 'client',
    recommended: true,
    title: 'Call the URL the server redirects to',
    ...(label === undefined ? {} : { label }),
    why,
    changes: [
      {
        layer: 'client',
        where: WHERE_CLIENT,
        comment: '//',
        snippet: fetchCall(ctx, target, ctx.credentials ? 'include' : null),
      },
    ],
  })
}
