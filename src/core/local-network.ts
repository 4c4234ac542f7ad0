/**
 * Local Network Access (Chrome 142+): a page on a less private address (public < local < loopback) that
 * calls a more private one is refused unless it is a secure context and the user granted the permission.
 * Chromium reports it as a CORS error before anything is sent, so the wire shows only the net error
 * (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS on a preflight, net::ERR_FAILED on the request), the
 * page's origin and the target URL — and, from the extension, the address the browser connected to.
 * Measured in Chromium 156 (test/lab/local-network.ts).
 */

import type { Exchange } from './exchange.ts'
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

/** When the address the browser connected to is a VPN's or fake-IP proxy's: why a public API looks local. */
export function vpnNote(address: string | undefined): string {
  const parts = (address?.toLowerCase().startsWith('::ffff:') ? address.slice(7) : (address ?? '')).split('.')
  const range = parts.length === 4 ? vpnRange(Number(parts[0]), Number(parts[1])) : null
  if (!range) return ''
  return ` The browser connected to ${address}, ${VPN_WORDS[range]}. If the API is really public, exclude its domain from the VPN's fake-IP range (or its split tunnel), or grant the permission.`
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
   * How the target's space is known: the address the browser connected to, the host name, or neither — the
   * browser's LNA error ('browser-error'), or a preflight Chromium refused before any answer
   * ('refused-preflight', see refusedPreflight).
   */
  readonly toBasis: 'address' | 'name' | 'browser-error' | 'refused-preflight'
}

/** The spaces a request crossed, when it went to a more private one; null otherwise or when not known. */
export function localNetworkCrossing(
  ex: Exchange,
  initiator: string | null,
  browserSaid: 'browser-error' | 'refused-preflight' | false = false,
): Crossing | null {
  const byAddress = ex.remoteAddress ? addressSpaceOf(ex.remoteAddress) : null
  const targetHost = hostOf(ex.request.url)
  const to = byAddress ?? (targetHost ? addressSpaceOf(targetHost) : null)
  const pageHost = initiator ? hostOf(initiator) : null
  const named = pageHost ? addressSpaceOf(pageHost) : null
  const from = named ?? 'public'
  // The browser's own LNA error outranks the name: a custom name (/etc/hosts, *.test, nip.io) says nothing.
  if (!to) return browserSaid ? { from, fromAssumed: named === null, to: null, toBasis: browserSaid } : null
  if (RANK[to] <= RANK[from]) return null
  return { from, fromAssumed: named === null, to, toBasis: byAddress ? 'address' : 'name' }
}

export interface LocalNetworkBlock {
  readonly corsError: Extract<
    CorsErrorName,
    'InsecureLocalNetwork' | 'LocalNetworkAccessPermissionDenied' | 'InvalidLocalNetworkAccess'
  >
  readonly crossing: Crossing
  /** The space the page declared (targetAddressSpace), for InvalidLocalNetworkAccess. */
  readonly declared?: AddressSpace
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

function crossed(block: LocalNetworkBlock, initiator: string, url: string): string {
  const c = block.crossing
  const page = c.fromAssumed
    ? `The page ${initiator} is taken to be on a public address (its name says nothing else)`
    : `The page ${initiator} is on ${SPACE_WORDS[c.from]}`
  if (!c.to)
    return c.toBasis === 'refused-preflight'
      ? `${page}; ${url} is on a more private address (the browser did not say which): the browser refused its preflight before any answer (net::ERR_FAILED on the preflight and on the request, which in Chromium only the Local Network Access check does; a refused connection or an unknown name would be named on the request).`
      : `${page}; ${url} is on a more private address (the browser did not say which): the browser refused it with its Local Network Access error.`
  const target = `${url} is on ${SPACE_WORDS[c.to]}${c.toBasis === 'address' ? ' (by the address the browser connected to)' : ''}`
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
  const tail = websocket
    ? `${WEBSOCKET_NOTE} No server header can fix it.`
    : 'Chrome reports this as a CORS error, but no CORS header can fix it.'
  return {
    code: block.corsError.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase(),
    severity: 'error',
    title: `${TITLES[block.corsError]}${websocket ? ' (WebSocket)' : ''}`,
    explanation: `${crossed(block, initiator, url)}${vpnNote(remoteAddress)} ${why(block)} ${tail}`,
    headers: [],
    links: LNA_LINKS,
    corsError: block.corsError,
  }
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
