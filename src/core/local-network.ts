/**
 * Local Network Access (Chrome 142+): a page on a less private address (public < local < loopback) that
 * calls a more private one is refused unless it is a secure context and the user granted the permission.
 * Chromium reports it as a CORS error before anything is sent, so the wire shows only the net error
 * (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS on a preflight, net::ERR_FAILED on the request), the
 * page's origin and the target URL — and, from the extension, the address the browser connected to.
 * Measured in Chromium 156 (test/lab/local-network.ts).
 */

import type { CredentialsMode, Exchange } from './exchange.ts'
import { FIREFOX_LNA, firefoxReason, isFirefoxLnaError } from './firefox-reasons.ts'
import { linesNamed } from './headers.ts'
import type { CorsErrorName, Finding, Link } from './model/finding.ts'

export type AddressSpace = 'public' | 'local' | 'loopback'

const RANK: Record<AddressSpace, number> = { public: 0, local: 1, loopback: 2 }

export const LNA_LINKS: readonly Link[] = [
  {
    title: 'Chrome: Local Network Access',
    url: 'https://developer.chrome.com/docs/modern-web-guidance/guides/security/local-network-access',
  },
  {
    title: 'MDN: Local network access',
    url: 'https://developer.mozilla.org/en-US/docs/Web/Security/Defenses/Local_network_access',
  },
]

function ipv4Space(host: string): AddressSpace | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  if (!m) return null
  const [a, b] = [Number(m[1]), Number(m[2])]
  if (a === 127 || (a === 0 && host === '0.0.0.0')) return 'loopback'
  if (vpnRange(a, b)) return 'local'
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254))
    return 'local'
  return 'public'
}

/**
 * VPN and fake-IP ranges a public name may resolve to; browsers treat them as local. IANA special-purpose
 * registry (https://www.iana.org/assignments/iana-ipv4-special-registry/): 100.64.0.0/10 Shared Address
 * Space (RFC 6598: CGNAT, Tailscale), 198.18.0.0/15 Benchmarking (RFC 2544: Clash/Surge TUN fake-IP).
 */
function vpnRange(a: number, b: number): 'cgnat' | 'fake-ip' | null {
  if (a === 100 && b >= 64 && b <= 127) return 'cgnat'
  if (a === 198 && (b === 18 || b === 19)) return 'fake-ip'
  return null
}

const VPN_WORDS = {
  cgnat:
    'a shared (CGNAT) address, 100.64.0.0/10, as a VPN such as Tailscale or a carrier NAT gives out; the browser counts it as local',
  'fake-ip':
    'a fake-IP address, 198.18.0.0/15, as a VPN or proxy in TUN mode (Clash, Surge) hands out; the browser counts it as local',
} as const

/** The VPN or fake-IP range an IPv4 (or IPv4-mapped) address is in, if any. */
export function vpnRangeOf(address: string | undefined): 'cgnat' | 'fake-ip' | null {
  const parts = (address?.toLowerCase().startsWith('::ffff:') ? address.slice(7) : (address ?? '')).split('.')
  return parts.length === 4 ? vpnRange(Number(parts[0]), Number(parts[1])) : null
}

/**
 * When the address the browser connected to (or, predicted, the one the name resolves to) is a VPN's or
 * fake-IP proxy's: why a public API looks local.
 */
export function vpnNote(address: string | undefined, basis: Crossing['toBasis'] = 'address'): string {
  const range = vpnRangeOf(address)
  if (!range) return ''
  const where =
    basis === 'address'
      ? `The browser connected to ${address}`
      : basis === 'resolved'
        ? `The name resolves to ${address}`
        : `The target ${address} is`
  return ` ${where}${basis === 'name' ? '' : ','} ${VPN_WORDS[range]}. If the API is really public, exclude its domain from the VPN's fake-IP range (or its split tunnel), or grant the permission.`
}

function ipv6Space(host: string): AddressSpace | null {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (!h.includes(':')) return null
  if (h === '::1') return 'loopback'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)
  if (mapped?.[1]) return ipv4Space(mapped[1])
  if (/^f[cd][0-9a-f]{0,2}:/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h)) return 'local'
  return 'public'
}

