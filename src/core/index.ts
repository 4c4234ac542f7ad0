/**
 * The engine's public surface: headers in, findings, layers and fixes out. Everything outside src/core imports
 * from here, or from src/core/verdict.ts (the worker's part, re-exported here); test/design.test.ts checks it.
 */

export type { Diagnosis } from './analysis.ts'
export type { Attribution, Confidence, LineAttribution, LineLayers } from './attribution-types.ts'
export {
  CORS_ERROR_NAMES,
  CORS_ERRORS,
  type CorsErrorName,
  chromiumConsoleMessage,
  isCorsErrorName,
} from './cors-errors.ts'
export {
  complete,
  completeWith,
  diagnose,
  diagnoseIn,
  diagnoseSafely,
  emptyDiagnosis,
  taintCause,
} from './diagnose.ts'
export {
  corsUnsafeRequestHeaderNames,
  isForbiddenRequestHeader,
  isToken,
  methodAfterRedirect,
  needsPreflight,
  normalizeMethod,
} from './fetch-rules.ts'
export {
  FIREFOX_LNA,
  FIREFOX_REASON_FOR,
  FIREFOX_REASONS,
  type FirefoxReasonKey,
  firefoxConsoleMessage,
  firefoxReasonKey,
} from './firefox-reasons.ts'
export type { Fix, FixChange, Layer, Stack } from './fix.ts'
export {
  csharpString,
  javaString,
  jsonString,
  jsString,
  pythonString,
  rubyString,
  shellWord,
} from './fixes/escape.ts'
export { exchangesToHar, HarReader, harLogOf } from './har/index.ts'
export { scanWork } from './headers.ts'
export {
  type LayerProbeAnswer,
  type LayerProbeKind,
  type LayerProbeReading,
  readLayerProbe,
} from './layer-probes.ts'
export {
  type AnswerDifference,
  compareAnswers,
  type MeasuredLine,
  type Measurement,
  measureLayers,
  type UnsentLine,
  type UpstreamAnswers,
} from './layers-by-difference.ts'
export * from './lint/index.ts'
export {
  type AddressSpace,
  addressSpaceOf,
  type PlannedRequest,
  predictedLocalNetworkExchange,
  vpnRangeOf,
} from './local-network.ts'
export { hasUserinfo, originOf } from './origin.ts'
export {
  isSecretHeader,
  mapStrings,
  REDACTED,
  redactExchange,
  redactForOutput,
  redactHeaders,
  redactHeaderValue,
  redactText,
  redactUrl,
  secretValues,
} from './redact.ts'
export { APP_URL_PLACEHOLDER, settleCommand } from './settle.ts'
export { stackName } from './stacks/index.ts'
export * from './verdict.ts'
