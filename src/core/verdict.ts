/**
 * The engine's door for the worker: the verdict and what it reads (exchanges, header lines, DevTools' HAR
 * log), and nothing of the layers or the recipes, so no recipe code loads in the service worker (the panel
 * completes a record when shown: src/panel/complete.ts). src/core/index.ts re-exports all of it.
 */
export type { Analysis, CredentialsInfo, Verdict } from './analysis.ts'
export { analyze, emptyAnalysis, errorText } from './analyze.ts'
export type {
  CredentialsMode,
  Exchange,
  Outcome,
  Preflight,
  Redirect,
  RequestSide,
  ResponseSide,
} from './exchange.ts'
export { isRedirectStatus, needsPreflight } from './fetch-rules.ts'
export { harToExchanges } from './har/index.ts'
export {
  type HeaderLine,
  type HeaderList,
  hasHeader,
  headerValue,
  linesNamed,
  parseHeadersText,
  parseStatusLine,
  splitHeaderList,
  toHeaderList,
} from './headers.ts'
export type {
  CorsErrorName,
  Finding,
  FirefoxReason,
  HeaderPlace,
  HeaderRef,
  Link,
  Severity,
} from './model/finding.ts'
export { classifyFailure } from './net-errors.ts'
export { Session, type SessionOptions } from './session.ts'