/** The space an IP address or host name says it is in; null when a name says nothing (it may be anywhere). */
export function addressSpaceOf(host: string): AddressSpace | null {
  const h = host.toLowerCase().replace(/\.$/, '')
  const ip = ipv4Space(h) ?? ipv6Space(h)
  if (ip) return ip
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback'
  if (h.endsWith('.local')) return 'local'
  return null
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname
  } catch {
    return null
  }
}

/**
 * A potentially trustworthy URL is never mixed content: loopback hosts and names
 * (https://w3c.github.io/webappsec-secure-contexts/#potentially-trustworthy-url).
 */
export function potentiallyTrustworthy(url: string): boolean {
  if (url.startsWith('https:') || url.startsWith('wss:')) return true
  const host = hostOf(url)
  return host !== null && addressSpaceOf(host) === 'loopback' && host !== '0.0.0.0'
}

export interface Crossing {
  readonly from: AddressSpace
  /** True when the page's space was assumed public: its name says nothing and the browser does not tell us. */
  readonly fromAssumed: boolean
  /** Null when only the browser's LNA error tells: it names no space (no `ip` for a request never sent). */
  readonly to: AddressSpace | null
  /**
   * How the target's space is known: the address the browser connected to, the address its name resolves
   * to (a prediction: `cors-lens check`), the host name, or neither — the browser's LNA error
   * ('browser-error'), or a preflight Chromium refused before any answer ('refused-preflight', see
   * refusedPreflight).
   */
  readonly toBasis: 'address' | 'resolved' | 'name' | 'browser-error' | 'refused-preflight'
}

/** The spaces a request crossed, when it went to a more private one; null otherwise or when not known. */
export function localNetworkCrossing(
  ex: Exchange,
  initiator: string | null,
  browserSaid: 'browser-error' | 'refused-preflight' | false = false,
): Crossing | null {
  const address = ex.remoteAddress ?? ex.resolvedAddress
  const byAddress = address ? addressSpaceOf(address) : null
  const targetHost = hostOf(ex.request.url)
  const to = byAddress ?? (targetHost ? addressSpaceOf(targetHost) : null)
  const pageHost = initiator ? hostOf(initiator) : null
  const named = ex.initiatorAddressSpace ?? (pageHost ? addressSpaceOf(pageHost) : null)
  const from = named ?? 'public'
  // The browser's own LNA error outranks the name: a custom name (/etc/hosts, *.test, nip.io) says nothing.
  if (!to) return browserSaid ? { from, fromAssumed: named === null, to: null, toBasis: browserSaid } : null
  if (RANK[to] <= RANK[from]) return null
  const byName = targetHost ? addressSpaceOf(targetHost) : null
  // A predicted address tells more than the name only when the name says nothing (not 127.0.0.1, localhost).
  const toBasis = !byAddress ? 'name' : ex.remoteAddress ? 'address' : byName ? 'name' : 'resolved'
  return { from, fromAssumed: named === null, to, toBasis }
}

export interface LocalNetworkBlock {
  readonly corsError: Extract<
    CorsErrorName,
    'InsecureLocalNetwork' | 'LocalNetworkAccessPermissionDenied' | 'InvalidLocalNetworkAccess'
  >
  readonly crossing: Crossing
  /** The space the page declared (targetAddressSpace), for InvalidLocalNetworkAccess. */
  readonly declared?: AddressSpace
  /** Firefox refused it (NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED): its words and cures, not Chrome's. */
  readonly firefox?: true
}

const LNA_ERROR = /LOCAL_NETWORK_ACCESS/i
const BARE_FAILED = /ERR_FAILED$/

/**
 * Chromium's webRequest reports a preflight's own failure as a bare net::ERR_FAILED whatever it was, and
 * the actual request's as the real error (net::ERR_CONNECTION_REFUSED, net::ERR_NAME_NOT_RESOLVED): measured
 * in Chromium 156 (test/lab/local-network.ts). A preflight that got no answer while its request also ended
 * in a bare net::ERR_FAILED was refused by the browser before any response: the Local Network Access check
 * (CDP names it net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS on the preflight). Firefox ends differently.
 */
