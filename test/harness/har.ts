/** HAR 1.2 builders for tests and the bench: one entry shape, filled with only what a case cares about. */

import type { HeaderLine } from '../../src/core/index.ts'
import { rng } from '../core/hostile.ts'

export interface EntryParts {
  readonly url: string
  readonly method?: string
  readonly requestHeaders?: readonly HeaderLine[]
  readonly status?: number
  readonly responseHeaders?: readonly HeaderLine[]
  readonly startedAt?: number
}

export function harEntry(p: EntryParts): object {
  return {
    startedDateTime: new Date(p.startedAt ?? Date.now()).toISOString(),
    time: 1,
    request: {
      method: p.method ?? 'GET',
      url: p.url,
      httpVersion: 'HTTP/1.1',
      headers: p.requestHeaders ?? [{ name: 'Origin', value: 'http://app.test' }],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: p.status ?? 200,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      headers: p.responseHeaders ?? [],
      cookies: [],
      content: { size: 0, mimeType: 'text/plain' },
      redirectURL: '',
      headersSize: -1,
      bodySize: 0,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
  }
}

/** A whole HAR; `creator` decides how the reader trusts statuses (DevTools marks failures with _error). */
export function har(entries: readonly object[], creator = 'WebInspector'): string {
  return JSON.stringify({ log: { version: '1.2', creator: { name: creator, version: '1' }, entries } })
}

/**
 * A long DevTools-like session from a seed, with everything the HAR reader pairs and chains: same-origin
 * assets, cross-origin fetches (some blocked), preflighted PUTs with the preflight listed a few entries
 * after its request (as DevTools does), failed preflights whose request never went out, redirect chains,
 * retries of one URL, `no-cors` images of an API URL. For tests that read one file in different ways.
 */
export function sessionEntries(count: number, seed: number): object[] {
  const out: object[] = []
  for (const e of session(seed)) {
    if (out.length === count) break
    out.push(e)
  }
  return out
}

/** The same session, entry by entry, without end: a file of any size is written without holding it. */
export function* session(seed: number): Generator<object> {
  const r = rng(seed)
  const page = 'https://app.example'
  const origin = { name: 'Origin', value: page }
  // Entries waiting to be listed a few places later (a preflight after its request, a redirect's next hop).
  const later: { at: number; entry: object }[] = []
  const at = (i: number): number => 1_790_000_000_000 + i * 10
  for (let i = 0; ; i++) {
    const out: object[] = later.filter((l) => l.at <= i).map((l) => l.entry)
    later.splice(0, later.length, ...later.filter((l) => l.at > i))
    const api = `https://api${i % 3}.example/items/${Math.floor(r() * 50)}`
    const gap = i + Math.floor(r() * 6)
    const kind = r()
    if (kind < 0.55) {
      out.push(harEntry({ url: `${page}/static/${i}.js`, requestHeaders: [], startedAt: at(i) }))
    } else if (kind < 0.7) {
      const blocked = r() < 0.4
      const e = harEntry({
        url: api,
        requestHeaders: [origin],
        responseHeaders: [
          { name: 'Access-Control-Allow-Origin', value: blocked ? 'https://x.example' : page },
        ],
        startedAt: at(i),
      })
      out.push(blocked ? failedOf(e) : e)
    } else if (kind < 0.82) {
      const ok = r() < 0.7
      const token = r() < 0.8 ? [{ name: 'X-Token', value: '1' }] : []
      const actual = harEntry({
        method: 'PUT',
        url: api,
        requestHeaders: [origin, ...token],
        responseHeaders: [{ name: 'Access-Control-Allow-Origin', value: page }],
        startedAt: at(i),
      })
      out.push(ok ? actual : failedOf(actual))
      const preflight = harEntry({
        method: 'OPTIONS',
        url: api,
        requestHeaders: [
          origin,
          { name: 'Access-Control-Request-Method', value: 'PUT' },
          ...(token.length ? [{ name: 'Access-Control-Request-Headers', value: 'x-token' }] : []),
        ],
        status: ok ? 204 : 403,
        responseHeaders: ok
          ? [
              { name: 'Access-Control-Allow-Origin', value: page },
              { name: 'Access-Control-Allow-Methods', value: 'PUT' },
              { name: 'Access-Control-Allow-Headers', value: 'X-Token' },
            ]
          : [],
        startedAt: at(i) + 1,
      })
      later.push({ at: gap, entry: preflight })
    } else if (kind < 0.9) {
      const hops = 1 + Math.floor(r() * 3)
      let listed = i
      for (let h = 0; h <= hops; h++) {
        const url = h === 0 ? api : `${api}/moved/${h}`
        const e = harEntry({
          url,
          requestHeaders: [origin],
          status: h < hops ? 302 : 200,
          responseHeaders: [
            { name: 'Access-Control-Allow-Origin', value: page },
            ...(h < hops ? [{ name: 'Location', value: `${api}/moved/${h + 1}` }] : []),
          ],
          startedAt: at(i) + h,
        }) as { response: { redirectURL: string } }
        if (h < hops) e.response.redirectURL = `${api}/moved/${h + 1}`
        if (h === 0) out.push(e)
        else {
          // Each hop a few entries after the one before it, never before.
          listed += 1 + Math.floor(r() * 3)
          later.push({ at: listed, entry: e })
        }
      }
    } else if (kind < 0.95) {
      // An <img> of an API URL: no Origin, Sec-Fetch-Mode no-cors — never a CORS request.
      out.push(
        harEntry({
          url: api,
          requestHeaders: [{ name: 'Sec-Fetch-Mode', value: 'no-cors' }],
          startedAt: at(i),
        }),
      )
    } else {
      // A retry of the last cross-origin GET's URL without the header its preflight asked for.
      out.push(harEntry({ method: 'PUT', url: api, requestHeaders: [origin], startedAt: at(i) }))
    }
    yield* out
  }
}

/** How DevTools lists a request that failed (devtools-frontend puts `_error` on the response). */
function failedOf(e: object): object {
  const x = e as { response: Record<string, unknown> }
  Object.assign(x.response, { status: 0, headers: [], _error: 'net::ERR_FAILED' })
  return x
}
