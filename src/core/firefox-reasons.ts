/**
 * Firefox's own words for CORS failures: its 16 console reasons, verbatim from Firefox ESR 153.8's
 * chrome/en-US/locale/en-US/global/security/security.properties (inside omni.ja), and the MDN page its console
 * links for each (devtools/server/actors/errordocs.js, CorsErrorDocs; Firefox adds utm_* tracking parameters,
 * left out here). Keyed by the security.properties key, which is also the console message's category.
 *
 * Which Firefox reason names the same failure as each of Chromium's CorsErrors was measured by running the
 * lab's scenarios in Firefox ESR 153 (test/e2e/firefox.test.ts); the cases where the two browsers judge the
 * same headers differently are recorded in FIREFOX_DIFFERENCES below.
 */

import { isToken } from './fetch-rules.ts'
import { splitHeaderList } from './headers.ts'
import type { CorsErrorName, FirefoxReason } from './model/finding.ts'

export type FirefoxReasonKey =
  | 'CORSDisabled'
  | 'CORSDidNotSucceed2'
  | 'CORSOriginHeaderNotAdded'
  | 'CORSExternalRedirectNotAllowed'
  | 'CORSRequestNotHttp'
  | 'CORSMissingAllowOrigin2'
  | 'CORSMultipleAllowOriginNotAllowed'
  | 'CORSAllowOriginNotMatchingOrigin'
  | 'CORSNotSupportingCredentials'
  | 'CORSMethodNotFound'
  | 'CORSMissingAllowCredentials'
  | 'CORSPreflightDidNotSucceed3'
  | 'CORSInvalidAllowMethod'
  | 'CORSInvalidAllowHeader'
  | 'CORSMissingAllowHeaderFromPreflight2'
  | 'CORSAllowHeaderFromPreflightDeprecation'

interface ReasonText {
  /** The "(Reason: …)" text; "%2$S" is the parameter (a header value, token or header name). */
  readonly reason: string
  /** Whether Firefox appends " Status code: N." (N is "(null)" when there was no response). */
  readonly status: boolean
  /** Whether Firefox quotes the URL (‘…’). */
  readonly quotedUrl: boolean
  /** The MDN page Firefox's console links ("Learn more"); null when it links none. */
  readonly mdn: string | null
  /** A warning, not a block (the Authorization-under-'*' deprecation). */
  readonly warning?: boolean
}

const MDN = 'https://developer.mozilla.org/docs/Web/HTTP/Guides/CORS/Errors/'
const BLOCKED =
  'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at '

export const FIREFOX_REASONS: Readonly<Record<FirefoxReasonKey, ReasonText>> = {
  CORSDisabled: { reason: 'CORS disabled', status: false, quotedUrl: false, mdn: `${MDN}CORSDisabled` },
  CORSDidNotSucceed2: {
    reason: 'CORS request did not succeed',
    status: true,
    quotedUrl: false,
    mdn: `${MDN}CORSDidNotSucceed`,
  },
  CORSOriginHeaderNotAdded: {
    reason: 'CORS header ‘Origin’ cannot be added',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSOriginHeaderNotAdded`,
  },
  CORSExternalRedirectNotAllowed: {
    reason: 'CORS request external redirect not allowed',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSExternalRedirectNotAllowed`,
  },
  CORSRequestNotHttp: {
    reason: 'CORS request not http',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSRequestNotHttp`,
  },
  CORSMissingAllowOrigin2: {
    reason: 'CORS header ‘Access-Control-Allow-Origin’ missing',
    status: true,
    quotedUrl: false,
    mdn: `${MDN}CORSMissingAllowOrigin`,
  },
  CORSMultipleAllowOriginNotAllowed: {
    reason: 'Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSMultipleAllowOriginNotAllowed`,
  },
  CORSAllowOriginNotMatchingOrigin: {
    reason: 'CORS header ‘Access-Control-Allow-Origin’ does not match ‘%2$S’',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSAllowOriginNotMatchingOrigin`,
  },
  CORSNotSupportingCredentials: {
    reason: 'Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’',
    status: false,
    quotedUrl: true,
    mdn: `${MDN}CORSNotSupportingCredentials`,
  },
  CORSMethodNotFound: {
    reason: 'Did not find method in CORS header ‘Access-Control-Allow-Methods’',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSMethodNotFound`,
  },
  CORSMissingAllowCredentials: {
    reason: 'expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSMissingAllowCredentials`,
  },
  CORSPreflightDidNotSucceed3: {
    reason: 'CORS preflight response did not succeed',
    status: true,
    quotedUrl: false,
    mdn: `${MDN}CORSPreflightDidNotSucceed`,
  },
  CORSInvalidAllowMethod: {
    reason: 'invalid token ‘%2$S’ in CORS header ‘Access-Control-Allow-Methods’',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSInvalidAllowMethod`,
  },
  CORSInvalidAllowHeader: {
    reason: 'invalid token ‘%2$S’ in CORS header ‘Access-Control-Allow-Headers’',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSInvalidAllowHeader`,
  },
  CORSMissingAllowHeaderFromPreflight2: {
    reason:
      'header ‘%2$S’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response',
    status: false,
    quotedUrl: false,
    mdn: `${MDN}CORSMissingAllowHeaderFromPreflight`,
  },
  CORSAllowHeaderFromPreflightDeprecation: {
    reason:
      'When the `Access-Control-Allow-Headers` is `*`, the `Authorization` header is not covered. To include the `Authorization` header, it must be explicitly listed in CORS header `Access-Control-Allow-Headers`',
    status: false,
    quotedUrl: false,
    mdn: null,
    warning: true,
  },
}

