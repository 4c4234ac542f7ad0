/**
 * Local Network Access scenarios: a page on a public address calls a loopback or local one. The lab's
 * Chromium flags (lab.chromiumArgs, with `localNetwork`) make the public pages' ports public and the
 * printer.local port local; every API host stays loopback. Targets are named the way people name them:
 * http://127.0.0.1:port and http://localhost:port (a dev API), http://printer.local:port (a device).
 * `expectCorsError` is what Chromium 156 reported through CDP (Network.loadingFailed.corsErrorStatus).
 *
 * Measured, not assumed: the http page gets InsecureLocalNetwork (the preflight of a PUT fails with
 * net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS, the request with net::ERR_FAILED); the https page without
 * the permission gets LocalNetworkAccessPermissionDenied (headless Chromium denies without a prompt); with
 * the permissions granted (CDP Browser.grantPermissions 'loopbackNetwork' and 'localNetwork' — the legacy
 * 'localNetworkAccess' grants nothing) ordinary CORS applies again. A same-site subframe without
 * allow="local-network-access" is denied without the permission and let through with it: Chromium 156 does
 * not (yet) require the delegation when the top-level site holds the permission.
 */
import type { Route, Scenario } from './scenario.ts'

const STAR = { 'Access-Control-Allow-Origin': '*' }

function lines(h: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(h)
}

const ok = (extra: Readonly<Record<string, string>> = STAR): Route => ({
  preflight: { status: 204, headers: lines({ ...extra, 'Access-Control-Allow-Methods': 'PUT' }) },
  response: {
    status: 200,
    headers: [['Content-Type', 'text/plain; charset=utf-8'], ...lines(extra)],
    body: 'lab response',
  },
})

const LOOPBACK = (id: string): string => `http://127.0.0.1:{apiport}/s/${id}`
const LOCALHOST = (id: string): string => `http://localhost:{apiport}/s/${id}`

function lna(
  id: string,
  title: string,
  expect: string | null,
  s: Pick<Scenario, 'from' | 'frame'> & { readonly fetch: Scenario['fetch']; readonly route?: Route },
): Scenario {
  return {
    id,
    title,
    fetch: s.fetch,
    routes: { '/': s.route ?? ok() },
    expectCorsError: expect,
    from: s.from ?? 'lab',
    ...(s.frame ? { frame: true } : {}),
  }
}

const PUT = { method: 'PUT', body: '{}' } as const

export const localNetworkScenarios: readonly Scenario[] = [
  // Public page over http: not a secure context.
  lna('lna-insecure-loopback', 'http public page → GET 127.0.0.1', 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: { path: LOOPBACK('lna-insecure-loopback') },
  }),
  lna('lna-insecure-loopback-put', 'http public page → PUT localhost (preflighted)', 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: { path: LOCALHOST('lna-insecure-loopback-put'), ...PUT },
  }),
  lna('lna-insecure-loopback-xhr', 'http public page → XHR GET localhost', 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: { path: LOCALHOST('lna-insecure-loopback-xhr'), xhr: true },
  }),
  lna('lna-insecure-local', 'http public page → GET printer.local (local)', 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: { path: '{localbase}' },
  }),
  // Public page over https, no permission: the permission path.
  lna('lna-denied-loopback', 'https public page → GET 127.0.0.1', 'LocalNetworkAccessPermissionDenied', {
    from: 'public-https',
    fetch: { path: LOOPBACK('lna-denied-loopback') },
  }),
  lna(
    'lna-denied-loopback-put',
    'https public page → PUT localhost (preflighted)',
    'LocalNetworkAccessPermissionDenied',
    { from: 'public-https', fetch: { path: LOCALHOST('lna-denied-loopback-put'), ...PUT } },
  ),
  lna(
    'lna-denied-loopback-xhr',
    'https public page → XHR GET 127.0.0.1',
    'LocalNetworkAccessPermissionDenied',
    { from: 'public-https', fetch: { path: LOOPBACK('lna-denied-loopback-xhr'), xhr: true } },
  ),
  lna(
    'lna-denied-local-tas',
    "https public page → http://printer.local with targetAddressSpace 'local'",
    'LocalNetworkAccessPermissionDenied',
    { from: 'public-https', fetch: { path: '{localbase}', targetAddressSpace: 'local' } },
  ),
  lna(
    'lna-denied-frame',
    'https public page, same-site subframe → GET 127.0.0.1',
    'LocalNetworkAccessPermissionDenied',
    { from: 'public-https', frame: true, fetch: { path: LOOPBACK('lna-denied-frame') } },
  ),
  // Permission granted: ordinary CORS applies again.
  lna('lna-granted-loopback', "granted → GET 127.0.0.1, ACAO '*'", null, {
    from: 'granted-https',
    fetch: { path: LOOPBACK('lna-granted-loopback') },
  }),
  lna('lna-granted-missing-acao', 'granted → GET 127.0.0.1 without ACAO', 'MissingAllowOriginHeader', {
    from: 'granted-https',
    fetch: { path: LOOPBACK('lna-granted-missing-acao') },
    route: ok({}),
  }),
  lna(
    'lna-granted-put-pna-header',
    'granted → PUT localhost; the API still sends Access-Control-Allow-Private-Network',
    null,
    {
      from: 'granted-https',
      fetch: { path: LOCALHOST('lna-granted-put-pna-header'), ...PUT },
      route: ok({ ...STAR, 'Access-Control-Allow-Private-Network': 'true' }),
    },
  ),
  lna(
    'lna-granted-put-no-acam',
    'granted → PUT localhost, preflight without Access-Control-Allow-Methods',
    'MethodDisallowedByPreflightResponse',
    {
      from: 'granted-https',
      fetch: { path: LOCALHOST('lna-granted-put-no-acam'), ...PUT },
      route: { preflight: { status: 204, headers: lines(STAR) }, response: ok().response },
    },
  ),
  lna('lna-granted-frame', 'granted, same-site subframe without allow → GET 127.0.0.1', null, {
    from: 'granted-https',
    frame: true,
    fetch: { path: LOOPBACK('lna-granted-frame') },
  }),
  lna('lna-granted-local-tas', "granted → http://printer.local with targetAddressSpace 'local'", null, {
    from: 'granted-https',
    fetch: { path: '{localbase}', targetAddressSpace: 'local' },
  }),
]
