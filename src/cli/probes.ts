/**
 * The requests `cors-lens check` adds, unless --no-probe, to tell the layers apart without help: three, each
 * safe to repeat (GET, HEAD or OPTIONS; a write is asked as its preflight), none with a body. What each
 * answer shows is the engine's reading (core/layer-probes.ts).
 */
import {
  type Exchange,
  type HeaderLine,
  type LayerProbeAnswer,
  type LayerProbeKind,
  type LayerProbeReading,
  type ResponseSide,
  readLayerProbe,
} from '../core/index.ts'
import type { RawResponse, SendOptions } from './http.ts'
import { CliError } from './io.ts'

/** One probe to send: the request, and the Origin it carries. */
export interface PlannedProbe {
  readonly kind: LayerProbeKind
  readonly request: SendOptions
  readonly origin: string
}

/** The path no app has: a sibling of the request's last segment, so the same proxy route serves it. */
export const MISSING_PATH = 'cors-lens-no-such-path'

export function missingPathUrl(url: string): string {
  const u = new URL(MISSING_PATH, url)
  return u.href
}

export function toResponseSide(r: RawResponse): ResponseSide {
  return {
    status: r.status,
    ...(r.statusText ? { statusText: r.statusText } : {}),
    headers: r.headers,
    ...(r.bodySnippet ? { bodySnippet: r.bodySnippet.slice(0, 4096) } : {}),
  }
}

/** Sends each probe in turn; one that gets no answer is said so, never an error of the whole check. */
export async function sendProbes(
  ex: Exchange,
  probes: readonly PlannedProbe[],
  send: (o: SendOptions) => Promise<RawResponse>,
): Promise<{ readings: LayerProbeReading[]; raw: Map<LayerProbeKind, RawResponse> }> {
  const readings: LayerProbeReading[] = []
  const raw = new Map<LayerProbeKind, RawResponse>()
  for (const p of probes) {
    const base = { kind: p.kind, method: p.request.method, url: p.request.url, origin: p.origin }
    try {
      const r = await send(p.request)
      raw.set(p.kind, r)
      const answer: LayerProbeAnswer = { ...base, response: toResponseSide(r) }
      readings.push(readLayerProbe(ex, answer))
    } catch (e) {
      if (!(e instanceof CliError)) throw e
      readings.push({ ...base, status: 0, lines: [], page: null, showed: `no answer: ${e.message}` })
    }
  }
  return { readings, raw }
}

/** The lines a probe request carries besides its own: Accept, the Origin, the User-Agent. */
export function probeHeaders(origin: string, ua: HeaderLine): HeaderLine[] {
  return [{ name: 'Accept', value: '*/*' }, { name: 'Origin', value: origin }, ua]
}

const PROBE_TITLE: Record<LayerProbeKind, string> = {
  'other-origin': 'another origin',
  'missing-path': 'a path the app does not have',
  'bare-options': 'OPTIONS without Access-Control-Request-Method',
}

/** The probes section of the human report: one line per probe, what its answer showed. */
export function probeLines(readings: readonly LayerProbeReading[]): string[] {
  if (readings.length === 0) return []
  return [
    `Layer probes (${readings.length} more requests; --no-probe skips them):`,
    ...readings.map((r) => `  · ${PROBE_TITLE[r.kind]}: ${r.showed}`),
  ]
}
