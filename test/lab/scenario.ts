/**
 * A lab scenario: what the page does (one fetch) and exactly which header lines the API answers with.
 * Duplicates are separate lines; order is wire order. Served by test/lab/server.ts.
 */

export interface ScriptedResponse {
  readonly status: number
  /**
   * [name, value] lines, in wire order, duplicates kept. Values may hold the placeholders {page}, {api},
   * {other}, {site} (the lab's origins, known only at run time), {base} (this scenario's base URL on its own
   * host: the API origin, or the same-site origin for `cookie` scenarios) and {apibase}, {otherbase},
   * {sitebase} (this scenario's base URL on a named host).
   */
  readonly headers: readonly (readonly [string, string])[]
  readonly body?: string
  /** Answer only after this long (a request the page aborts is still in flight). */
  readonly delayMs?: number
}

/** One path on the API origin: how it answers the preflight (OPTIONS) and everything else. */
export interface Route {
  /** Omitted: OPTIONS gets `response` too. */
  readonly preflight?: ScriptedResponse
  readonly response: ScriptedResponse
}

export interface PageFetch {
  /** A route under the scenario's base (/s/<id>), "/" when omitted; or a full URL with placeholders. */
  readonly path?: string
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly credentials?: 'omit' | 'same-origin' | 'include'
  readonly mode?: 'cors' | 'no-cors' | 'same-origin'
  readonly body?: string
  /** Use XMLHttpRequest instead of fetch(). */
  readonly xhr?: boolean
  /**
   * When this request fails, the page sends this one to the same URL, as client libraries do after a CORS
   * TypeError (the MCP SDK retries a GET without its custom header). The scenario's verdict is the first's.
   */
  readonly retry?: Omit<PageFetch, 'retry' | 'path'>
  /**
   * Not fetch(): a WebSocket (the URL's http becomes ws), an <img> without `crossorigin` (no-cors) or an
   * <iframe> (a navigation). None of them is CORS-checked.
   */
  readonly via?: 'websocket' | 'img' | 'iframe'
  /** Abort the fetch (AbortController) this long after it started: net::ERR_ABORTED, not CORS. */
  readonly abortAfterMs?: number
  /** fetch()'s targetAddressSpace option (Local Network Access): the page declares a private target. */
  readonly targetAddressSpace?: 'local' | 'loopback'
}

/**
 * Which page makes the request. 'lab' (the default): the runner on the lab's page origin, loopback like the
 * API. The others exist for Local Network Access (test/lab/local-network.ts): a page Chromium is told is
 * on a public address (--ip-address-space-overrides), served over http (not a secure context), over https,
 * or over https with the local-network permissions granted.
 */
export type PageKind = 'lab' | 'public-http' | 'public-https' | 'granted-https'

export interface Scenario {
  /** Stable id, used in URLs: /s/<id>/... */
  readonly id: string
  readonly title: string
  readonly fetch: PageFetch
  /** Routes under /s/<id>; keys are paths relative to it, e.g. "/" or "/next". */
  readonly routes: Readonly<Record<string, Route>>
  /** What Chromium reports (CDP corsErrorStatus.corsError), null when it lets the request through. The oracle checks it. */
  readonly expectCorsError: string | null
  /**
   * Run against a host that holds the lab cookie, so credentialed requests carry a Cookie header. The lab
   * does this by serving the scenario from the same-site API origin (api.app.test), which receives the
   * page's site-wide cookie; api.test is another site and can get no cookie over plain http.
   */
  readonly cookie?: boolean
  /** The page that makes the request (default 'lab'). */
  readonly from?: PageKind
  /** Make the request from a same-site subframe of that page (no `allow` attribute on the iframe). */
  readonly frame?: boolean
}
