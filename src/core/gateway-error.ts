/**
 * A gateway's own error page: 502 Bad Gateway and 504 Gateway Timeout are written by a proxy or gateway
 * when the server behind it gave no valid answer in time (RFC 9110 §15.6.3, §15.6.5,
 * https://www.rfc-editor.org/rfc/rfc9110#section-15.6.3). Such a page carries no CORS headers unless the
 * proxy adds them to its own errors, so the browser reports a CORS error and hides the real one.
 */
import type { Analysis } from './analysis.ts'
import type { Attribution } from './attribution-types.ts'
import type { Exchange } from './exchange.ts'
import { refsFor } from './findings.ts'
import type { Finding } from './model/finding.ts'

const GATEWAY_STATUS: Readonly<Record<number, string>> = { 502: 'Bad Gateway', 504: 'Gateway Timeout' }

/** How each proxy puts CORS lines on its own error pages too. */
const ON_ERRORS: Readonly<Record<string, string>> = {
  nginx: "add_header … always (without 'always', nginx adds headers only to 2xx and 3xx)",
  apache: 'Header always set …',
  haproxy: 'http-after-response set-header …',
}

export function gatewayErrorFinding(
  ex: Exchange,
  analysis: Analysis,
  attribution: Attribution,
): Finding | null {
  const r = analysis.stage === 'preflight' ? ex.preflight?.response : ex.response
  if (!analysis.blocked || !r) return null
  const status = GATEWAY_STATUS[r.status]
  if (!status || !/Missing/.test(analysis.corsError ?? '')) return null
  const proxy = attribution.proxy
  const who = proxy ?? 'a proxy or gateway'
  const how = proxy && ON_ERRORS[proxy] ? ` (${proxy}: ${ON_ERRORS[proxy]})` : ''
  return {
    code: 'upstream-did-not-answer',
    severity: 'error',
    title: `${r.status} ${status}: the server behind ${who} did not answer`,
    explanation: `A ${r.status} ${status} is written by ${who} itself when the server behind it gives no valid answer${r.status === 504 ? ' in time' : ''}. Its error page carries no CORS headers, so the browser reports a CORS error and the page never sees the ${r.status}. First make the upstream answer: is it running, reachable from ${who}, and quick enough? Then, to let the page read such errors, have ${who} add the CORS lines to its own error pages too${how}.`,
    headers: refsFor(analysis.stage === 'preflight' ? 'preflight-response' : 'response', r.headers, [
      'server',
      'via',
    ]),
    links: [
      { title: 'RFC 9110: 502 Bad Gateway', url: 'https://www.rfc-editor.org/rfc/rfc9110#section-15.6.3' },
    ],
  }
}
