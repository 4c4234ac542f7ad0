/**
 * A server the user probably does not run (an identity provider, a SaaS API, a public CDN on another
 * organisation's domain): no config of theirs can change its headers. What they can do: ask its owner to
 * allow the origin (for identity providers, a setting in their dashboard), or call it from their own
 * backend, where CORS does not apply (a same-origin proxy route).
 */
import type { Recipe } from './context.ts'
import { jsString } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { snippetOrigin } from './gate.ts'
import { makeFix, WHERE_CLIENT } from './shared.ts'

/** Where identity providers keep the allowed origins. */
const SETTING: ReadonlyArray<readonly [RegExp, string]> = [
  [/Auth0/, 'Auth0 dashboard → Applications → your app → Allowed Web Origins (and Allowed Origins (CORS))'],
  [/Okta/, 'Okta admin → Security → API → Trusted Origins: add it with CORS checked'],
  [/Entra/, 'Entra ID → App registrations → Authentication: register the page as a Single-page application'],
  [
    /Cognito/,
    'Cognito: call its endpoints from the page only as the hosted UI / SDK documents, or from your backend',
  ],
]

export const recipe: Recipe = (ctx) => {
  const owner = ctx.attribution.owner
  if (!owner || !HEADER_KINDS.has(failureKind(ctx))) return []
  let url: URL
  try {
    url = new URL(ctx.exchange.request.url)
  } catch {
    return []
  }
  const probably = owner.verdict === 'probably-third-party'
  const origin = snippetOrigin(ctx.origin)
  const provider = owner.provider ?? url.hostname
  const setting = SETTING.find(([re]) => re.test(owner.provider ?? ''))?.[1]
  const ask = [
    `To: the owner of ${url.hostname} (${provider})`,
    `Please allow the origin ${origin} on ${url.origin}${url.pathname}:`,
    `  Access-Control-Allow-Origin: ${origin}${ctx.credentials ? '\n  Access-Control-Allow-Credentials: true' : ''}`,
    ...(ctx.method !== 'GET' && ctx.method !== 'POST'
      ? [`  method ${ctx.method} in Access-Control-Allow-Methods`]
      : []),
    ...(ctx.requestHeaders.length > 0
      ? [`  headers ${ctx.requestHeaders.join(', ')} in Access-Control-Allow-Headers`]
      : []),
    ...(setting ? ['', `If it is your account at ${provider}: ${setting}.`] : []),
  ].join('\n')
  // The URL parser lets ';' and '{' through in hosts: a host that is not plain DNS never reaches the config.
  const plainHost = /^[A-Za-z0-9.-]+(:\d+)?$/.test(url.host)
  const route = '/third-party/'
  const proxy = [
    `# Your own backend forwards ${route}… to ${url.origin}/…: the page then calls its own origin, no CORS.`,
    `location ${route} {`,
    `    proxy_pass ${url.origin}/;`,
    '    proxy_ssl_server_name on;',
    `    proxy_set_header Host ${url.host};`,
    '}',
  ].join('\n')
  const call = `const response = await fetch(${jsString(`${route}${url.pathname.slice(1)}${url.search}`)}) // same origin: no CORS`
  const askFix = makeFix({
    stack: 'third-party',
    layer: 'client',
    recommended: probably,
    title: `${probably ? 'Probably not your server' : 'If you do not run this server'}: ask ${provider}'s owner to allow ${origin}`,
    label: 'Ask the owner to allow it',
    why: `${owner.evidence}. Its CORS headers are set by whoever runs it; nothing in your config changes them.`,
    changes: [
      { layer: 'client', where: `a request to the owner of ${url.hostname}`, comment: '#', snippet: ask },
    ],
  })
  if (!plainHost) return [askFix]
  return [
    askFix,
    makeFix({
      stack: 'third-party',
      layer: 'proxy',
      recommended: false,
      title: 'Call it from your own backend: a same-origin proxy route',
      label: 'Call it from your backend',
      why: 'CORS binds only browsers: your server may call any API, and the page calls your server on its own origin. Keep secrets (API keys) on the server side.',
      changes: [
        {
          layer: 'proxy',
          where: "your backend (nginx shown; any server's proxy route works)",
          comment: '#',
          snippet: proxy,
        },
        { layer: 'client', where: WHERE_CLIENT, comment: '//', snippet: call },
      ],
    }),
  ]
}