function refusedPreflight(ex: Exchange): boolean {
  const p = ex.preflight
  return (
    ex.browser !== 'firefox' &&
    p !== undefined &&
    !p.response &&
    BARE_FAILED.test(p.error ?? '') &&
    ex.outcome.kind === 'error' &&
    BARE_FAILED.test(ex.outcome.error)
  )
}

/**
 * Whether the exchange is a Local Network Access block, and which. It must have failed before any answer
 * (no preflight response, redirect or response), with Chromium's LNA net error or a bare net::ERR_FAILED,
 * and must have gone to a more private space than the page's.
 */
export function localNetworkBlock(ex: Exchange, initiator: string | null): LocalNetworkBlock | null {
  if (ex.response || ex.preflight?.response || ex.redirects?.length) return null
  const errors = [ex.outcome.kind === 'error' ? ex.outcome.error : '', ex.preflight?.error ?? '']
  const lnaError = errors.some((e) => LNA_ERROR.test(e))
  // A WebSocket that got no handshake answer: webRequest says only net::ERR_FAILED, DevTools' HAR status 0
  // and no error (measured in Chromium 156); either way only the spaces can tell.
  const socketFailed = ex.api === 'websocket' && ex.outcome.kind !== 'ok'
  if (!lnaError && !socketFailed && !errors.some((e) => BARE_FAILED.test(e))) return null
  const said = lnaError ? 'browser-error' : refusedPreflight(ex) ? 'refused-preflight' : false
  const crossing = localNetworkCrossing(ex, initiator, said)
  if (!crossing) return null
  // Firefox asks on an http page as on an https one (network.lna.block_insecure_contexts is off by
  // default): refused, it is the permission that was not granted, whatever the page's scheme.
  if (errors.some(isFirefoxLnaError))
    return { corsError: 'LocalNetworkAccessPermissionDenied', crossing, firefox: true }
  if (initiator?.startsWith('http:')) return { corsError: 'InsecureLocalNetwork', crossing }
  const declared = declaredSpace(ex)
  if (declared && crossing.to && declared !== crossing.to)
    return { corsError: 'InvalidLocalNetworkAccess', crossing, declared }
  return { corsError: 'LocalNetworkAccessPermissionDenied', crossing }
}

/**
 * An https page reaches a plain-http URL whose host is not loopback only when it declared targetAddressSpace
 * (otherwise mixed content stops it first, and it never reaches the network). The declaration then matches
 * the name (a .local name or a private IP literal); known only when the browser's address contradicts it.
 */
function declaredSpace(ex: Exchange): AddressSpace | undefined {
  if (!ex.request.url.startsWith('http:') || !ex.remoteAddress) return undefined
  const host = hostOf(ex.request.url)
  const named = host ? addressSpaceOf(host) : null
  return named && named !== 'loopback' ? named : undefined
}

const SPACE_WORDS: Record<AddressSpace, string> = {
  public: 'a public address',
  local: 'the local network (a private IP or a .local name)',
  loopback: 'this machine (loopback: localhost, 127.0.0.1, ::1)',
}

const BASIS_WORDS: Record<Crossing['toBasis'], string> = {
  address: ' (by the address the browser connected to)',
  resolved: ' (by the address its host name resolves to)',
  name: '',
  'browser-error': '',
  'refused-preflight': '',
}

function crossed(block: LocalNetworkBlock, initiator: string, url: string): string {
  const c = block.crossing
  const page = c.fromAssumed
    ? `The page ${initiator} is taken to be on a public address (its name says nothing else)`
    : `The page ${initiator} is on ${SPACE_WORDS[c.from]}`
  if (!c.to)
    return c.toBasis === 'refused-preflight'
      ? `${page}; ${url} is on a more private address (the browser did not say which): the browser refused its preflight before any answer (net::ERR_FAILED on the preflight and on the request, which in Chromium only the Local Network Access check does; a refused connection or an unknown name would be named on the request).`
      : `${page}; ${url} is on a more private address (the browser did not say which): the browser refused it with its Local Network Access error.`
  const target = `${url} is on ${SPACE_WORDS[c.to]}${BASIS_WORDS[c.toBasis]}`
  return `${page}; ${target}: the request crossed ${c.from} → ${c.to}.`
}

