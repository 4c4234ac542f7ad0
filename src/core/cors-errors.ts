/**
 * Chromium's CorsError vocabulary (services/network/public/mojom/cors.mojom, names as CDP reports them,
 * without the k prefix), with the console sentence Blink prints for each (cors_error_string.cc),
 * and the reference pages (Firefox's words for the same failures: firefox-reasons.ts).
 * Keyed by name: the enum's numbers are not stable across Chromium versions.
 */

import { LNA_LINKS } from './local-network.ts'
import type { CorsErrorName, Link } from './model/finding.ts'

export type { CorsErrorName } from './model/finding.ts'

const MDN = 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/'
const WEB_DEV: Link = {
  title: 'Cross-Origin Resource Sharing (web.dev)',
  url: 'https://web.dev/articles/cross-origin-resource-sharing',
}

const XHR_CREDENTIALS =
  ' The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.'

/** The address spaces a Local Network Access message names (Chromium's ShortAddressSpace words). */
export interface AddressSpaces {
  readonly resource: string
  readonly declared?: string
}

interface CorsErrorInfo {
  /** Plain words, for people who have never read the Fetch Standard. */
  readonly plain: string
  /** Blink's console detail; `hint` is the failed parameter (Local Network Access: the address spaces). */
  readonly detail: (hint: string, initiator: 'fetch' | 'xhr' | 'other', spaces?: AddressSpaces) => string
  /** Chromium prefixes these with "Response to preflight request doesn't pass access control check: ". */
  readonly preflightPrefix: boolean
  readonly links: readonly Link[]
}

const noCors = (i: 'fetch' | 'xhr' | 'other'): string =>
  i === 'fetch' ? ' Have the server send the header with a valid value.' : ''

const ALLOW_ORIGIN: Record<
  'wildcard' | 'missing' | 'multiple' | 'invalid' | 'mismatch' | 'credentials',
  Omit<CorsErrorInfo, 'preflightPrefix'>
> = {
  wildcard: {
    plain:
      "The request carried credentials (cookies or HTTP auth), and the server answered Access-Control-Allow-Origin '*'. With credentials the browser needs the exact origin, never '*'.",
    detail: (_h, i) =>
      "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'." +
      (i === 'xhr' ? XHR_CREDENTIALS : ''),
    links: [
      { title: 'MDN: CORSNotSupportingCredentials', url: `${MDN}CORSNotSupportingCredentials` },
      WEB_DEV,
    ],
  },
  missing: {
    plain:
      'The response has no Access-Control-Allow-Origin header, so the browser may not hand it to the page.',
    detail: () => "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
    links: [{ title: 'MDN: CORSMissingAllowOrigin', url: `${MDN}CORSMissingAllowOrigin` }, WEB_DEV],
  },
  multiple: {
    plain:
      'Access-Control-Allow-Origin must hold exactly one origin. It holds several — usually because two layers (a proxy and the app) each added the header.',
    detail: (h, i) =>
      `The 'Access-Control-Allow-Origin' header contains multiple values '${h}', but only one is allowed.${noCors(i)}`,
    links: [
      { title: 'MDN: CORSMultipleAllowOriginNotAllowed', url: `${MDN}CORSMultipleAllowOriginNotAllowed` },
      WEB_DEV,
    ],
  },
  invalid: {
    plain:
      "Access-Control-Allow-Origin must be an origin such as 'https://app.example', 'null' or '*'. This value is not a URL the browser can parse.",
    detail: (h, i) =>
      `The 'Access-Control-Allow-Origin' header contains the invalid value '${h}'.${noCors(i)}`,
    links: [
      { title: 'MDN: CORSAllowOriginNotMatchingOrigin', url: `${MDN}CORSAllowOriginNotMatchingOrigin` },
      WEB_DEV,
    ],
  },
  mismatch: {
    plain:
      "Access-Control-Allow-Origin names an origin, but not the page's. The comparison is exact: scheme, host and port, no trailing slash, lower case.",
    detail: (h, i) =>
      `The 'Access-Control-Allow-Origin' header has a value '${h}' that is not equal to the supplied origin.${noCors(i)}`,
    links: [
      { title: 'MDN: CORSAllowOriginNotMatchingOrigin', url: `${MDN}CORSAllowOriginNotMatchingOrigin` },
      WEB_DEV,
    ],
  },
  credentials: {
    plain:
      'The request carried credentials, so the response must also say Access-Control-Allow-Credentials: true (exactly, lower case). It did not.',
    detail: (h, i) =>
      `The value of the 'Access-Control-Allow-Credentials' header in the response is '${h}' which must be 'true' when the request's credentials mode is 'include'.` +
      (i === 'xhr' ? XHR_CREDENTIALS : ''),
    links: [{ title: 'MDN: CORSMissingAllowCredentials', url: `${MDN}CORSMIssingAllowCredentials` }, WEB_DEV],
  },
}

