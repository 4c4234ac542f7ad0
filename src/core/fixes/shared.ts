/**
 * What every recipe shares: the values a cure must allow, the fixed `where` phrases (the e2e test maps them
 * to template slots), the Fix builder that joins the per-layer changes into one copy-ready snippet, and the
 * shapes the proxy and the app recipes build their cures in. The kind of failure is failure.ts's.
 */
import { isCorsSafelistedMethod } from '../fetch-rules.ts'
import type { Fix, FixChange, Layer, Stack } from '../fix.ts'
import type { FixContext } from './context.ts'
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

// The `where` phrases: fixed, so a reader (and the lab's cure test) knows exactly where each part goes.
/** Every CORS response header, as the proxy recipes name them when they remove the app's (or their own) lines. */
export const CORS_RESPONSE_HEADERS = [
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Credentials',
  'Access-Control-Allow-Methods',
  'Access-Control-Allow-Headers',
  'Access-Control-Expose-Headers',
  'Access-Control-Max-Age',
] as const

export const WHERE = {
  nginxHttp: 'nginx.conf, inside http { } (outside any server { })',
  nginxServer: "nginx.conf, the API's server { } block",
  nginxLocation: 'nginx.conf, inside the location that proxies the API',
  apacheLocation: 'Apache config, inside the <Location> (or <VirtualHost>) that proxies the API',
  caddySite: "Caddyfile, the API's site block",
  varnishRecv: 'default.vcl, inside sub vcl_recv (first, before any return)',
  varnishBackendResponse: 'default.vcl, inside sub vcl_backend_response',
  varnishDeliver: 'default.vcl, inside sub vcl_deliver',
  varnishSynth: 'default.vcl, inside sub vcl_synth',
  haproxyFrontend:
    'haproxy.cfg, the frontend that receives the API requests, before its other http-request rules',
  expressCors: 'app.js, before any auth middleware and routes, replacing any other cors() setup',
  expressAuth: 'your auth middleware, as its first line',
  fastapiCors: 'main.py, after app = FastAPI(), replacing any other CORSMiddleware setup',
  flaskCors: 'app.py, after app = Flask(__name__), replacing any other CORS(app) setup',
  flaskAuth: 'your auth check (before_request or decorator), as its first line',
  djangoSettings: 'settings.py, at the end (after MIDDLEWARE), replacing any other CORS_* settings',
  fastifyInstall: 'shell, in the API project',
  fastifyEntry:
    'server entry (e.g. server.mjs) — right after const app = Fastify(), before any auth hook, plugin or route',
  honoApp:
    "the Hono app's entry (e.g. server.mjs) — right after const app = new Hono(), before any middleware or route",
  koaApp:
    "the Koa app's entry (e.g. server.mjs) — right after const app = new Koa(), before any middleware or router",
  railsGemfile: 'Gemfile',
  railsInitializer: 'config/initializers/cors.rb — the whole file (replaces any other Rack::Cors block)',
  goHandler: 'main.go, where the server is built: wrap the whole router (mux) in rs/cors',
  laravelConfig: 'config/cors.php — the whole file',
  client: 'your front-end code, where the request is made',
} as const

export type Lang = 'nginx' | 'apache' | 'caddy' | 'vcl' | 'haproxy' | 'js' | 'python'

export interface ChangeSpec {
  readonly layer: Layer
  readonly where: string
  readonly snippet: string
  readonly lang: Lang
}

const COMMENT: Record<Lang, string> = {
  nginx: '#',
  apache: '#',
  caddy: '#',
  vcl: '#',
  haproxy: '#',
  js: '//',
  python: '#',
}

export function makeFix(p: {
  stack: Stack
  layer: Layer
  recommended: boolean
  title: string
  label?: string
  why: string
  changes: readonly ChangeSpec[]
  requires?: string
}): Fix {
  const changes: FixChange[] = p.changes.map(({ layer, where, snippet }) => ({ layer, where, snippet }))
  // One change: its snippet is the cure. Several: each part under a comment saying where it goes.
  const first = p.changes[0]
  const snippet =
    p.changes.length === 1 && first
      ? first.snippet
      : p.changes.map((c) => `${COMMENT[c.lang]} ${c.where}:\n${c.snippet}`).join('\n\n')
  return {
    stack: p.stack,
    layer: p.layer,
    recommended: p.recommended,
    title: p.title,
    ...(p.label ? { label: p.label } : {}),
    why: p.why,
    snippet,
    changes,
    ...(p.requires ? { requires: p.requires } : {}),
  }
}

const APP_NAMES: Partial<Record<Stack, string>> = {
  express: 'cors() middleware',
  fastapi: 'CORSMiddleware',
  flask: 'Flask-CORS setup',
  django: 'django-cors-headers middleware',
}