const TITLES: Record<LocalNetworkBlock['corsError'], string> = {
  InsecureLocalNetwork: 'Local Network Access: the page is not a secure context',
  LocalNetworkAccessPermissionDenied: 'Local Network Access: permission not granted',
  InvalidLocalNetworkAccess: "Local Network Access: targetAddressSpace does not match the target's address",
}

function why(block: LocalNetworkBlock): string {
  const to = block.crossing.to
  const permission =
    to === 'loopback' ? 'loopback-network' : to ? 'local-network' : 'local-network" or "loopback-network'
  switch (block.corsError) {
    case 'InsecureLocalNetwork':
      return 'Since Chrome 142 a page that is not a secure context (plain http) may not call a more private address at all: no permission can be asked for. The request was never sent.'
    case 'LocalNetworkAccessPermissionDenied':
      return `Since Chrome 142 a page must hold the "${permission}" permission to call a more private address; the user has not granted it (or the prompt was dismissed, or the request came from a subframe the permission was not delegated to). The request was never sent.`
    case 'InvalidLocalNetworkAccess':
      return `The page declared targetAddressSpace '${block.declared}', but the server is in the ${to} address space. The request was never sent.`
  }
}

/** Firefox's permission for the space crossed, both when the browser did not say which. */
export function firefoxPermissionFor(to: AddressSpace | null) {
  const { loopback, local } = FIREFOX_LNA.permission
  return to === 'loopback' ? [loopback] : to === 'local' ? [local] : [loopback, local]
}

function firefoxFinding(block: LocalNetworkBlock, initiator: string, url: string, remoteAddress?: string) {
  const perms = firefoxPermissionFor(block.crossing.to)
  const names = perms.map((p) => `"${p.name}" (Settings → Privacy & Security → Permissions → ${p.setting})`)
  const site = (() => {
    try {
      return new URL(initiator).host
    } catch {
      return initiator
    }
  })()
  const prompts = perms.map((p) => `“${p.prompt.replace('%S', site)}”`).join(' or ')
  const reason = firefoxReason('LocalNetworkAccessPermissionDenied')
  return {
    code: 'local-network-access-permission-denied',
    severity: 'error' as const,
    title: 'Local Network Access permission required (Firefox)',
    explanation: `${crossed(block, initiator, url)}${vpnNote(remoteAddress)} Firefox refused it before sending anything (${FIREFOX_LNA.error}, on the preflight too): the site does not hold Firefox's ${names.join(' or ')} permission. Firefox asked ${prompts} and the answer was Block, or the prompt was dismissed or timed out, or a saved Block applies. Its console says "Local Network Access permission required" when it asks and "Local Network Access detected: … prompt action: prompt_deny" (auto_deny for a saved Block); its CORS line says only "CORS request did not succeed". Unlike Chrome, Firefox asks on a plain-http page too. No CORS header can fix it.`,
    headers: [],
    links: [...FIREFOX_LNA.links, ...LNA_LINKS.slice(1)],
    corsError: block.corsError,
    ...(reason ? { firefox: reason } : {}),
  }
}

/**
 * Chrome 147 put WebSockets under Local Network Access (https://chromestatus.com/feature/5197681148428288).
 * Chromium 156 refuses the handshake before it is sent and reports no CorsError: webRequest says
 * net::ERR_FAILED (type websocket), CDP only webSocketFrameError with an empty message, the console
 * "WebSocket connection to '…' failed: " with no reason (test/lab/local-network.ts).
 */
const WEBSOCKET_NOTE =
  'This was a WebSocket: since Chrome 147 WebSockets are under Local Network Access as fetch() is. Chromium names no CORS error for it (its console says only "WebSocket connection to … failed:", with no reason); the name shown is the one the same check gives a fetch() from this page.'