export const CORS_ERRORS: Record<CorsErrorName, CorsErrorInfo> = {
  DisallowedByMode: {
    plain: "The request was made with mode 'same-origin', which forbids cross-origin requests outright.",
    detail: () => 'Cross origin requests are not allowed by request mode.',
    preflightPrefix: false,
    links: [WEB_DEV],
  },
  InvalidResponse: {
    plain: 'The response was invalid.',
    detail: () => 'The response is invalid.',
    preflightPrefix: false,
    links: [WEB_DEV],
  },
  WildcardOriginNotAllowed: { ...ALLOW_ORIGIN.wildcard, preflightPrefix: false },
  MissingAllowOriginHeader: { ...ALLOW_ORIGIN.missing, preflightPrefix: false },
  MultipleAllowOriginValues: { ...ALLOW_ORIGIN.multiple, preflightPrefix: false },
  InvalidAllowOriginValue: { ...ALLOW_ORIGIN.invalid, preflightPrefix: false },
  AllowOriginMismatch: { ...ALLOW_ORIGIN.mismatch, preflightPrefix: false },
  InvalidAllowCredentials: { ...ALLOW_ORIGIN.credentials, preflightPrefix: false },
  CorsDisabledScheme: {
    plain:
      'CORS requests work only over http and https (and a few browser schemes); this URL uses another scheme.',
    detail: () =>
      'Cross origin requests are only supported for protocol schemes: http, data, isolated-app, chrome-extension, chrome, https, chrome-untrusted.',
    preflightPrefix: false,
    links: [{ title: 'MDN: CORSRequestNotHttp', url: `${MDN}CORSRequestNotHttp` }, WEB_DEV],
  },
  PreflightInvalidStatus: {
    plain:
      'The preflight (OPTIONS) request got a non-2xx status. A preflight must be answered with 200–299 — often an auth layer or a router that does not know OPTIONS answers it instead.',
    detail: () => 'It does not have HTTP ok status.',
    preflightPrefix: true,
    links: [{ title: 'MDN: CORSPreflightDidNotSucceed', url: `${MDN}CORSPreflightDidNotSucceed` }, WEB_DEV],
  },
  PreflightDisallowedRedirect: {
    plain:
      'The preflight (OPTIONS) request was redirected. Browsers never follow a redirect on a preflight — call the final URL directly (a trailing slash or http→https redirect is the usual cause).',
    detail: () => 'Redirect is not allowed for a preflight request.',
    preflightPrefix: true,
    links: [
      { title: 'MDN: CORSExternalRedirectNotAllowed', url: `${MDN}CORSExternalRedirectNotAllowed` },
      WEB_DEV,
    ],
  },
  PreflightWildcardOriginNotAllowed: { ...ALLOW_ORIGIN.wildcard, preflightPrefix: true },
  PreflightMissingAllowOriginHeader: { ...ALLOW_ORIGIN.missing, preflightPrefix: true },
  PreflightMultipleAllowOriginValues: { ...ALLOW_ORIGIN.multiple, preflightPrefix: true },
  PreflightInvalidAllowOriginValue: { ...ALLOW_ORIGIN.invalid, preflightPrefix: true },
  PreflightAllowOriginMismatch: { ...ALLOW_ORIGIN.mismatch, preflightPrefix: true },
  PreflightInvalidAllowCredentials: { ...ALLOW_ORIGIN.credentials, preflightPrefix: true },
  InvalidAllowMethodsPreflightResponse: {
    plain:
      'The preflight response has an Access-Control-Allow-Methods header the browser cannot parse: it must be a comma-separated list of method names.',
    detail: () => 'Cannot parse Access-Control-Allow-Methods response header field in preflight response.',
    preflightPrefix: false,
    links: [{ title: 'MDN: CORSInvalidAllowMethod', url: `${MDN}CORSInvalidAllowMethod` }, WEB_DEV],
  },
  InvalidAllowHeadersPreflightResponse: {
    plain:
      'The preflight response has an Access-Control-Allow-Headers header the browser cannot parse: it must be a comma-separated list of header names.',
    detail: () => 'Cannot parse Access-Control-Allow-Headers response header field in preflight response.',
    preflightPrefix: false,
    links: [{ title: 'MDN: CORSInvalidAllowHeader', url: `${MDN}CORSInvalidAllowHeader` }, WEB_DEV],
  },
  MethodDisallowedByPreflightResponse: {
    plain:
      'The preflight answer does not list this method in Access-Control-Allow-Methods. The comparison is case-sensitive.',
    detail: (h) => `Method ${h} is not allowed by Access-Control-Allow-Methods in preflight response.`,
    preflightPrefix: false,
    links: [{ title: 'MDN: CORSMethodNotFound', url: `${MDN}CORSMethodNotFound` }, WEB_DEV],
  },
  HeaderDisallowedByPreflightResponse: {
    plain:
      'The request sends a header that the preflight answer does not list in Access-Control-Allow-Headers.',
    detail: (h) =>
      `Request header field ${h} is not allowed by Access-Control-Allow-Headers in preflight response.`,
    preflightPrefix: false,
    links: [
      { title: 'MDN: CORSMissingAllowHeaderFromPreflight', url: `${MDN}CORSMissingAllowHeaderFromPreflight` },
      WEB_DEV,
    ],
  },
  RedirectContainsCredentials: {
    plain:
      'A redirect pointed to a URL with a user name and password in it, which cross-origin requests may not follow.',
    detail: (h) =>
      `Redirect location '${h}' contains a username and password, which is disallowed for cross-origin requests.`,
    preflightPrefix: false,
    links: [WEB_DEV],
  },
  InsecureLocalNetwork: {
    plain:
      'A page that is not a secure context tried to reach a more private network (Local Network Access).',
    detail: (h, _i, sp) =>
      `The request client is not a secure context and the resource is in more-private address space \`${sp?.resource ?? h}\`.`,
    preflightPrefix: false,
    links: LNA_LINKS,
  },
  InvalidLocalNetworkAccess: {
    plain: "The request's declared targetAddressSpace does not match the address space it reached.",
    detail: (h, _i, sp) =>
      `Request had a target IP address space of \`${sp?.declared ?? h}\` yet the resource is in address space \`${sp?.resource ?? h}\`.`,
    preflightPrefix: false,
    links: LNA_LINKS,
  },
  LocalNetworkAccessPermissionDenied: {
    plain: 'The user has not granted this site the Local Network Access permission.',
    detail: (h, _i, sp) =>
      `Permission was denied for this request to access the \`${sp?.resource ?? h}\` address space.`,
    preflightPrefix: false,
    links: LNA_LINKS,
  },
}