export const FIREFOX_REASON_KEYS = Object.keys(FIREFOX_REASONS) as FirefoxReasonKey[]

/**
 * The Firefox reason that names the same failure as each CorsError (null: Firefox has no console reason for
 * it, or the failure cannot reach Firefox's CORS check). Measured in Firefox ESR 153 on the lab:
 * - Firefox has one reason for a wrong ACAO value, whether it cannot be parsed or names another origin.
 * - A Location with user:pass is refused with the generic "CORS request did not succeed" (Status code: (null)).
 * - The preflight and the actual response use the same reasons; Firefox adds "CORS request did not succeed"
 *   for the actual request after a failed preflight.
 */
export const FIREFOX_REASON_FOR: Readonly<Record<CorsErrorName, FirefoxReasonKey | null>> = {
  DisallowedByMode: null,
  InvalidResponse: null,
  WildcardOriginNotAllowed: 'CORSNotSupportingCredentials',
  MissingAllowOriginHeader: 'CORSMissingAllowOrigin2',
  MultipleAllowOriginValues: 'CORSMultipleAllowOriginNotAllowed',
  InvalidAllowOriginValue: 'CORSAllowOriginNotMatchingOrigin',
  AllowOriginMismatch: 'CORSAllowOriginNotMatchingOrigin',
  InvalidAllowCredentials: 'CORSMissingAllowCredentials',
  CorsDisabledScheme: 'CORSRequestNotHttp',
  PreflightInvalidStatus: 'CORSPreflightDidNotSucceed3',
  PreflightDisallowedRedirect: 'CORSExternalRedirectNotAllowed',
  PreflightWildcardOriginNotAllowed: 'CORSNotSupportingCredentials',
  PreflightMissingAllowOriginHeader: 'CORSMissingAllowOrigin2',
  PreflightMultipleAllowOriginValues: 'CORSMultipleAllowOriginNotAllowed',
  PreflightInvalidAllowOriginValue: 'CORSAllowOriginNotMatchingOrigin',
  PreflightAllowOriginMismatch: 'CORSAllowOriginNotMatchingOrigin',
  PreflightInvalidAllowCredentials: 'CORSMissingAllowCredentials',
  InvalidAllowMethodsPreflightResponse: 'CORSInvalidAllowMethod',
  InvalidAllowHeadersPreflightResponse: 'CORSInvalidAllowHeader',
  MethodDisallowedByPreflightResponse: 'CORSMethodNotFound',
  HeaderDisallowedByPreflightResponse: 'CORSMissingAllowHeaderFromPreflight2',
  RedirectContainsCredentials: 'CORSDidNotSucceed2',
  // A Local Network Access refusal: Firefox's CORS line is only the generic one (FIREFOX_LNA says more).
  InsecureLocalNetwork: 'CORSDidNotSucceed2',
  InvalidLocalNetworkAccess: null,
  LocalNetworkAccessPermissionDenied: 'CORSDidNotSucceed2',
}

