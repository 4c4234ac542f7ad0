/**
 * Local Network Access in Firefox (test/e2e/firefox.test.ts): the lab's public pages call loopback and
 * printer.local, and Firefox is told those pages are public with its own testing prefs
 * (network.lna.address_space.public.override / .private.override, the prefs Firefox's own LNA tests use:
 * netwerk/test/browser/ in https://github.com/mozilla-firefox/firefox). Targets are named as people name
 * them, including api.test, a custom name mapped to loopback whose space only the browser's error tells.
 *
 * What each page stands for in Firefox: public-http has no saved answer, so Firefox prompts and the test
 * clicks Block in the real prompt; public-https has a saved Block; granted-https a saved Allow (ordinary
 * CORS applies again). `expectCorsError` is Chromium's CorsError for the same shape, as its twins in
 * local-network.ts measured it; `firefox` is what the Firefox build must show.
 */
import type { Route, Scenario } from './scenario.ts'

const STAR: [string, string][] = [['Access-Control-Allow-Origin', '*']]

const route = (acao: [string, string][] = STAR): Route => ({
  preflight: { status: 204, headers: [...acao, ['Access-Control-Allow-Methods', 'PUT']] },
  response: { status: 200, headers: [['Content-Type', 'text/plain; charset=utf-8'], ...acao], body: 'lab' },
})

export interface FirefoxLnaScenario extends Scenario {
  readonly firefox: {
    /** The panel's CorsError in the Firefox build ('' = allowed). */
    readonly corsError: string
    /**
     * Firefox's "prompt action" in its "Local Network Access detected" console line; null: Firefox prints
     * none (measured: a refused preflighted request gets only the CORS lines, for the preflight and itself).
     */
    readonly promptAction: 'prompt_deny' | 'auto_deny' | 'auto_allow' | null
  }
}

const PUT = { method: 'PUT', body: '{}' } as const

function lna(
  id: string,
  from: NonNullable<Scenario['from']>,
  path: string,
  chromium: string | null,
  firefox: FirefoxLnaScenario['firefox'],
  extra: { readonly put?: boolean; readonly route?: Route } = {},
): FirefoxLnaScenario {
  return {
    id,
    title: `${from} → ${extra.put ? 'PUT' : 'GET'} ${path.replace(/^\{|\}$/g, '')}`,
    from,
    fetch: { path: path.replace('{id}', id), ...(extra.put ? PUT : {}) },
    routes: { '/': extra.route ?? route() },
    expectCorsError: chromium,
    firefox,
  }
}

const IP = 'http://127.0.0.1:{apiport}/s/{id}'
const NAME = 'http://api.test:{apiport}/s/{id}'
const LOCALHOST = 'http://localhost:{apiport}/s/{id}'
const DENIED = { corsError: 'LocalNetworkAccessPermissionDenied' } as const

export const firefoxLocalNetworkScenarios: readonly FirefoxLnaScenario[] = [
  // Firefox prompts (the test clicks Block); the first refusal is remembered, the next ones are auto_deny.
  lna('lna-firefox-http-ip', 'public-http', IP, 'InsecureLocalNetwork', {
    ...DENIED,
    promptAction: 'prompt_deny',
  }),
  lna(
    'lna-firefox-http-ip-put',
    'public-http',
    IP,
    'InsecureLocalNetwork',
    { ...DENIED, promptAction: null },
    { put: true },
  ),
  lna('lna-firefox-http-name', 'public-http', NAME, 'InsecureLocalNetwork', {
    ...DENIED,
    promptAction: 'auto_deny',
  }),
  lna(
    'lna-firefox-http-name-put',
    'public-http',
    NAME,
    'InsecureLocalNetwork',
    { ...DENIED, promptAction: null },
    { put: true },
  ),
  // printer.local's port is "private" to Firefox: another permission (local-network), another prompt.
  lna('lna-firefox-http-local', 'public-http', '{localbase}', 'InsecureLocalNetwork', {
    ...DENIED,
    promptAction: 'prompt_deny',
  }),
  // A saved Block.
  lna('lna-firefox-https-ip', 'public-https', IP, 'LocalNetworkAccessPermissionDenied', {
    ...DENIED,
    promptAction: 'auto_deny',
  }),
  lna(
    'lna-firefox-https-localhost-put',
    'public-https',
    LOCALHOST,
    'LocalNetworkAccessPermissionDenied',
    { ...DENIED, promptAction: null },
    { put: true },
  ),
  // A saved Allow: ordinary CORS again.
  lna('lna-firefox-granted-ip', 'granted-https', IP, null, { corsError: '', promptAction: 'auto_allow' }),
  lna(
    'lna-firefox-granted-missing-acao',
    'granted-https',
    IP,
    'MissingAllowOriginHeader',
    { corsError: 'MissingAllowOriginHeader', promptAction: 'auto_allow' },
    { route: route([]) },
  ),
]
