/** The engine's public surface: headers in, findings out. Everything outside src/core imports from here. */
export type {
  Analysis,
  CredentialsInfo,
  Diagnosis,
  Finding,
  HeaderPlace,
  HeaderRef,
  Link,
  Severity,
  Verdict,
} from './analysis.ts'
export { analyze } from './analyze.ts'
export type { Attribution, Confidence, LineAttribution } from './attribution-types.ts'
export {
  CORS_ERROR_NAMES,
  CORS_ERRORS,
  type CorsErrorName,
  chromiumConsoleMessage,
  isCorsErrorName,
} from './cors-errors.ts'
export { complete, diagnose, emptyDiagnosis } from './diagnose.ts'
export type {
  CredentialsMode,
  Exchange,
  Outcome,
  Preflight,
  Redirect,
  RequestSide,
  ResponseSide,
} from './exchange.ts'
export type { Fix, FixChange, Layer, Stack } from './fix.ts'
export {
  type HeaderLine,
  type HeaderList,
  hasHeader,
  headerValue,
  linesNamed,
  parseHeadersText,
  toHeaderList,
} from './headers.ts'