/**
 * Firefox's own Local Network Access, in its own words. Measured in firefox-esr 153.8 on the lab (pages made
 * public with network.lna.address_space.public.override, test/e2e/firefox.test.ts): with the default prefs
 * (network.lna.blocking is true on 153's default branch) a public page's fetch of http://127.0.0.1,
 * http://localhost, a name mapped to loopback or a .local device waits for Firefox's prompt, on an http page
 * as on an https one (network.lna.block_insecure_contexts is false); when the user blocks it (or a saved
 * Block applies, or the prompt times out) webRequest ends the request — and its preflight, both — with
 * NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED and no `ip` (nothing was sent), the page gets "TypeError:
 * NetworkError when attempting to fetch resource.", and the console prints the generic CORS line
 * ("CORS request did not succeed", Status code: (null)) beside Firefox's two Security messages below
 * (a refused preflighted request gets no Security line). Firefox's netmonitor HAR writes such a request as
 * status 0 with no error and no address: an export cannot tell it from any other failure.
 * The words are verbatim from 153.8's omni.ja; in the source (https://github.com/mozilla-firefox/firefox):
 * the prefs in modules/libpref/init/StaticPrefList.yaml (network.lna.*), the policy in
 * browser/components/enterprisepolicies/Policies.sys.mjs (LocalNetworkAccess: EnablePrompting sets
 * network.lna.blocking, SkipDomains network.lna.skip-domains), the messages in
 * netwerk/locales/en-US/necko.properties, the permission names in browser/modules/PermissionUI.sys.mjs,
 * the prompt and labels in browser/locales/en-US/chrome/browser/browser.properties and
 * browser/locales/en-US/browser/preferences/preferences.ftl.
 */
export const FIREFOX_LNA = {
  /** webRequest onErrorOccurred's error, on the request and on its preflight. */
  error: 'NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED',
  /** necko.properties LocalNetworkAccessPermissionRequired, printed when Firefox asks. */
  permissionRequired:
    'Local Network Access permission required: top-level site “%1$S”, initiator “%2$S”, attempting to access target “%3$S” (%4$S:%5$S) via %6$S. Secure context: %7$S',
  /** necko.properties LocalNetworkAccessDetected; %8$S: prompt_deny, auto_deny (a saved Block), auto_allow, prompt_allow. */
  detected:
    'Local Network Access detected: top-level site “%1$S”, initiator “%2$S”, accessing target “%3$S” (%4$S:%5$S) via %6$S. Secure context: %7$S, prompt action: %8$S',
  /** Firefox's permission names (PermissionUI.sys.mjs), its prompt and its Settings → Permissions labels. */
  permission: {
    loopback: {
      name: 'loopback-network',
      prompt: '%S wants to access other apps and services on this device.',
      setting: 'Device apps and services',
    },
    local: {
      name: 'local-network',
      prompt: '%S wants to access apps and services on devices connected to your local network.',
      setting: 'Local network devices',
    },
  },
  /** The address-bar icon's tooltip (browser.ftl urlbar-local-network-notification-anchor). */
  addressBarIcon: 'Manage sharing your local network access with this site',
  prefs: {
    blocking: 'network.lna.blocking',
    skipDomains: 'network.lna.skip-domains',
    blockInsecureContexts: 'network.lna.block_insecure_contexts',
  },
  /** The enterprise policy (policies.json); SkipDomains sets network.lna.skip-domains. */
  policy: 'LocalNetworkAccess',
  links: [
    {
      title: 'Firefox: control local network permissions',
      url: 'https://support.mozilla.org/en-US/kb/control-personal-device-local-network-permissions-firefox',
    },
    {
      title: 'Firefox policy: LocalNetworkAccess',
      url: 'https://mozilla.github.io/policy-templates/#localnetworkaccess',
    },
  ],
} as const

/** Whether an error string is Firefox's Local Network Access refusal. */
export function isFirefoxLnaError(error: string): boolean {
  return error.includes(FIREFOX_LNA.error)
}

/**
 * Where Firefox ESR 153 and Chromium 156 judge the same header lines differently (the lab's scenarios run in
 * both; the scenario ids are in test/lab/scenarios.ts). Firefox's verdict is what CORS Lens shows in Firefox
 * except where its webRequest cannot show the difference (noted).
 */