export const CORS_ERROR_NAMES = Object.keys(CORS_ERRORS) as CorsErrorName[]

export function isCorsErrorName(s: string): s is CorsErrorName {
  return Object.hasOwn(CORS_ERRORS, s)
}

/**
 * The console sentence Chromium prints (GetErrorStringForConsoleMessage):
 * Access to fetch at '<url>' [(redirected from '<first>') ]from origin '<origin>' has been blocked by CORS policy: …
 */
export function chromiumConsoleMessage(args: {
  error: CorsErrorName
  failedParameter: string
  url: string
  initialUrl?: string
  origin: string
  initiator?: 'fetch' | 'xhr' | 'other'
  addressSpace?: AddressSpaces
}): string {
  const info = CORS_ERRORS[args.error]
  const initiator = args.initiator ?? 'fetch'
  const kind = initiator === 'xhr' ? 'XMLHttpRequest' : initiator === 'fetch' ? 'fetch' : 'resource'
  const redirected =
    args.initialUrl && args.initialUrl !== args.url ? `(redirected from '${args.initialUrl}') ` : ''
  const prefix = info.preflightPrefix
    ? "Response to preflight request doesn't pass access control check: "
    : ''
  return `Access to ${kind} at '${args.url}' ${redirected}from origin '${args.origin}' has been blocked by CORS policy: ${prefix}${info.detail(encodeHint(args.failedParameter), initiator, args.addressSpace)}`
}

/** Chromium's EncodeHint: non-printable and non-ASCII characters as \uXXXX. */
function encodeHint(hint: string): string {
  let out = ''
  for (const ch of hint) {
    const code = ch.codePointAt(0) ?? 0
    out += code >= 0x20 && code < 0x7f ? ch : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`
  }
  return out
}
