/**
 * The lab's requests that no CORS check applies to, and failures that are not CORS (issue 7's defect
 * classes of a HAR reader): a WebSocket handshake, no-cors requests (an <img>, a no-cors POST that does
 * carry Origin), a navigation (an <iframe>), HTTP/2 requests (DevTools writes their pseudo-headers as
 * request headers), and network errors (connection refused, an aborted fetch, a name that never resolves,
 * a port browsers refuse). Kept apart from `scenarios` (the differential test's CORS cases): the HAR
 * exporters test runs them in the same browser launches. `http2` ones need a lab started with `http2`.
 */
import type { Scenario, ScriptedResponse } from './scenario.ts'
import { UNRESOLVABLE_HOST } from './server.ts'

const ACAO_PAGE = ['Access-Control-Allow-Origin', '{page}'] as const

function answer(contentType: string, body: string, cors = false, delayMs = 0): ScriptedResponse {
  return {
    status: 200,
    headers: [['Content-Type', contentType], ...(cors ? [ACAO_PAGE] : [])],
    body,
    ...(delayMs ? { delayMs } : {}),
  }
}

const TEXT = answer('text/plain; charset=utf-8', 'lab response')
const TEXT_CORS = answer('text/plain; charset=utf-8', 'lab response', true)

function scenario(
  id: string,
  title: string,
  fetch: Scenario['fetch'],
  response: ScriptedResponse = TEXT,
  expectCorsError: string | null = null,
): Scenario {
  return { id, title, fetch, routes: { '/': { response } }, expectCorsError }
}

/** Not CORS: port 9 (discard) is on the browsers' list of ports they never connect to. */
export const UNSAFE_PORT: Scenario = scenario('refused', 'A port the browser refuses (not CORS)', {
  path: 'http://api.test:9/s/refused',
})

/**
 * Requests no CORS check applies to: the browser lets each through with no CORS header at all. Over plain
 * http neither browser sends Sec-Fetch-Mode: the no-cors POST, which does carry Origin, is told by its
 * delivered response without ACAO (src/core/har.ts, deliveredUnchecked).
 */
export const notCheckedScenarios: readonly Scenario[] = [
  scenario('ws-handshake', 'WebSocket handshake without any CORS header (101)', { via: 'websocket' }),
  scenario(
    'nocors-img',
    'Cross-origin <img> without crossorigin (no-cors, no Origin)',
    { via: 'img' },
    answer('image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'),
  ),
  scenario('nocors-post', "fetch POST mode 'no-cors': Origin sent, no ACAO, opaque response", {
    method: 'POST',
    mode: 'no-cors',
    body: 'a=1',
  }),
  scenario(
    'navigate-iframe',
    'Cross-origin <iframe> (a navigation)',
    { via: 'iframe' },
    answer('text/html; charset=utf-8', '<!doctype html><title>framed</title>'),
  ),
]

/** CORS requests over HTTP/2: the pseudo-headers Chromium's exporters record must change nothing. */
export const http2Scenarios: readonly Scenario[] = [
  scenario('h2-ok', 'GET over HTTP/2 with ACAO (passes, no preflight)', { path: '{h2base}' }, TEXT_CORS),
  scenario(
    'h2-missing-acao',
    'GET over HTTP/2 without ACAO',
    { path: '{h2base}' },
    TEXT,
    'MissingAllowOriginHeader',
  ),
  {
    ...scenario('h2-preflight-ok', 'PUT with X-Custom over HTTP/2, preflight allows it', {
      path: '{h2base}',
      method: 'PUT',
      headers: { 'X-Custom': '1' },
    }),
    routes: {
      '/': {
        preflight: {
          status: 204,
          headers: [
            ACAO_PAGE,
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Allow-Headers', 'X-Custom'],
          ],
        },
        response: TEXT_CORS,
      },
    },
  },
]

/** Failures that are not CORS: the browser names a network error, and no CORS error. */
export const networkErrorScenarios: readonly Scenario[] = [
  scenario('conn-refused', 'Nothing listens on the port (connection refused)', { path: '{closedbase}' }),
  scenario(
    'fetch-aborted',
    'AbortController aborts the fetch while the server is still answering',
    { abortAfterMs: 300 },
    answer('text/plain; charset=utf-8', 'too late', true, 3000),
  ),
  scenario('name-not-resolved', 'A host name that never resolves', {
    path: `http://${UNRESOLVABLE_HOST}/s/name-not-resolved`,
  }),
  UNSAFE_PORT,
]

/** The net error Chromium 156 fails each of them with (CDP loadingFailed.errorText), no CorsError. */
export const CHROMIUM_NET_ERROR: Readonly<Record<string, string>> = {
  'conn-refused': 'net::ERR_CONNECTION_REFUSED',
  'fetch-aborted': 'net::ERR_ABORTED',
  'name-not-resolved': 'net::ERR_NAME_NOT_RESOLVED',
  refused: 'net::ERR_UNSAFE_PORT',
}

export const notCorsScenarios: readonly Scenario[] = [
  ...notCheckedScenarios,
  ...http2Scenarios,
  ...networkErrorScenarios,
]
