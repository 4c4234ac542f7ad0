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
 * not (yet) require the delegation when the top-level site holds the permission. Measured by hand too: a
 * cross-site iframe (another host on the granted page's port) reached loopback without allow= and with
 * allow="loopback-network", "local-network" or "local-network-access" alike, and was refused on the
 * ungranted https page whatever its allow= said.
 */
import type { Route, Scenario } from './scenario.ts'
import { DEVBOX_HOST, NIP_HOST } from './server.ts'

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

/**
 * Issue 17: loopback targets whose names say nothing — a custom dev name (api.devbox.test, as in /etc/hosts)
 * and a nip.io-style name (127.0.0.1.nip.io), both mapped to 127.0.0.1 by the lab's resolver rules. Only the
 * browser tells. Measured in Chromium 156 (webRequest through a probe extension, CDP beside it):
 * - simple GET/XHR: webRequest ends it with net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS, no `ip`; CDP
 *   says net::ERR_FAILED with corsErrorStatus (and an Audits CorsIssue with resourceIPAddressSpace Loopback);
 * - preflighted: webRequest ends the preflight with a bare net::ERR_FAILED (as it does every failed
 *   preflight: a refused connection or an unknown name too) and the request with net::ERR_FAILED (where a
 *   refused connection says net::ERR_CONNECTION_REFUSED, an unknown name net::ERR_NAME_NOT_RESOLVED); CDP
 *   says net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS on the preflight;
 * - from an https page a plain-http URL that is not loopback by name is mixed content: blocked before LNA,
 *   no webRequest event at all. With targetAddressSpace 'loopback' (the page-side cure) mixed content is
 *   only a warning and LNA decides: LocalNetworkAccessPermissionDenied headless (no prompt can be answered;
 *   navigator.permissions then says 'denied' for 'loopback-network', 'prompt' for 'local-network', 'denied'
 *   for 'local-network-access'), let through once the permission is granted. targetAddressSpace 'local' to
 *   this loopback target is InvalidLocalNetworkAccess (webRequest: bare net::ERR_FAILED; not a scenario:
 *   nothing the extension sees tells it).
 */
const DEVBOX = (id: string): string => `http://${DEVBOX_HOST}:{apiport}/s/${id}`
const NIP = (id: string): string => `http://${NIP_HOST}:{apiport}/s/${id}`
const TAS = { targetAddressSpace: 'loopback' } as const

const NAMELESS: readonly Scenario[] = [
  lna('lna-insecure-devbox', `http public page → GET ${DEVBOX_HOST} (loopback)`, 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: { path: DEVBOX('lna-insecure-devbox') },
  }),
  lna(
    'lna-insecure-devbox-put',
    `http public page → PUT ${DEVBOX_HOST} (preflighted)`,
    'InsecureLocalNetwork',
    { from: 'public-http', fetch: { path: DEVBOX('lna-insecure-devbox-put'), ...PUT } },
  ),
  lna('lna-insecure-devbox-xhr', `http public page → XHR GET ${DEVBOX_HOST}`, 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: { path: DEVBOX('lna-insecure-devbox-xhr'), xhr: true },
  }),
  lna('lna-insecure-nip', `http public page → GET ${NIP_HOST}`, 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: { path: NIP('lna-insecure-nip') },
  }),
  lna(
    'lna-insecure-nip-put',
    `http public page → PUT ${NIP_HOST} with X-Custom (preflighted)`,
    'InsecureLocalNetwork',
    {
      from: 'public-http',
      fetch: { path: NIP('lna-insecure-nip-put'), ...PUT, headers: { 'X-Custom': '1' } },
    },
  ),
  lna(
    'lna-denied-devbox-tas',
    `https public page → GET http://${DEVBOX_HOST} with targetAddressSpace 'loopback'`,
    'LocalNetworkAccessPermissionDenied',
    { from: 'public-https', fetch: { path: DEVBOX('lna-denied-devbox-tas'), ...TAS } },
  ),
  lna(
    'lna-denied-nip-tas-put',
    `https public page → PUT http://${NIP_HOST} with targetAddressSpace 'loopback' (preflighted)`,
    'LocalNetworkAccessPermissionDenied',
    { from: 'public-https', fetch: { path: NIP('lna-denied-nip-tas-put'), ...PUT, ...TAS } },
  ),
  // The page-side cure, proven: targetAddressSpace plus the permission, and ordinary CORS applies.
  lna(
    'lna-granted-devbox-tas',
    `granted → GET http://${DEVBOX_HOST} with targetAddressSpace 'loopback', ACAO '*'`,
    null,
    { from: 'granted-https', fetch: { path: DEVBOX('lna-granted-devbox-tas'), ...TAS } },
  ),
]

/**
 * WebSockets (Chrome 147+ put them under LNA): no CORS request, so Chromium names no CorsError. Measured in
 * Chromium 156: webRequest sees onBeforeRequest, onSendHeaders and onErrorOccurred with type websocket and
 * net::ERR_FAILED (no `ip`) — the same string as a WebSocket to a closed port or one refused with a 404,
 * so only the spaces tell; CDP shows webSocketCreated, no handshake request, a webSocketFrameError with an
 * empty message; the console "WebSocket connection to '…' failed: " with no reason. With
 * --disable-features=LocalNetworkAccessChecksWebSockets the same sockets open (ws://127.0.0.1, ws://localhost,
 * ws://api.devbox.test): it is the LNA check. ws://api.devbox.test from a public page fails the same way and
 * webRequest says nothing more (no scenario: nothing the extension sees tells it). `expectCorsError` is
 * what CDP reports for a fetch() of the same URL from the same page (test/harness/lna.ts).
 */
const ws = (url: string): Scenario['fetch'] => ({ path: url, via: 'websocket' })

const WEBSOCKETS: readonly Scenario[] = [
  lna('lna-insecure-ws-loopback', 'http public page → WebSocket ws://127.0.0.1', 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: ws(LOOPBACK('lna-insecure-ws-loopback')),
  }),
  lna('lna-insecure-ws-localhost', 'http public page → WebSocket ws://localhost', 'InsecureLocalNetwork', {
    from: 'public-http',
    fetch: ws(LOCALHOST('lna-insecure-ws-localhost')),
  }),
  lna(
    'lna-denied-ws-loopback',
    'https public page → WebSocket ws://127.0.0.1',
    'LocalNetworkAccessPermissionDenied',
    { from: 'public-https', fetch: ws(LOOPBACK('lna-denied-ws-loopback')) },
  ),
  lna('lna-granted-ws-loopback', 'granted → WebSocket ws://127.0.0.1 (opens)', null, {
    from: 'granted-https',
    fetch: ws(LOOPBACK('lna-granted-ws-loopback')),
  }),
]

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
  ...NAMELESS,
  ...WEBSOCKETS,
]
