/**
 * Exchanges back out as HAR 1.2: one entry per preflight, redirect hop and actual request, with CORS Lens's
 * verdict on each actual entry (`_corsLens`), redacted unless asked not to.
 */
import type { ResponseSide } from '../exchange.ts'
import { methodAfterRedirect } from '../fetch-rules.ts'
import { type HeaderList, headerValue } from '../headers.ts'
import { redactForOutput } from '../redact.ts'
import { type Json, resolveUrl } from './entry.ts'
import type { HarCorsLens, HarRecord } from './types.ts'

// ---------------------------------------------------------------------------------------------------------
// Writing

function headersOut(headers: HeaderList): { name: string; value: string }[] {
  return headers.map((h) => ({ name: h.name, value: h.value }))
}

function queryString(url: string): { name: string; value: string }[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }))
  } catch {
    return []
  }
}

function isoTime(ms: number): string {
  const d = new Date(Number.isFinite(ms) ? ms : 0)
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString()
}

interface EntryParts {
  readonly id: string
  readonly startedAt: number
  readonly method: string
  readonly url: string
  readonly requestHeaders: HeaderList
  readonly response?: ResponseSide
  readonly redirectURL?: string
  readonly error?: string
  readonly initiator?: Json
  readonly extra?: Json
}

function harEntry(p: EntryParts): Json {
  const r = p.response
  const mime = r ? (headerValue(r.headers, 'content-type') ?? 'x-unknown') : 'x-unknown'
  return {
    startedDateTime: isoTime(p.startedAt),
    time: 0,
    request: {
      method: p.method,
      url: p.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headersOut(p.requestHeaders),
      queryString: queryString(p.url),
      headersSize: -1,
      bodySize: -1,
    },
    response: {
      status: r?.status ?? 0,
      statusText: r?.statusText ?? '',
      httpVersion: r ? 'HTTP/1.1' : '',
      cookies: [],
      headers: headersOut(r?.headers ?? []),
      content: {
        size: r?.bodySnippet?.length ?? 0,
        mimeType: mime,
        ...(r?.bodySnippet ? { text: r.bodySnippet } : {}),
      },
      redirectURL: p.redirectURL ?? '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
    _requestId: p.id,
    ...(p.initiator ? { _initiator: p.initiator } : {}),
    ...(p.error !== undefined ? { _error: p.error } : {}),
    ...p.extra,
  }
}

/** HAR 1.2 of the given exchanges: one entry per preflight, per redirect hop and per actual request. */
export function exchangesToHar(records: readonly HarRecord[], options?: { redact?: boolean }): object {
  const redact = options?.redact ?? true
  const entries: Json[] = []
  records.forEach((record, i) => {
    // Secrets out first (redact.ts, the one function every way out uses): nothing below sees them.
    const { exchange: x, diagnosis: d } = redact ? redactForOutput(record.exchange, record.diagnosis) : record
    const startedAt = record.startedAt
    const id = `cors-lens-${i + 1}`
    const pf = x.preflight
    if (pf) {
      entries.push(
        harEntry({
          id: `${id}-preflight`,
          startedAt,
          method: pf.request.method,
          url: pf.request.url,
          requestHeaders: pf.request.headers,
          ...(pf.response ? { response: pf.response } : {}),
          ...(pf.error !== undefined ? { error: pf.error } : {}),
          initiator: { type: 'preflight', url: pf.request.url, requestId: id },
        }),
      )
    }
    // Each hop repeats the request's headers: the HAR keeps no other record of what a hop sent.
    let method = x.request.method
    ;(x.redirects ?? []).forEach((r, h) => {
      entries.push(
        harEntry({
          id: `${id}-hop${h + 1}`,
          startedAt,
          method,
          url: r.fromUrl,
          requestHeaders: x.request.headers,
          response: { status: r.status, headers: r.headers },
          redirectURL: r.location,
        }),
      )
      method = methodAfterRedirect(method, r.status)
    })
    const last = x.redirects?.at(-1)
    const finalUrl = last ? (resolveUrl(last.location, last.fromUrl) ?? last.location) : x.request.url
    const lens: HarCorsLens = {
      verdict: d.verdict,
      blocked: d.blocked,
      corsError: d.corsError,
      failedParameter: d.failedParameter,
      credentials: d.credentials.mode,
      findings: d.findings.map((f) => f.code),
      fixes: d.fixes.map((f) => f.title),
      initiator: x.initiator,
      outcome: x.outcome,
      ...(x.credentials ? { credentialsMode: x.credentials } : {}),
      ...(x.browser ? { browser: x.browser } : {}),
    }
    entries.push(
      harEntry({
        id,
        startedAt,
        method,
        url: finalUrl,
        // The first hop's headers stand for the request when there were redirects.
        requestHeaders: x.request.headers,
        ...(x.response ? { response: x.response } : {}),
        ...(x.outcome.kind === 'error' ? { error: x.outcome.error } : {}),
        initiator: { type: 'script', ...(x.initiator ? { url: x.initiator } : {}) },
        extra: { _corsLens: lens, ...(x.api ? { _resourceType: x.api } : {}) },
      }),
    )
  })
  return {
    log: {
      version: '1.2',
      creator: { name: 'CORS Lens', version: '1' },
      pages: [],
      entries,
    },
  }
}
