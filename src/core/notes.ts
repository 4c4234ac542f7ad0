/**
 * The findings an analysis adds beside the CORS failure, with their texts: a failure that is not CORS (a
 * network error, mixed content), a failure whose cause the record does not hold, and the informational
 * notes (the request never sent, a preflight from cache, the credentials mode inferred).
 */
import type { CredentialsInfo } from './analysis.ts'
import { CORS_ERRORS } from './cors-errors.ts'
import type { Exchange } from './exchange.ts'
import { shellWord } from './fixes/escape.ts'
import { privateNetworkHeaderFinding } from './local-network.ts'
import type { Finding } from './model/finding.ts'
import { FAILED_NO_REASON, type FailureKind, NOT_CORS } from './net-errors.ts'

/** A `cors-lens check` line to re-test with: the URL is the page's, so it is quoted for a shell. */
export function checkCommandText(url: string, origin: string | null): string {
  return `cors-lens check ${shellWord(url)} --origin ${shellWord(origin ?? '<page origin>')}`
}

/**
 * A failure the recorded headers do not explain. Where the record holds no response (an export that
 * drops the headers of failed requests, a request stopped before its response), the cause is simply not
 * in it: say so, and never claim the headers passed.
 */
export function failedWithoutCause(ex: Exchange, error: string): [string, Finding] {
  const said = error === FAILED_NO_REASON ? 'a failure (the record does not say why)' : error
  if (!ex.response) {
    const what = ex.preflight?.response
      ? 'its preflight passes every CORS check, and the actual response'
      : 'its response'
    return [
      'Failed — the cause is not in this record.',
      {
        code: 'failed-cause-not-recorded',
        severity: 'warning',
        title: 'Failed; the cause is not in this record',
        explanation: `The browser reported ${said}, but ${what} is not in this record, so CORS Lens cannot tell whether CORS refused it. Re-test the URL with "${checkCommandText(ex.request.url, ex.initiator)}", or export the HAR from the browser's DevTools, which keeps the headers of failed requests.`,
        headers: [],
        links: [...CORS_ERRORS.MissingAllowOriginHeader.links],
      },
    ]
  }
  return [
    'The request failed, but the headers CORS Lens saw satisfy CORS.',
    {
      code: 'failed-without-cors-evidence',
      severity: 'warning',
      title: 'Failed, with no CORS problem in the headers',
      explanation: `The browser reported ${said}, yet the response headers pass every CORS check. Look for a cause outside CORS: a cancelled request, a service worker, or an extension.`,
      headers: [],
      links: [...CORS_ERRORS.MissingAllowOriginHeader.links],
    },
  ]
}

/** A failure that is not a CORS failure (or mixed content, which Chromium blocks before sending). */
export function notCorsFinding(
  kind: Exclude<FailureKind, 'cors-candidate'>,
  netError: string,
  onPreflight: boolean,
): Finding {
  const info = NOT_CORS[kind]
  return {
    code: `not-cors-${kind}`,
    severity: 'error',
    title: info.title,
    // Chromium names no error for mixed content (CDP errorText ""): nothing to quote then.
    explanation: `${info.explanation}${netError ? ` (The browser said: ${netError}${onPreflight ? ', on the preflight' : ''}.)` : ''}`,
    headers: [],
    links: [],
  }
}

/** Only the failure was seen (images, media, watched only for failures): what it most likely is. */
export function headersNotCapturedFinding(error: string, checkCommand: string): Finding {
  return {
    code: 'headers-not-captured',
    severity: 'warning',
    title: 'Failed — probably CORS, headers not captured',
    explanation: `The browser reported ${error}. CORS Lens watches images and media only for failures, without their headers, so that page loads stay fast. For an <img crossorigin> or <video crossorigin> this error usually means the response had no valid Access-Control-Allow-Origin. Re-test the URL with "${checkCommand}".`,
    headers: [],
    links: [...CORS_ERRORS.MissingAllowOriginHeader.links],
  }
}

/** The informational notes: each says why the analysis reads as it does. */
export function notesFor(
  ex: Exchange,
  seen: {
    readonly fromPreflight: boolean
    readonly probablyCached: boolean
    /** The credentials mode, when it was inferred for a blocked request; else null. */
    readonly credentials: CredentialsInfo | null
  },
): Finding[] {
  const notes: Finding[] = []
  const pna = privateNetworkHeaderFinding(ex)
  if (pna) notes.push(pna)
  if (seen.fromPreflight && ex.request.headers.length === 0)
    notes.push({
      code: 'request-headers-from-preflight',
      severity: 'info',
      title: 'The request itself was never sent',
      explanation:
        "The preflight failed, so the browser never sent the actual request. Its non-safelisted header names come from the preflight's Access-Control-Request-Headers.",
      headers: [],
      links: [],
    })
  if (seen.probablyCached)
    notes.push({
      code: 'preflight-probably-cached',
      severity: 'info',
      title: 'Preflight probably served from the preflight cache',
      explanation: `This ${ex.request.method} request needs a preflight, but none was seen: the browser most likely reused a cached one (Access-Control-Max-Age). A server change may not show until that entry expires or the cache is disabled.`,
      headers: [],
      links: [],
    })
  if (seen.credentials)
    notes.push({
      code: 'credentials-inferred',
      severity: 'info',
      title: 'Credentials mode inferred',
      explanation: `The browser does not report the credentials mode to extensions or HAR files. CORS Lens concluded '${seen.credentials.mode}' because ${seen.credentials.basis.replace(/^inferred: /, '')}.`,
      headers: [],
      links: [],
    })
  return notes
}
