/** HAR 1.2 builders for tests and the bench: one entry shape, filled with only what a case cares about. */
import type { HeaderLine } from '../../src/core/index.ts'

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
