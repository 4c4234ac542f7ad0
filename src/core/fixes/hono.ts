/**
 * Hono recipe: Hono 4 with its built-in cors middleware (hono/cors), JavaScript ES module, on any runtime
 * (the lab runs it on @hono/node-server). app.use('*', cors(…)) before any auth middleware and route: the
 * middleware answers OPTIONS itself with 204, so it must run before middleware that would reject a
 * credential-less preflight. https://hono.dev/docs/middleware/builtin/cors
 */
import type { Fix } from '../fix.ts'
import type { Recipe } from './context.ts'
import { jsString } from './escape.ts'
import { beforeQuery } from './failure.ts'
import { type Case, type Framework, frameworkCase, frameworkFix } from './framework.ts'
import { proxySentCors } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: "the Hono app's entry (e.g. server.mjs) — right after const app = new Hono(), before any middleware or route",
} as const

export const recipe: Recipe = (ctx) => {
  const c = frameworkCase(ctx, FRAMEWORK)
  if (c === null) return []
  // No "remove it from Hono" alternative (frameworkFixes' removal): applied in the lab behind nginx it left
  // the preflight to Hono's 404 (PreflightInvalidStatus). The proxy's own recipe is that cure, complete.
  return [middlewareFix(c)]
}

const FRAMEWORK: Framework = { stack: 'hono', name: 'Hono', comment: '//' }

const q = jsString
const qlist = (xs: readonly string[]): string => `[${xs.map(q).join(', ')}]`

function why({ ctx, kind, spec, seen }: Case): string {
  const { observed, preflightStatus, failed } = seen
  switch (kind) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in hono/cors only, one exact origin goes out.`
        : 'The app sent the header twice: keep this one cors() and delete c.header calls adding Access-Control-* headers.'
    case 'wildcard-credentials':
    case 'credentials-flag':
      return 'The request carries credentials: cors() needs credentials: true with an explicit origin, never its default "*".'
    case 'origin-mismatch':
    case 'missing':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; browsers compare origins exactly: scheme, host, port, no trailing slash.`
        : `No Access-Control-Allow-Origin came back: cors() adds it only on the paths its app.use covers, for an allowed origin.`
    case 'error-response':
      return `The ${ctx.exchange.response?.status ?? 'error'} answer had no CORS headers; cors() first on '*' sets them before any handler runs.`
    case 'preflight-missing':
    case 'preflight-status':
    case 'auth-redirect':
      return preflightStatus === 401 || preflightStatus === 403
        ? `The preflight got ${preflightStatus}: an auth middleware ran before cors(); used first, cors() answers OPTIONS with 204 before auth.`
        : `The preflight got ${preflightStatus ?? 'no CORS answer'}: cors() used first on '*' answers OPTIONS with 204 and the exact origin.`
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
    '// First, on every path: it answers preflights (204) before any auth middleware runs.',
    "app.use('*', cors({",
    ...options.map((l) => `  ${l}`),
    '}))',
  ]
  const full = [
    '// server.mjs — Hono 4 with hono/cors (on Node: npm install hono @hono/node-server)',
    "import { serve } from '@hono/node-server'",
    "import { Hono } from 'hono'",
    "import { cors } from 'hono/cors'",
    '',
    'const app = new Hono()',
    '',
    ...use,
    '',
    '// Your auth middleware and routes come after cors().',
    `app.on(${q(c.ctx.method)}, ${q(beforeQuery(c.ctx.path) || '/')}, (c) => c.json({ ok: true }))`,
    '',
    'serve({ fetch: app.fetch, port: 3000 })',
  ].join('\n')
  return frameworkFix(c, why(c), c.leads, {
    title: `Allow ${spec.origin} with hono/cors`,
    full,
    changes: [
      {
        layer: 'app',
        where: WHERE.cors,
        snippet: ["import { cors } from 'hono/cors'", '', ...use].join('\n'),
      },
    ],
    requires: 'Hono 4 (hono/cors)',
  })
}
