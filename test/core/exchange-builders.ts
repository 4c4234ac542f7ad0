/** Small builders for engine tests: header lines from [name, value] pairs, exchanges from parts. */
import type { Exchange, Outcome, Preflight, Redirect, ResponseSide } from '../../src/core/exchange.ts'
import type { HeaderLine } from '../../src/core/headers.ts'

export const ORIGIN = 'https://app.example'
export const API = 'https://api.example/items'

export const h = (...pairs: [string, string][]): HeaderLine[] =>
  pairs.map(([name, value]) => ({ name, value }))

export function response(status: number, ...pairs: [string, string][]): ResponseSide {
  return { status, headers: h(...pairs) }
}

export function preflight(
  method: string,
  requestHeaders: string | null,
  res: ResponseSide | undefined,
): Preflight {
  const headers = h(['Origin', ORIGIN], ['Access-Control-Request-Method', method])
  if (requestHeaders !== null) headers.push({ name: 'Access-Control-Request-Headers', value: requestHeaders })
  return { request: { method: 'OPTIONS', url: API, headers }, ...(res ? { response: res } : {}) }
}

export const FAILED: Outcome = { kind: 'error', error: 'net::ERR_FAILED' }
export const OK: Outcome = { kind: 'ok' }

export function exchange(parts: {
  method?: string
  url?: string
  requestHeaders?: [string, string][]
  response?: ResponseSide
  preflight?: Preflight
  redirects?: Redirect[]
  outcome?: Outcome
  credentials?: 'omit' | 'include'
}): Exchange {
  return {
    initiator: ORIGIN,
    request: {
      method: parts.method ?? 'GET',
      url: parts.url ?? API,
      headers: parts.requestHeaders ? h(...parts.requestHeaders) : h(['Origin', ORIGIN]),
    },
    outcome: parts.outcome ?? FAILED,
    ...(parts.response ? { response: parts.response } : {}),
    ...(parts.preflight ? { preflight: parts.preflight } : {}),
    ...(parts.redirects ? { redirects: parts.redirects } : {}),
    ...(parts.credentials ? { credentials: parts.credentials } : {}),
  }
}