export const FIREFOX_DIFFERENCES = [
  'One ACAO line holding a list (\u2018a, b\u2019, multi-one-line, pf-multi-one-line) or a space (\u2018a b\u2019, multi-inner-space): Chromium says MultipleAllowOriginValues, Firefox "does not match \u2018a, b\u2019". Firefox counts header lines; its webRequest joins duplicate lines with ", ", so one line with a comma looks the same as two lines and CORS Lens keeps MultipleAllowOriginValues. One line with a space and no comma is visibly one line: CORS Lens follows Firefox there (checks.ts).',
  'Two ACAO lines, one of them empty (multi-empty-and-star): both browsers block as "multiple"; Firefox\u2019s webRequest shows only \u2018*\u2019 (the empty line is dropped), so CORS Lens cannot see the failure in Firefox.',
  'The safelisted request headers totalling more than 1024 bytes (header-total-1024): Chromium makes them CORS-unsafe and preflights (HeaderDisallowedByPreflightResponse); Firefox sends no preflight and lets the request through.',
  'A preflight redirected to another origin then answered for the opaque origin (ok-redir-preflight-tainted-null): Chromium passes it; Firefox blocks it ("does not match \u2018null\u2019").',
  'A redirected preflight without ACAO (pf-redirect-no-acao): Chromium refuses the redirect first (PreflightDisallowedRedirect); Firefox reads ACAO first ("CORS header \u2018Access-Control-Allow-Origin\u2019 missing", PreflightMissingAllowOriginHeader).',
  'A Location with user:pass (redir-userinfo, redir-userinfo-same-origin): Chromium names RedirectContainsCredentials; Firefox prints only "CORS request did not succeed".',
  'A redirect that fails its CORS check ends in Firefox with NS_ERROR_NET_ON_RECEIVING_FROM or NS_ERROR_UNEXPECTED at the next URL (never sent); Chromium ends it as net::ERR_FAILED at the redirecting URL.',
  'A blocked simple request ends in Firefox\u2019s webRequest as onCompleted (status 200, no error); Chromium reports onErrorOccurred net::ERR_FAILED. Preflight failures end as NS_ERROR_DOM_BAD_URI on both the OPTIONS and the actual request.',
  'Local Network Access (lna-firefox-* in test/e2e/firefox.test.ts): Chromium refuses a plain-http public page outright (InsecureLocalNetwork) and asks only an https one; Firefox ESR 153 asks on both (network.lna.block_insecure_contexts is off) and, refused, ends the request and its preflight with NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED, printing "CORS request did not succeed" and "Local Network Access detected: \u2026 prompt action: prompt_deny" (auto_deny for a saved Block). CORS Lens names it LocalNetworkAccessPermissionDenied with Firefox\u2019s permission names and cures.',
  'Credentials with ACAO \u2018*\u2019 and no Cookie header: both block, but webRequest does not tell the credentials mode in either browser; in Chromium the error itself reveals it, in Firefox (a completion) nothing does.',
] as const

/** Firefox's "(Reason: …)" text with its parameter filled in. */
export function firefoxReasonText(key: FirefoxReasonKey, param = ''): string {
  return FIREFOX_REASONS[key].reason.replace('%2$S', param)
}

/** A finding's Firefox reason: the key, the text Firefox prints, and the MDN page its console links. */
export function firefoxReason(error: CorsErrorName, param = ''): FirefoxReason | null {
  const key = FIREFOX_REASON_FOR[error]
  if (!key) return null
  const mdn = FIREFOX_REASONS[key].mdn
  return { key, text: firefoxReasonText(key, param), mdn: mdn ?? '' }
}

/**
 * The whole console line Firefox prints for a finding's reason, e.g.
 * "Cross-Origin Request Blocked: … at <url>. (Reason: …). Status code: 200."
 */
export function firefoxConsoleMessage(
  reason: FirefoxReason,
  url: string,
  /** The response status; null when there was none (Firefox prints "(null)"). */
  status: number | null,
): string {
  const info = FIREFOX_REASONS[reason.key as FirefoxReasonKey]
  if (!info) return `${BLOCKED}${url}. (Reason: ${reason.text}).`
  const where = info.quotedUrl ? `‘${url}’` : url
  const tail = info.status ? ` Status code: ${status ?? '(null)'}.` : ''
  const head = info.warning
    ? `Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote resource at ${where} soon.`
    : `${BLOCKED}${where}.`
  return `${head} (Reason: ${reason.text}).${tail}`
}

/** The key of a "(Reason: …)" text as Firefox printed it; null when it is none of the 16. Linear. */
export function firefoxReasonKey(reason: string): FirefoxReasonKey | null {
  for (const key of FIREFOX_REASON_KEYS) {
    const template = FIREFOX_REASONS[key].reason
    const at = template.indexOf('%2$S')
    if (at < 0) {
      if (reason === template) return key
      continue
    }
    const prefix = template.slice(0, at)
    const suffix = template.slice(at + 4)
    if (
      reason.length >= prefix.length + suffix.length &&
      reason.startsWith(prefix) &&
      reason.endsWith(suffix)
    )
      return key
  }
  return null
}

/** The first comma-separated element of an allow-list header that is not an HTTP token (Firefox's ‘%2$S’). */
export function firstInvalidToken(value: string): string {
  // The same split and the same rule as the check that failed it (checks.ts parseAllowList).
  return splitHeaderList(value).find((item) => !isToken(item)) ?? ''
}
