/**
 * The stacks lab's broken setups: each one a real proxy and/or app configured the way users get CORS
 * wrong (landscape.md §2), the fetch the page makes, and what Chromium reports for it. `{page}` in a slot
 * is the page origin, known only at run time.
 */
import type { AppKind, ProxyKind, Slots, StackSpec } from './stack.ts'

export interface StackFetch {
  /** Path on the API origin, e.g. "/api/items". */
  readonly path: string
  readonly method: string
  readonly headers?: Readonly<Record<string, string>>
  readonly credentials?: 'omit' | 'include'
  readonly body?: string
}

export interface StackScenario {
  readonly id: string
  readonly title: string
  readonly proxy: ProxyKind | null
  readonly app: AppKind
  readonly proxySlots?: Slots
  readonly appSlots?: Slots
  readonly locationPath?: string
  readonly fetch: StackFetch
  /** CDP corsErrorStatus.corsError Chromium reports for the broken stack. */
  readonly expectCorsError: string
  /** false: nothing on the wire names the stack, so only stack-neutral cures may be offered (none is applied). */
  readonly named?: false
}

const PUT_WITH_KEY: StackFetch = {
  path: '/api/items',
  method: 'PUT',
  headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'k1' },
  body: '{"a":1}',
}
const GET: StackFetch = { path: '/api/items', method: 'GET' }

const FASTAPI_CORS = (args: string): string =>
  `from fastapi.middleware.cors import CORSMiddleware\napp.add_middleware(CORSMiddleware, ${args})`
const FLASK_CORS = (args: string): string =>
  `from flask_cors import CORS\nCORS(app${args ? `, ${args}` : ''})`

/** nginx's common preflight block that repeats only some headers: the location's ACAO is lost in it. */
const NGINX_IF_OPTIONS = `add_header Access-Control-Allow-Origin $http_origin always;
if ($request_method = OPTIONS) {
    add_header Access-Control-Allow-Methods "GET, PUT, OPTIONS";
    add_header Access-Control-Allow-Headers "Content-Type, X-Api-Key";
    return 204;
}`

/** nginx answers CORS on every status, while the proxied Express cors() answers the preflight too. */
const NGINX_CORS_ALWAYS = `add_header Access-Control-Allow-Origin $http_origin always;
add_header Access-Control-Allow-Methods "GET, PUT, OPTIONS" always;
add_header Access-Control-Allow-Headers "Content-Type, X-Api-Key" always;`

/** rs/cors wrapping the whole mux (Go): `handler` is the template's outermost handler. */
const GO_CORS = (options: string): string => `handler = cors.New(cors.Options{${options}}).Handler(mux)`

/** rack-cors, first in the Rails middleware stack, as config/initializers/cors.rb does it. */
const RAILS_CORS = (
  origins: string,
): string => `Rails.application.config.middleware.insert_before 0, Rack::Cors do
  allow do
    origins ${origins}
    resource "/api/*", headers: :any, methods: %i[get post put options head]
  end
end`

/** @fastify/cors registered at the root (fastify/fastify-cors README), `await`ed so its hooks come first. */
const FASTIFY_CORS = (options: string): string =>
  `import cors from '@fastify/cors'\nawait app.register(cors${options ? `, ${options}` : ''})`

/** HAProxy as the CORS layer the way its users often write it: http-response rules reach only the app's answers. */
const HAPROXY_CORS = 'http-response set-header Access-Control-Allow-Origin "*"'

/** hono/cors on every path, as Hono's docs show it. */
const HONO_CORS = (options: string): string =>
  `import { cors } from 'hono/cors'\napp.use('*', cors(${options}))`

/** @koa/cors first in the middleware stack, as its README shows it. */
const KOA_CORS = (options: string): string => `import cors from '@koa/cors'\napp.use(cors(${options}))`

