/**
 * Rails recipe: Rails 7 with rack-cors 2, Ruby. One Rack::Cors block inserted at position 0 of the middleware
 * stack, so it answers preflights before Warden/Devise, ActionDispatch::Static or Rack::Cache can, and wraps
 * the exception pages too.
 */
import type { Fix, FixChange } from '../fix.ts'
import type { Recipe } from './context.ts'
import { rubyString } from './escape.ts'
import { preflightRefused } from './failure.ts'
import { type Case, type Framework, frameworkCase, frameworkFix, frameworkFixes } from './framework.ts'
import { proxySentCors } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  gemfile: 'Gemfile',
  cors: 'config/initializers/cors.rb — the whole file (replaces any other Rack::Cors block)',
} as const

export const recipe: Recipe = (ctx) => {
  const c = frameworkCase(ctx, FRAMEWORK)
  if (c === null) return []
  // rack-cors' debug header names the miss reason (no-path, deny-method, deny-header…) for preflight trouble.
  const debug = preflightRefused(c.kind) || c.kind === 'method' || c.kind === 'header'
  const fixes: Fix[] = [initializerFix(c, null, debug, primaryWhy(c), c.leads)]
  const pattern =
    c.kind === 'wildcard-credentials' && !c.spec.anyOrigin ? siblingOrigins(c.spec.origin) : null
  if (pattern !== null) fixes.push(initializerFix(c, pattern, debug, PATTERN_WHY, false))
  return frameworkFixes(c, fixes, REMOVAL)
}

const FRAMEWORK: Framework = { stack: 'rails', name: 'Rails', comment: '#' }
const PATTERN_WHY = `Several sub-domains? origins "*" with credentials: true raises at boot; a Regexp allow-list echoes each matching origin.`

const rb = rubyString

/** A Regexp literal for the origin's sibling sub-domains (same scheme and port), or null for a bare host. */
function siblingOrigins(origin: string): string | null {
  const m = /^(https?):\/\/([^/:[\]]+)(:\d+)?$/i.exec(origin)
  const host = m?.[2] ?? ''
  const labels = host.split('.')
  if (!m || labels.length < 3 || /^[\d.]+$/.test(host)) return null
  const escapeDots = (s: string): string => s.replace(/[.]/g, '\\.')
  return `%r{\\A${m[1]}://[a-z0-9-]+\\.${escapeDots(labels.slice(1).join('.'))}${m[3] ?? ''}\\z}`
}

function primaryWhy({ ctx, kind, spec, seen }: Case): string {
  const { observed, preflightStatus, failed, redirect, warning } = seen
  switch (kind) {
    case 'duplicate':
      return proxySentCors(ctx)
        ? `Two layers each sent Access-Control-Allow-Origin (${observed ?? 'twice'}); with CORS in rack-cors only, one exact origin goes out.`
        : 'The app sent the header twice: keep this one Rack::Cors block and delete headers set by hand in controllers or other middleware.'
    case 'wildcard-credentials':
      return `With credentials the browser needs the exact origin, never "*"; rack-cors refuses credentials: true with origins "*".`
    case 'credentials-flag':
      return 'The request carries credentials, so the resource needs credentials: true — which rack-cors accepts only with explicit origins.'
    case 'origin-mismatch':
    case 'missing':
      return observed
        ? `The header said '${observed}', not '${spec.origin}'; rack-cors compares origins exactly: scheme, host, port and no trailing slash.`
        : `No Access-Control-Allow-Origin came back: rack-cors adds it only for an allowed origin on a matching resource path.`
    case 'error-response': {
      const status = ctx.exchange.response?.status ?? 'error'
      return `The ${status} answer had no CORS headers; at position 0 Rack::Cors wraps the exception pages too, so error answers carry them.`
    }
    case 'preflight-missing':
    case 'preflight-status':
    case 'auth-redirect': {
      if (redirect !== null) {
        return `The preflight was redirected to ${redirect} (a sign-in redirect); Rack::Cors at position 0 answers it before Warden/Devise.`
      }
      if (preflightStatus === 401 || preflightStatus === 403) {
        return `The preflight got ${preflightStatus}: it carries no credentials, so auth refused it; insert_before 0 puts Rack::Cors in front to answer it.`
      }
      if (preflightStatus === 404) {
        return `The preflight got 404 (no route for OPTIONS): rack-cors answers only preflights matching a resource path and method — this one does.`
      }
      return `The preflight got ${preflightStatus ?? 'no CORS answer'}: Rack::Cors first in the stack answers it with the exact origin.`
    }
    case 'method':
      return `The preflight did not allow ${failed || ctx.method}; the resource's methods: list now holds every method the page sends.`
    case 'header':
      return `The preflight did not allow the ${failed || 'requested'} header; the resource's headers: list now holds every header the page sends.`
    case 'warning':
      return `Addresses "${warning}": rack-cors sends one exact origin with Vary: Origin, preflights included.`
  }
}

function initializerFix(
  c: Case,
  pattern: string | null,
  debug: boolean,
  why: string,
  recommended: boolean,
): Fix {
  const spec = c.spec
  // rack-cors matches methods as lower-case symbols; the preflight itself needs :options listed.
  const methods = [...new Set([...spec.methods.map((m) => m.toLowerCase()), 'options', 'head'])]
  const origins = spec.anyOrigin
    ? 'origins "*" # the request had no Origin; never with credentials: true'
    : pattern
      ? `origins ${pattern} # ${spec.origin} and its siblings, each echoed back exactly`
      : `origins ${rb(spec.origin)} # exact: scheme, host and port, no trailing slash`
  const options = [
    `headers: %w[${spec.headers.join(' ')}],`,
    `methods: %i[${methods.join(' ')}],`,
    ...(spec.credentials ? ['credentials: true, # only with explicit origins: rack-cors raises on "*"'] : []),
    'max_age: 600',
  ]
  const resource = spec.prefix ? `${spec.prefix}/*` : '*'
  const initializer = [
    '# config/initializers/cors.rb',
    '# insert_before 0: Rack::Cors must come before Warden/Devise, ActionDispatch::Static and Rack::Cache.',
    ...(debug
      ? ['# To see why a preflight misses, add debug: true after Rack::Cors (adds an x-rack-cors header).']
      : []),
    'Rails.application.config.middleware.insert_before 0, Rack::Cors do',
    '  allow do',
    `    ${origins}`,
    `    resource ${rb(resource)},`,
    ...options.map((l) => `      ${l}`),
    '  end',
    'end',
  ].join('\n')
  const gemfile = 'gem "rack-cors" # then: bundle install'
  return frameworkFix(c, why, recommended, {
    title: pattern
      ? 'Allow the sibling sub-domains with credentials (Regexp origins)'
      : `Allow ${spec.origin} with rack-cors`,
    full: `# Gemfile\n${gemfile}\n\n${initializer}`,
    changes: [
      { layer: 'app', where: WHERE.gemfile, snippet: gemfile },
      { layer: 'app', where: WHERE.cors, snippet: initializer },
    ],
    requires: 'Rails 7 with rack-cors 2',
  })
}

/** The other single layer: what to delete so the proxy keeps CORS and Rails sends none. */
const REMOVAL: readonly FixChange[] = [
  {
    layer: 'app',
    where: 'config/initializers/cors.rb and Gemfile',
    snippet: [
      '# Delete config/initializers/cors.rb (the Rack::Cors block), gem "rack-cors" and any header set by hand.',
      '# The proxy must then answer OPTIONS preflights itself, on every status.',
    ].join('\n'),
  },
]
