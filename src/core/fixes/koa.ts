/**
 * Koa recipe: Koa 2 with @koa/cors 5, JavaScript ES module. app.use(cors(…)) first, before any auth
 * middleware and router: it answers OPTIONS itself with 204, so it must run before middleware that would
 * reject a credential-less preflight. https://github.com/koajs/cors#readme
 */
import type { Fix } from '../fix.ts'
import type { Recipe } from './context.ts'
import { jsString } from './escape.ts'
import { beforeQuery } from './failure.ts'
import { type Case, type Framework, frameworkCase, frameworkFix } from './framework.ts'
import { proxySentCors } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: "the Koa app's entry (e.g. server.mjs) — right after const app = new Koa(), before any middleware or router",
} as const

export const recipe: Recipe = (ctx) => {
  const c = frameworkCase(ctx, FRAMEWORK)
  if (c === null) return []
  // No "remove it from Koa" alternative, as for Hono: without the proxy answering preflights it does not cure.
  return [middlewareFix(c)]
}

const FRAMEWORK: Framework = { stack: 'koa', name: 'Koa', comment: '//' }

const q = jsString
const qlist = (xs: readonly string[]): string => `[${xs.map(q).join(', ')}]`

function why({ ctx, kind, spec, seen }: Case): string {
  const { observed, preflightStatus, failed } = seen
  switch (kind) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in @koa/cors only, one exact origin goes out.`
        : 'The app sent the header twice: keep this one cors() and delete ctx.set calls adding Access-Control-* headers.'
    case 'wildcard-credentials':
    case 'credentials-flag':
      return 'The request carries credentials: cors() needs credentials: true with an explicit origin, never its default "*".'
    case 'origin-mismatch':
    case 'missing':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; browsers compare origins exactly: scheme, host, port, no trailing slash.`
        : `No Access-Control-Allow-Origin came back: cors() adds it only where it is used, for an allowed origin.`
    case 'error-response':
      return `The ${ctx.exchange.response?.status ?? 'error'} answer had no CORS headers; cors() used first sets them (keepHeadersOnError) before any handler can fail.`
    case 'preflight-missing':
    case 'preflight-status':
    case 'auth-redirect':
      return preflightStatus === 401 || preflightStatus === 403
        ? `The preflight got ${preflightStatus}: an auth middleware ran before cors(); used first, cors() answers OPTIONS with 204 before auth.`
        : `The preflight got ${preflightStatus ?? 'no CORS answer'}: cors() used first answers OPTIONS with 204 and the exact origin.`
    case 'method':
      return `The preflight did not allow ${failed || ctx.method}; allowMethods now lists it.`
    case 'header':
      return `The preflight did not allow the ${failed || 'requested'} header; allowHeaders now lists every header the page sends.`
    case 'warning':
      return `Addresses "${seen.warning}": cors() sends one exact origin with Vary: Origin.`
  }
}

function middlewareFix(c: Case): Fix {
  const spec = c.spec
  const options = [
    spec.anyOrigin
      ? `origin: '*', // the request had no Origin; never with credentials: true`
      : `origin: ${q(spec.origin)}, // exact: scheme, host and port, no trailing slash`,
    `allowMethods: ${qlist([...spec.methods, 'OPTIONS'])},`,
    `allowHeaders: ${qlist(spec.headers)},`,
    ...(spec.credentials ? [`credentials: true, // only with an explicit origin, never '*'`] : []),
    'maxAge: 600,',
  ]
  const use = [
    '// First: it answers preflights (204) before any auth middleware runs. More origins: origin as a function.',
    'app.use(cors({',
    ...options.map((l) => `  ${l}`),
    '}))',
  ]
  const full = [
    '// server.mjs — Koa 2 with @koa/cors (npm install koa @koa/cors)',
    "import cors from '@koa/cors'",
    "import Koa from 'koa'",
    '',
    'const app = new Koa()',
    '',
    ...use,
    '',
    '// Your auth middleware and router come after cors().',
    `app.use((ctx) => { if (ctx.method === ${q(c.ctx.method)} && ctx.path === ${q(beforeQuery(c.ctx.path) || '/')}) ctx.body = { ok: true } })`,
    '',
    'app.listen(3000)',
  ].join('\n')
  return frameworkFix(c, why(c), c.leads, {
    title: `Allow ${spec.origin} with @koa/cors`,
    full,
    changes: [
      {
        layer: 'app',
        where: WHERE.cors,
        snippet: ["import cors from '@koa/cors'", '', ...use].join('\n'),
      },
    ],
    requires: 'Koa 2 with @koa/cors ≥ 5',
  })
}