export const STACK_SCENARIOS: readonly StackScenario[] = [
  {
    id: 'nginx-express-dup-star',
    title: "nginx add_header ACAO * on top of Express cors() ('*, *')",
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin *;' },
    appSlots: { app_cors: 'app.use(cors())' },
    fetch: GET,
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    id: 'nginx-fastapi-dup-origin-star',
    title: "nginx add_header ACAO * after FastAPI's own origin ('origin, *')",
    proxy: 'nginx',
    app: 'fastapi',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin * always;' },
    appSlots: { app_cors: FASTAPI_CORS('allow_origins=["{page}"]') },
    fetch: GET,
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    id: 'nginx-flask-dup-preflight',
    title: 'nginx add_header ACAO $http_origin on top of Flask-CORS, on the preflight',
    proxy: 'nginx',
    app: 'flask',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin $http_origin;' },
    appSlots: { app_cors: FLASK_CORS('') },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightMultipleAllowOriginValues',
  },
  {
    id: 'nginx-django-dup',
    title: 'nginx add_header ACAO * always on top of django-cors-headers',
    proxy: 'nginx',
    app: 'django',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin * always;' },
    appSlots: { app_cors: 'CORS_ALLOWED_ORIGINS = ["{page}"]' },
    fetch: { path: '/api/items/', method: 'GET' },
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    id: 'apache-express-dup-star-origin',
    title: "Apache Header always set ACAO * next to Express cors({origin}) ('*, origin')",
    proxy: 'apache',
    app: 'express',
    proxySlots: { location: 'Header always set Access-Control-Allow-Origin "*"' },
    appSlots: { app_cors: "app.use(cors({ origin: '{page}' }))" },
    fetch: GET,
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    id: 'caddy-express-dup-star',
    title: "Caddy header ACAO * (set before proxying) next to Express cors() ('*, *')",
    proxy: 'caddy',
    app: 'express',
    proxySlots: { site: 'header Access-Control-Allow-Origin *' },
    appSlots: { app_cors: 'app.use(cors())' },
    fetch: GET,
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    // VCL's own `set resp.http.…` replaces the app's line (measured on varnishd 7.1): a second ACAO line
    // needs header.append (vmod_header, varnish-modules), which adds one after Varnish's X-Varnish/Via.
    id: 'varnish-express-dup-append',
    title: "Varnish header.append ACAO in vcl_deliver next to Express cors() ('*, origin')",
    proxy: 'varnish',
    app: 'express',
    proxySlots: {
      top: 'import header;',
      vcl_deliver: 'header.append(resp.http.Access-Control-Allow-Origin, req.http.Origin);',
    },
    appSlots: { app_cors: 'app.use(cors())' },
    fetch: GET,
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    id: 'varnish-express-auth-preflight',
    title: 'behind Varnish, auth middleware before cors() answers the preflight 401 without CORS headers',
    proxy: 'varnish',
    app: 'express',
    appSlots: {
      app_middleware: 'app.use(requireAuth)',
      app_cors_late: "app.use(cors({ origin: '{page}' }))",
    },
    fetch: { path: '/api/private', method: 'GET', headers: { Authorization: 'Bearer t' } },
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'nginx-no-always-401',
    title: 'nginx add_header without `always`: the 401 from the app has no ACAO',
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin $http_origin;\nadd_header Vary Origin;' },
    fetch: { path: '/api/private', method: 'GET' },
    expectCorsError: 'MissingAllowOriginHeader',
  },
  {
    id: 'nginx-no-always-404',
    title: 'nginx add_header without `always`: the 404 from the app has no ACAO',
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin $http_origin;\nadd_header Vary Origin;' },
    fetch: { path: '/api/nope', method: 'GET' },
    expectCorsError: 'MissingAllowOriginHeader',
  },
  {
    id: 'nginx-no-always-500',
    title: 'nginx add_header without `always`: the 500 from the app has no ACAO',
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin $http_origin;\nadd_header Vary Origin;' },
    fetch: { path: '/api/boom', method: 'GET' },
    expectCorsError: 'MissingAllowOriginHeader',
  },
  {
    id: 'nginx-nested-location',
    title: "an add_header in the location drops the server block's CORS headers",
    proxy: 'nginx',
    app: 'express',
    proxySlots: {
      server: 'add_header Access-Control-Allow-Origin $http_origin always;\nadd_header Vary Origin always;',
      location_extra: 'add_header X-Content-Type-Options nosniff always;',
    },
    fetch: GET,
    expectCorsError: 'MissingAllowOriginHeader',
  },
  {
    id: 'nginx-if-options',
    title: 'OPTIONS answered in an nginx `if` block that loses the ACAO',
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location: NGINX_IF_OPTIONS },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'fastapi-allowlist',
    title:
      'Starlette answers the preflight 400 "Disallowed CORS origin": the page origin is not in allow_origins',
    proxy: null,
    app: 'fastapi',
    appSlots: {
      app_cors: FASTAPI_CORS(
        'allow_origins=["http://localhost:3000"], allow_methods=["*"], allow_headers=["*"]',
      ),
    },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'nginx-express-allowlist',
    title: 'Express cors allow-list without the page origin, behind a plain nginx proxy',
    proxy: 'nginx',
    app: 'express',
    appSlots: { app_cors: "app.use(cors({ origin: ['http://localhost:3000'] }))" },
    fetch: GET,
    expectCorsError: 'MissingAllowOriginHeader',
  },
  {
    id: 'django-allowlist',
    title: 'django-cors-headers answers the preflight 200 without ACAO: the origin is not allowed',
    proxy: null,
    app: 'django',
    appSlots: { app_cors: 'CORS_ALLOWED_ORIGINS = ["http://localhost:3000"]' },
    fetch: { ...PUT_WITH_KEY, headers: { 'Content-Type': 'application/json' }, path: '/api/items/' },
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'flask-auth-preflight',
    title: 'an auth check answers the preflight 401 (Flask before_request, flask-cors#170)',
    proxy: null,
    app: 'flask',
    appSlots: {
      app_cors: FLASK_CORS('origins=["{page}"]'),
      app_middleware: 'app.before_request(require_auth)',
    },
    fetch: { path: '/api/private', method: 'GET', headers: { Authorization: 'Bearer t' } },
    expectCorsError: 'PreflightInvalidStatus',
  },
  {
    id: 'express-auth-preflight',
    title: 'auth middleware before cors() answers the preflight 401 without CORS headers',
    proxy: null,
    app: 'express',
    appSlots: {
      app_middleware: 'app.use(requireAuth)',
      app_cors_late: "app.use(cors({ origin: '{page}' }))",
    },
    fetch: { path: '/api/private', method: 'GET', headers: { Authorization: 'Bearer t' } },
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'django-redirect-preflight',
    title: 'CommonMiddleware above CorsMiddleware redirects the preflight to the trailing-slash URL',
    proxy: null,
    app: 'django',
    appSlots: {
      app_middleware:
        'MIDDLEWARE = ["django.middleware.common.CommonMiddleware", "corsheaders.middleware.CorsMiddleware"]',
      app_cors: 'CORS_ALLOWED_ORIGINS = ["{page}"]\nCORS_ALLOW_HEADERS = ["content-type", "x-api-key"]',
    },
    fetch: { ...PUT_WITH_KEY, path: '/api/items' },
    expectCorsError: 'PreflightDisallowedRedirect',
  },
  {
    id: 'express-credentials-star',
    title: "credentials: 'include' against Express cors() defaults ('*')",
    proxy: null,
    app: 'express',
    appSlots: { app_cors: 'app.use(cors())' },
    fetch: { ...GET, credentials: 'include' },
    expectCorsError: 'WildcardOriginNotAllowed',
  },
  {
    id: 'express-missing-header',
    title: 'X-Api-Key is not in Express cors allowedHeaders',
    proxy: null,
    app: 'express',
    appSlots: { app_cors: "app.use(cors({ origin: '{page}', allowedHeaders: ['Content-Type'] }))" },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'HeaderDisallowedByPreflightResponse',
  },
  {
    id: 'django-missing-header',
    title: "X-Api-Key is not in django-cors-headers' default CORS_ALLOW_HEADERS",
    proxy: null,
    app: 'django',
    appSlots: { app_cors: 'CORS_ALLOWED_ORIGINS = ["{page}"]' },
    fetch: { ...PUT_WITH_KEY, path: '/api/items/' },
    expectCorsError: 'HeaderDisallowedByPreflightResponse',
  },
  {
    id: 'fastapi-missing-header',
    title: 'Starlette answers 400 "Disallowed CORS headers": X-Api-Key is not in allow_headers',
    proxy: null,
    app: 'fastapi',
    appSlots: { app_cors: FASTAPI_CORS('allow_origins=["{page}"], allow_methods=["*"]') },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightInvalidStatus',
  },
  {
    id: 'express-missing-method',
    title: 'PUT is not in Express cors methods',
    proxy: null,
    app: 'express',
    appSlots: { app_cors: "app.use(cors({ origin: '{page}', methods: ['GET', 'POST'] }))" },
    fetch: { ...PUT_WITH_KEY, headers: { 'Content-Type': 'application/json' } },
    expectCorsError: 'MethodDisallowedByPreflightResponse',
  },
  {
    id: 'nginx-express-preflight-dup',
    title:
      "Express cors() answers the proxied preflight and nginx's add_header … always lines follow it ('*, origin')",
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location: NGINX_CORS_ALWAYS },
    appSlots: { app_cors: 'app.use(cors())' },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightMultipleAllowOriginValues',
  },
  {
    id: 'go-rs-cors-missing-header',
    title: 'rs/cors (Go) drops every CORS header from the preflight: X-Api-Key is not in AllowedHeaders',
    proxy: null,
    app: 'go',
    appSlots: {
      app_cors: GO_CORS(
        'AllowedOrigins: []string{"{page}"}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"Content-Type"}',
      ),
    },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'nginx-go-no-cors',
    title: 'a Go net/http API with no CORS at all behind a plain nginx proxy',
    proxy: 'nginx',
    app: 'go',
    fetch: GET,
    expectCorsError: 'MissingAllowOriginHeader',
  },
  {
    id: 'fastify-missing-method',
    title: "PUT is not in @fastify/cors' default methods (GET,HEAD,POST)",
    proxy: null,
    app: 'fastify',
    appSlots: { app_cors: FASTIFY_CORS("{ origin: '{page}' }") },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'MethodDisallowedByPreflightResponse',
  },
  {
    id: 'fastify-auth-preflight',
    title: 'an onRequest auth hook added before @fastify/cors answers the preflight 401',
    proxy: null,
    app: 'fastify',
    appSlots: {
      app_middleware: "app.addHook('onRequest', requireAuth)",
      app_cors_late: FASTIFY_CORS("{ origin: '{page}' }"),
    },
    fetch: { path: '/api/private', method: 'GET', headers: { Authorization: 'Bearer t' } },
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'fastify-no-cors-preflight',
    title: "Fastify without @fastify/cors: the preflight gets Fastify's own 404 (no OPTIONS route)",
    proxy: null,
    app: 'fastify',
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'nginx-fastify-dup-star',
    title: "nginx add_header ACAO * on top of @fastify/cors defaults ('*, *')",
    proxy: 'nginx',
    app: 'fastify',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin *;' },
    appSlots: { app_cors: FASTIFY_CORS('') },
    fetch: GET,
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    id: 'haproxy-express-503-down',
    title: "the app is out of rotation: HAProxy's own 503 page has none of its http-response CORS lines",
    proxy: 'haproxy',
    app: 'express',
    proxySlots: { frontend: HAPROXY_CORS, server_options: 'disabled' },
    fetch: GET,
    expectCorsError: 'MissingAllowOriginHeader',
  },
  {
    id: 'haproxy-deny-options',
    title: 'a HAProxy method allow-list without OPTIONS answers the preflight with its own 403 page',
    proxy: 'haproxy',
    app: 'express',
    proxySlots: {
      frontend: HAPROXY_CORS,
      frontend_rules: 'acl api_methods method GET HEAD POST PUT DELETE\nhttp-request deny unless api_methods',
    },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightMissingAllowOriginHeader',
  },
  {
    id: 'haproxy-express-dup-add',
    title:
      "HAProxy http-response add-header ACAO * next to Express cors({origin}) ('origin, *'): add-header appends",
    proxy: 'haproxy',
    app: 'express',
    proxySlots: { frontend: 'http-response add-header Access-Control-Allow-Origin "*"' },
    appSlots: { app_cors: "app.use(cors({ origin: '{page}' }))" },
    fetch: GET,
    expectCorsError: 'MultipleAllowOriginValues',
  },
  {
    id: 'hono-missing-header',
    title: 'X-Api-Key is not in hono/cors allowHeaders',
    proxy: null,
    app: 'hono',
    appSlots: { app_cors: HONO_CORS("{ origin: '{page}', allowHeaders: ['Content-Type'] }") },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'HeaderDisallowedByPreflightResponse',
  },
  {
    // The 401 is the app's own JSON and Node's trailer is every Node server's: nothing names Hono.
    id: 'hono-auth-preflight',
    title: 'an auth middleware used before hono/cors answers the preflight 401: no mark names the app',
    proxy: null,
    app: 'hono',
    appSlots: {
      app_middleware: "app.use('/api/*', requireAuth)",
      app_cors_late: HONO_CORS("{ origin: '{page}' }"),
    },
    fetch: { path: '/api/private', method: 'GET', headers: { Authorization: 'Bearer t' } },
    expectCorsError: 'PreflightMissingAllowOriginHeader',
    named: false,
  },
  {
    id: 'nginx-hono-preflight-dup',
    title:
      "hono/cors answers the proxied preflight and nginx's add_header … always lines follow it ('*, origin')",
    proxy: 'nginx',
    app: 'hono',
    proxySlots: { location: NGINX_CORS_ALWAYS },
    appSlots: { app_cors: HONO_CORS('') },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'PreflightMultipleAllowOriginValues',
  },
  {
    id: 'koa-missing-header',
    title: 'X-Api-Key is not in @koa/cors allowHeaders',
    proxy: null,
    app: 'koa',
    appSlots: { app_cors: KOA_CORS("{ origin: '{page}', allowHeaders: ['Content-Type'] }") },
    fetch: PUT_WITH_KEY,
    expectCorsError: 'HeaderDisallowedByPreflightResponse',
  },
  {
    // '*' with credentials; the GET's answer carries nothing of Koa's own.
    id: 'koa-credentials-star',
    title: "credentials: 'include' against @koa/cors defaults ('*'): no mark names the app",
    proxy: null,
    app: 'koa',
    appSlots: { app_cors: KOA_CORS('') },
    fetch: { ...GET, credentials: 'include' },
    expectCorsError: 'WildcardOriginNotAllowed',
    named: false,
  },
  {
    id: 'rails-rack-cors-allowlist',
    title: "rack-cors (Rails) allows only another origin: the page's GET gets no ACAO",
    proxy: null,
    app: 'rails',
    appSlots: { app_cors: RAILS_CORS('"http://localhost:3000"') },
    fetch: GET,
    expectCorsError: 'MissingAllowOriginHeader',
  },
]

/** Put the page origin into every slot of a scenario. */
export function specFor(s: StackScenario, pageOrigin: string): StackSpec {
  const fill = (slots: Slots | undefined): Slots =>
    Object.fromEntries(Object.entries(slots ?? {}).map(([k, v]) => [k, v.replaceAll('{page}', pageOrigin)]))
  return {
    proxy: s.proxy,
    app: s.app,
    proxySlots: fill(s.proxySlots),
    appSlots: fill(s.appSlots),
    ...(s.locationPath ? { locationPath: s.locationPath } : {}),
  }
}