export function localNetworkFinding(
  block: LocalNetworkBlock,
  initiator: string,
  url: string,
  remoteAddress?: string,
  websocket = false,
): Finding {
  if (block.firefox) return firefoxFinding(block, initiator, url, remoteAddress)
  const tail = websocket
    ? `${WEBSOCKET_NOTE} No server header can fix it.`
    : 'Chrome reports this as a CORS error, but no CORS header can fix it.'
  return {
    code: block.corsError.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase(),
    severity: 'error',
    title: `${TITLES[block.corsError]}${websocket ? ' (WebSocket)' : ''}`,
    explanation: `${crossed(block, initiator, url)}${vpnNote(remoteAddress, block.crossing.toBasis)} ${why(block)} ${tail}`,
    headers: [],
    links: LNA_LINKS,
    corsError: block.corsError,
  }
}

/** What `cors-lens check` knows of a request before sending it: where the page and the target are. */
export interface PlannedRequest {
  readonly origin: string
  readonly method: string
  readonly url: string
  /** The page's space, stated or by its host's address; null when not known (then taken to be public). */
  readonly originSpace: AddressSpace | null
  /** The address the target's host resolves to, looked up as the browser would; null when it does not. */
  readonly targetAddress: string | null
  readonly credentials?: CredentialsMode
}

/** Chromium's net error on a request Local Network Access refused (Chromium 156, test/lab/local-network.ts). */
export const LNA_NET_ERROR = 'net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS'

/**
 * The exchange Chromium records for a request to a more private address than the page's, refused before
 * it is sent, or null when no such refusal applies. Local Network Access refuses it (its net error and
 * nothing else), unless mixed content stops it first: an https page calling a plain-http URL whose name is
 * not potentially trustworthy (Chromium 156 reports neither a CorsError nor a net error:
 * test/e2e/check-lna.test.ts). The engine names either as it names a live block.
 */
export function predictedLocalNetworkExchange(p: PlannedRequest): Exchange | null {
  if (p.targetAddress === null) return null
  const ex: Exchange = {
    initiator: p.origin,
    request: { method: p.method, url: p.url, headers: [] },
    outcome: { kind: 'error', error: LNA_NET_ERROR },
    browser: 'chromium',
    ...(p.credentials ? { credentials: p.credentials } : {}),
    resolvedAddress: p.targetAddress,
    ...(p.originSpace ? { initiatorAddressSpace: p.originSpace } : {}),
  }
  if (!localNetworkBlock(ex, p.origin)) return null
  const mixed = p.origin.startsWith('https:') && p.url.startsWith('http:') && !potentiallyTrustworthy(p.url)
  return mixed ? { ...ex, outcome: { kind: 'error', error: '' } } : ex
}

/** The legacy Private Network Access headers: Chrome no longer reads them (Local Network Access replaced PNA). */
export function privateNetworkHeaderFinding(ex: Exchange): Finding | null {
  const where = [
    ...(ex.preflight?.response
      ? [{ place: 'preflight-response' as const, h: ex.preflight.response.headers }]
      : []),
    ...(ex.response ? [{ place: 'response' as const, h: ex.response.headers }] : []),
  ]
  for (const { place, h } of where) {
    const lines = linesNamed(h, 'access-control-allow-private-network')
    const first = lines[0]
    if (!first) continue
    return {
      code: 'private-network-header-ignored',
      severity: 'info',
      title: 'Access-Control-Allow-Private-Network does nothing now',
      explanation:
        "The server sends Access-Control-Allow-Private-Network, the Private Network Access header. Chrome replaced Private Network Access with Local Network Access (Chrome 142) and ignores it: a public page reaches a local or loopback server only from a secure context with the user's permission. The header is harmless; it neither allows nor blocks anything.",
      headers: [{ place, name: first.name, value: first.value, index: h.indexOf(first) }],
      links: LNA_LINKS,
    }
  }
  return null
}
