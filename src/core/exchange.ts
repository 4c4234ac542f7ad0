/**
 * The engine's input: one actual request with everything the browser showed of it — its preflight,
 * its redirects, its response, and how it ended. Built by the capture (webRequest), the HAR reader,
 * the CDP lab and `cors-lens check`; never by guessing.
 */
import type { HeaderList } from './headers.ts'

export type CredentialsMode = 'omit' | 'same-origin' | 'include'

export interface RequestSide {
  readonly method: string
  readonly url: string
  /**
   * Request header lines as sent, on the last hop. Empty when the request was never sent (stopped by its
   * preflight): the engine then reads the header names from the preflight's Access-Control-Request-Headers.
   */
  readonly headers: HeaderList
}

export interface ResponseSide {
  readonly status: number
  readonly statusText?: string
  readonly headers: HeaderList
  /** A short prefix of the body when known (a framework's characteristic answer, e.g. Starlette's 400). */
  readonly bodySnippet?: string
}

export interface Preflight {
  readonly request: RequestSide
  /** Absent when the preflight got no response (a network error). */
  readonly response?: ResponseSide
  /** The preflight's own network error, if it had one (e.g. net::ERR_CONNECTION_REFUSED). */
  readonly error?: string
}

/** One followed (or refused) redirect of the actual request. */
export interface Redirect {
  readonly fromUrl: string
  readonly status: number
  readonly headers: HeaderList
  readonly location: string
}

/** What the browser reported at the end: allowed, a network error string, or not known (a HAR). */
export type Outcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'unknown' }

export interface Exchange {
  /** The page (initiator) origin, e.g. "https://app.example". Null when not known. */
  readonly initiator: string | null
  readonly request: RequestSide
  readonly preflight?: Preflight
  readonly redirects?: readonly Redirect[]
  readonly response?: ResponseSide
  readonly outcome: Outcome
  /** The credentials mode when truly known (tests, `cors-lens check`). webRequest and HAR do not say it. */
  readonly credentials?: CredentialsMode
  /**
   * What the capture could see: 'outcome-only' when only how the request ended was observed (images and
   * media, watched without their headers to keep page loads fast). Absent means everything seen was recorded.
   */
  readonly observed?: 'outcome-only'
  /**
   * The server address the browser connected to (webRequest's `ip`), when seen. Local Network Access
   * judges by address, not by name: this tells a loopback or private target that a host name hides.
   */
  readonly remoteAddress?: string
  /**
   * For a request predicted, not seen (`cors-lens check`): the address the target's host resolves to,
   * looked up as the browser would. Local Network Access judges by it as by remoteAddress.
   */
  readonly resolvedAddress?: string
  /**
   * The page's address space when known otherwise than by its host name (`check --origin-address`, or the
   * address the page's host resolves to). Absent: the name decides, else the page is taken to be public.
   */
  readonly initiatorAddressSpace?: 'public' | 'local' | 'loopback'
  /** The browser that saw it: error strings and some rules differ. */
  readonly browser?: 'chromium' | 'firefox'
  /**
   * 'response': the request reached its last URL, but the record holds no response for it (Playwright's
   * recorder drops the headers of failed requests). The cause may be there: nothing may be inferred from
   * the steps before it.
   */
  readonly unrecorded?: 'response'
  /**
   * The page's API, where the record says (DevTools' `_resourceType`): Chromium's console names it.
   * 'websocket': a WebSocket handshake (webRequest type `websocket`): no CORS request, but since Chrome 147
   * under Local Network Access.
   */
  readonly api?: 'fetch' | 'xhr' | 'websocket'
}
