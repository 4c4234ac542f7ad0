/**
 * Fastify recipe: Fastify 5 with @fastify/cors (10 or later), JavaScript ES module. The plugin registered at
 * the root before any auth hook or route: it answers preflights from its onRequest hook, so it must run
 * before hooks that would reject a credential-less OPTIONS.
 */
import type { Fix, FixChange } from '../fix.ts'
import type { FixContext, Recipe } from './context.ts'
import { jsString } from './escape.ts'
import { beforeQuery, preflightRefused } from './failure.ts'
import { type Case, type Framework, frameworkCase, frameworkFix, frameworkFixes } from './framework.ts'
import { proxySentCors } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  install: 'shell, in the API project',
  cors: 'server entry (e.g. server.mjs) — right after const app = Fastify(), before any auth hook, plugin or route',
  registration: 'server entry — the @fastify/cors registration',
} as const

export const recipe: Recipe = (ctx) => {
  const c = frameworkCase(ctx, FRAMEWORK)
  if (c === null) return []
  const fixes: Fix[] = [pluginFix(c, null, primaryWhy(c), c.leads)]
  if (strictPreflightRefused(ctx)) fixes.push(pluginFix(c, false, LENIENT_WHY, false))
  return frameworkFixes(c, fixes, REMOVAL)
}

const FRAMEWORK: Framework = { stack: 'fastify', name: 'Fastify', comment: '//' }
const LENIENT_WHY =
  'Only if a layer you cannot change strips Origin or Access-Control-Request-Method from OPTIONS: strictPreflight: false stops the 400.'

const q = jsString
const qlist = (xs: readonly string[]): string => `[${xs.map(q).join(', ')}]`

/** @fastify/cors' strictPreflight answers 400 "Invalid Preflight Request" to an OPTIONS missing its CORS headers. */
function strictPreflightRefused(ctx: FixContext): boolean {
  const preflight = ctx.exchange.preflight?.response
  return preflight?.status === 400 && (preflight.bodySnippet ?? '').includes('Invalid Preflight Request')
}

function primaryWhy({ ctx, kind, spec, seen }: Case): string {
  const { observed, preflightStatus, failed, redirect, warning } = seen
  switch (kind) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in @fastify/cors only, one exact origin goes out.`
        : 'The app sent the header twice: keep this one plugin registration and delete reply.header calls or hooks adding Access-Control-* headers.'
    case 'wildcard-credentials':
      return `With credentials the browser needs the exact origin, never "*": credentials: true with an explicit origin, not the default '*'.`
    case 'credentials-flag':
      return 'The request carries credentials, so the plugin needs credentials: true — with an explicit origin, never the default "*".'
    case 'origin-mismatch':
    case 'missing':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; browsers compare origins exactly: scheme, host, port, no trailing slash.`
        : `No Access-Control-Allow-Origin came back: @fastify/cors adds it only where it is registered, and only for an allowed origin.`
    case 'error-response': {
      const status = ctx.exchange.response?.status ?? 'error'
      return `The ${status} answer had no CORS headers; registered at the root, the plugin sets them in onRequest, before any handler can fail.`
    }
    case 'preflight-missing':
    case 'preflight-status':
    case 'auth-redirect': {
      if (redirect !== null) {
        return `The preflight was redirected to ${redirect} (an auth redirect); registered first, @fastify/cors replies to it in onRequest, before auth hooks.`
      }
      if (strictPreflightRefused(ctx)) {
        return `The preflight got 400 "Invalid Preflight Request": it reached Fastify without Origin or Access-Control-Request-Method — find the layer stripping them.`
      }
      if (preflightStatus === 401 || preflightStatus === 403) {
        return `The preflight got ${preflightStatus}: an auth hook ran before @fastify/cors; registered first, its onRequest hook replies to the preflight before auth.`
      }
      if (preflightStatus === 404) {
        return `The preflight got 404 (no OPTIONS route): @fastify/cors adds one where it is registered — at the root, before the routes.`
      }
      return `The preflight got ${preflightStatus ?? 'no CORS answer'}: the plugin at the root answers OPTIONS with the exact origin.`
    }
    case 'method':
      return `The preflight did not allow ${failed || ctx.method}; @fastify/cors allows only GET, HEAD and POST unless methods lists more.`
    case 'header':
      return `The preflight did not allow the ${failed || 'requested'} header; allowedHeaders now lists every header the page sends.`
    case 'warning':
      return `Addresses "${warning}": @fastify/cors sends one exact origin with Vary: Origin, preflights included.`
  }
}

/** The page's route, so the module runs as is and shows where the app's own routes go. */
function route(ctx: FixContext): string {
  const url = q(beforeQuery(ctx.path) || '/')
  return `app.route({ method: ${q(ctx.method)}, url: ${url}, handler: async () => ({ ok: true }) })`
}

/** strictPreflight null: leave it at its default (true). */
function pluginFix(c: Case, strictPreflight: boolean | null, why: string, recommended: boolean): Fix {
  const spec = c.spec
  const options = [
    spec.anyOrigin
      ? `origin: '*', // the request had no Origin; never with credentials: true`
      : `origin: ${q(spec.origin)}, // exact: scheme, host and port, no trailing slash`,
    `methods: ${qlist(spec.methods)},`,
    `allowedHeaders: ${qlist(spec.headers)},`,
    ...(spec.credentials ? [`credentials: true, // only with an explicit origin, never '*'`] : []),
    ...(preflightRefused(c.kind)
      ? [`hook: 'onRequest', // the default; a later hook lets auth hooks reject the preflight first`]
      : []),
    ...(strictPreflight === false
      ? ['strictPreflight: false, // answers OPTIONS even without Origin / Access-Control-Request-Method']
      : []),
    'maxAge: 600,',
  ]
  const register = [
    '// Registered first, at the root: its onRequest hook answers preflights before any auth hook runs.',
    'await app.register(cors, {',
    ...options.map((l) => `  ${l}`),
    '})',
  ]
  const full = [
    '// server.mjs — Fastify 5 with @fastify/cors (npm install @fastify/cors)',
    "import cors from '@fastify/cors'",
    "import Fastify from 'fastify'",
    '',
    'const app = Fastify({ logger: true })',
    '',
    ...register,
    '',
    '// Your auth hooks and routes come after the plugin.',
    route(c.ctx),
    '',
    'await app.listen({ port: 3000 })',
  ].join('\n')
  return frameworkFix(c, why, recommended, {
    title:
      strictPreflight === false
        ? 'Accept preflights without CORS request headers (strictPreflight: false)'
        : `Allow ${spec.origin} with @fastify/cors`,
    full,
    changes: [
      { layer: 'app', where: WHERE.install, snippet: 'npm install @fastify/cors' },
      {
        layer: 'app',
        where: WHERE.cors,
        snippet: ["import cors from '@fastify/cors'", '', ...register].join('\n'),
      },
    ],
    requires: 'Fastify 5 with @fastify/cors ≥ 10',
  })
}

/** The other single layer: what to delete so the proxy keeps CORS and Fastify sends none. */
const REMOVAL: readonly FixChange[] = [
  {
    layer: 'app',
    where: WHERE.registration,
    snippet: [
      "// Delete the @fastify/cors import and its app.register(cors, …), and any reply.header('Access-Control-…').",
      '// The proxy must then answer OPTIONS preflights itself, on every status.',
    ].join('\n'),
  },
]