/** The app-side half of "CORS only at the proxy": take the app's own CORS out. */
export function appRemoval(app: Stack | null, proxyName: string): ChangeSpec {
  const why = `CORS is answered by ${proxyName} only`
  switch (app) {
    case 'express':
      return {
        layer: 'app',
        where: WHERE.expressCors,
        lang: 'js',
        snippet: `// ${why}: no app.use(cors(...)) here.`,
      }
    case 'fastapi':
      return {
        layer: 'app',
        where: WHERE.fastapiCors,
        lang: 'python',
        snippet: `# ${why}: no CORSMiddleware here.`,
      }
    case 'flask':
      return { layer: 'app', where: WHERE.flaskCors, lang: 'python', snippet: `# ${why}: no CORS(app) here.` }
    case 'django':
      return {
        layer: 'app',
        where: WHERE.djangoSettings,
        lang: 'python',
        snippet: `# ${why}: take django-cors-headers out.\nMIDDLEWARE = [m for m in MIDDLEWARE if m != "corsheaders.middleware.CorsMiddleware"]`,
      }
    default:
      return {
        layer: 'app',
        where: 'your app',
        lang: 'js',
        snippet: `Remove the app's own CORS middleware and any code that sets Access-Control-* headers: ${why}. (${proxyName} also hides them, so a leftover does no harm.)`,
      }
  }
}

export function appLabel(app: Stack | null): string {
  return (app && APP_NAMES[app]) ?? "the app's CORS middleware"
}

/** A regex alternation that matches exactly these origins (dots and other specials escaped). */
export function originRegex(origins: readonly string[]): string {
  return `^(${origins.map((o) => o.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`
}

export const q = (s: string): string => JSON.stringify(s)

/**
 * An origin-dependent ACAO must name Origin in Vary, or Varnish's cache serves one origin's answer to
 * another: added here when the app forgot (Varnish honours the backend's Vary for its cache key).
 */
export const VARNISH_VARY_ORIGIN = `if (beresp.http.Access-Control-Allow-Origin && beresp.http.Access-Control-Allow-Origin != "*") {
    if (!beresp.http.Vary) {
        set beresp.http.Vary = "Origin";
    } elsif (beresp.http.Vary !~ "(?i)\\borigin\\b") {
        set beresp.http.Vary = beresp.http.Vary + ", Origin";
    }
}`

function varnishPlain(): ChangeSpec[] {
  return [
    {
      layer: 'proxy',
      where: WHERE.varnishDeliver,
      lang: 'vcl',
      snippet:
        "# Varnish passes the app's CORS headers through: no resp.http.Access-Control-* lines and no header.append of them here.",
    },
    {
      layer: 'proxy',
      where: WHERE.varnishBackendResponse,
      lang: 'vcl',
      snippet: `# Cache one answer per Origin.\n${VARNISH_VARY_ORIGIN}`,
    },
  ]
}

/** The proxy-side half of "CORS in the app only": delete the proxy's CORS lines (the comment replaces them). */
export function proxyRemoval(proxy: Stack | null): ChangeSpec[] {
  switch (proxy) {
    case 'nginx': {
      const snippet =
        "# nginx passes the app's CORS headers through untouched: no add_header Access-Control-* and no OPTIONS if-block here."
      return [
        { layer: 'proxy', where: WHERE.nginxServer, lang: 'nginx', snippet },
        { layer: 'proxy', where: WHERE.nginxLocation, lang: 'nginx', snippet },
      ]
    }
    case 'apache':
      return [
        {
          layer: 'proxy',
          where: WHERE.apacheLocation,
          lang: 'apache',
          snippet:
            "# Apache passes the app's CORS headers through untouched: no Header … Access-Control-* lines here.",
        },
      ]
    case 'caddy':
      return [
        {
          layer: 'proxy',
          where: WHERE.caddySite,
          lang: 'caddy',
          snippet:
            "# Caddy passes the app's CORS headers through untouched: no header Access-Control-* lines here.",
        },
      ]
    case 'varnish':
      return varnishPlain()
    case 'haproxy':
      return [
        {
          layer: 'proxy',
          where: WHERE.haproxyFrontend,
          lang: 'haproxy',
          snippet:
            "# HAProxy passes the app's CORS headers through: no set-header, add-header or return of Access-Control-* here.",
        },
      ]
    default:
      return []
  }
}

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
  const proxy = proxySentCors(ctx) ? proxyRemoval(ctx.attribution.proxy) : []
  return makeFix({
    stack,
    layer: 'app',
    recommended: true,
    title: proxy.length ? `${title}; ${ctx.attribution.proxy} as a plain proxy` : title,
    label: `${ctx.stackName(stack)} only`,
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
  },
): Fix[] {
  const duplicate = failureKind(ctx) === 'duplicate'
  const only = appSentCors(ctx)
    ? [...p.only.changes, appRemoval(ctx.attribution.app, p.name)]
    : p.only.changes
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
  if (duplicate && appOriginValueOk(ctx))
    fixes.push(
      makeFix({
        stack: p.stack,
        layer: 'proxy',
        recommended: false,
        title: `CORS in the app only: ${p.name} as a plain proxy`,
        label: `${ctx.attribution.app ? ctx.stackName(ctx.attribution.app) : 'app'} only (${p.name} plain proxy)`,
        why: `The app already sends a valid Access-Control-Allow-Origin; deleting ${p.name}'s ${p.directive} lines leaves exactly one.`,
        changes: proxyRemoval(p.stack),
      }),
    )
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
