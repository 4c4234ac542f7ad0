/** The engine's public surface: headers in, findings out. Everything outside src/core imports from here. */
export type {
  Analysis,
  CredentialsInfo,
  Diagnosis,
  Finding,
  FirefoxReason,
  HeaderPlace,
  HeaderRef,
  Link,
  Severity,
  Verdict,
} from './analysis.ts'
export { analyze, errorText } from './analyze.ts'
export type { Attribution, Confidence, LineAttribution } from './attribution-types.ts'
export {
  CORS_ERROR_NAMES,
  CORS_ERRORS,
  type CorsErrorName,
  chromiumConsoleMessage,
  isCorsErrorName,
} from './cors-errors.ts'
export { complete, diagnose, diagnoseSafely, emptyDiagnosis } from './diagnose.ts'
export type {
  CredentialsMode,
  Exchange,
  Outcome,
  Preflight,
  Redirect,
  RequestSide,
  ResponseSide,
} from './exchange.ts'
export {
  FIREFOX_REASON_FOR,
  FIREFOX_REASONS,
  type FirefoxReasonKey,
  firefoxConsoleMessage,
  firefoxReasonKey,
} from './firefox-reasons.ts'
export type { Fix, FixChange, Layer, Stack } from './fix.ts'
export {
  csharpString,
  isToken,
  javaString,
  jsonString,
  jsString,
  pythonString,
  rubyString,
  shellWord,
} from './fixes/escape.ts'
export {
  type HeaderLine,
  type HeaderList,
  hasHeader,
  headerValue,
  linesNamed,
  parseHeadersText,
  parseStatusLine,
  scanWork,
  splitHeaderList,
  toHeaderList,
} from './headers.ts'
export {
  isSecretHeader,
  REDACTED,
  redactExchange,
  redactForOutput,
  redactHeaders,
  redactHeaderValue,
  redactText,
  redactUrl,
  secretValues,
} from './redact.ts'
