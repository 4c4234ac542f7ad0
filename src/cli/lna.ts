/**
 * `cors-lens check` predicts Chrome's Local Network Access block (Chrome 142+): it looks up the target's and
 * the page's host as the browser would, and the engine compares their address spaces and names the block
 * as it names a live one (core/local-network.ts): the same CorsError, finding and cures.
 */
import { isIP } from 'node:net'
import {
  type AddressSpace,
  addressSpaceOf,
  type CredentialsMode,
  type Diagnosis,
  diagnoseSafely,
  type Exchange,
  predictedLocalNetworkExchange,
  vpnRangeOf,
} from '../core/index.ts'
import { resolveHost } from './http.ts'
import { CliError } from './io.ts'
import { entryLines, type JsonEntry, toJsonEntry } from './report.ts'

/** Where the page is: stated (--origin-address), by the address its host resolves to, or assumed public. */
export interface PagePlace {
  readonly space: AddressSpace
  readonly basis: 'stated' | 'resolved' | 'assumed'
  readonly address: string | null
}

export interface LnaPrediction {
  readonly page: PagePlace
  /** The address the target's host resolves to; null when it does not resolve. */
  readonly targetAddress: string | null
  /** The exchange the browser would record and the engine's diagnosis of it, when LNA refuses the request. */
  readonly block: { readonly exchange: Exchange; readonly diagnosis: Diagnosis } | null
}

export interface LnaJson {
  readonly blocked: boolean
  readonly corsError: JsonEntry['corsError']
  readonly summary: string | null
  readonly consoleMessage: string | null
  readonly page: PagePlace
  readonly target: {
    readonly address: string | null
    readonly space: AddressSpace | null
    /** A VPN's (CGNAT, 100.64.0.0/10) or fake-IP proxy's (198.18.0.0/15) address: a public API looks local. */
    readonly vpnRange: 'cgnat' | 'fake-ip' | null
  }
  readonly findings: JsonEntry['findings']
  readonly fixes: JsonEntry['fixes']
}

const SPACES: readonly string[] = ['public', 'local', 'loopback']

/** `--origin-address public|local|loopback|IP`: the page's space as stated. */
export function parseOriginAddress(value: string | undefined): PagePlace | null {
  if (value === undefined) return null
  if (SPACES.includes(value)) return { space: value as AddressSpace, basis: 'stated', address: null }
  const ip = value.replace(/^\[|\]$/g, '')
  const space = isIP(ip) ? addressSpaceOf(ip) : null
  if (!space)
    throw new CliError(`--origin-address "${value}": expected public, local, loopback or an IP address`, {
      usage: true,
    })
  return { space, basis: 'stated', address: ip }
}

interface Planned {
  readonly credentials: CredentialsMode
  readonly origin: string
  readonly url: string
  readonly method: string
  readonly resolve: ReadonlyMap<string, string>
  readonly timeoutMs: number
}

async function placePage(o: Planned, stated: PagePlace | null): Promise<PagePlace> {
  if (stated) return stated
  const host = o.origin === 'null' ? null : new URL(o.origin).hostname
  const address = host ? await resolveHost(host, o.resolve, o.timeoutMs) : null
  const space = address ? addressSpaceOf(address) : null
  return space ? { space, basis: 'resolved', address } : { space: 'public', basis: 'assumed', address: null }
}

export async function predictLocalNetwork(o: Planned, stated: PagePlace | null): Promise<LnaPrediction> {
  const [page, targetAddress] = await Promise.all([
    placePage(o, stated),
    resolveHost(new URL(o.url).hostname, o.resolve, o.timeoutMs),
  ])
  const exchange = predictedLocalNetworkExchange({
    ...o,
    // Assumed public: the engine then says the page is only taken to be public.
    originSpace: page.basis === 'assumed' ? null : page.space,
    targetAddress,
  })
  return { page, targetAddress, block: exchange ? { exchange, diagnosis: diagnoseSafely(exchange) } : null }
}

/** The one line said when the page was taken to be public, and it matters (the target is not public). */
export function assumedNote(p: LnaPrediction, origin: string): string | null {
  const target = p.targetAddress ? addressSpaceOf(p.targetAddress) : null
  if (p.page.basis !== 'assumed' || target === null || target === 'public') return null
  const why =
    origin === 'null'
      ? "the page's origin is null (opaque)"
      : `the page's host ${new URL(origin).hostname} does not resolve here`
  return `note: ${why}, so the page is taken to be on a public address, as a production page is; say --origin-address local|loopback|IP if it is not`
}

export function lnaJson(p: LnaPrediction): LnaJson {
  const e = p.block ? toJsonEntry(p.block.exchange, p.block.diagnosis) : null
  return {
    blocked: e !== null,
    corsError: e?.corsError ?? null,
    summary: e?.summary ?? null,
    consoleMessage: e?.consoleMessage ?? null,
    page: p.page,
    target: {
      address: p.targetAddress,
      space: p.targetAddress ? addressSpaceOf(p.targetAddress) : null,
      vpnRange: vpnRangeOf(p.targetAddress ?? undefined),
    },
    findings: e?.findings ?? [],
    fixes: e?.fixes ?? [],
  }
}

/** The block as the engine names it, with every cure's title; nothing when LNA lets the request go. */
export function lnaLines(p: LnaPrediction): string[] {
  if (!p.block) return []
  const e = toJsonEntry(p.block.exchange, p.block.diagnosis)
  const others = e.fixes.filter((f) => !f.recommended).map((f) => `    · ${f.title}`)
  return [
    `Before any CORS check (${refusal(p.block.diagnosis)}):`,
    ...entryLines(e),
    ...(others.length ? ['  Other cures:', ...others] : []),
    '',
  ]
}

function refusal(d: Diagnosis): string {
  return d.corsError ? 'Chrome 142+ Local Network Access' : 'mixed content, before Local Network Access'
}

/** The closing sentence when the browser refuses the request before sending it. */
export function refusedVerdict(block: NonNullable<LnaPrediction['block']>): string {
  return `A browser would BLOCK this before sending it: ${refusal(block.diagnosis)} (above), whatever the server answers.`
}
