/**
 * The one judge every way in calls — the worker's pipeline, `cors-lens explain` and the panel's HAR import —
 * so the same traffic gets the same findings, cross-request ones included. A session is the verdict of each
 * exchange (analyze) plus a bounded memory of the recent exchanges per API origin, from which the findings
 * no single exchange can show are added (src/core/cross-request.ts). Exchanges are judged in the order they
 * arrive: an error response is compared with the successes judged before it. Pure and in memory only.
 */
import type { Analysis } from './analysis.ts'
import { analyze, emptyAnalysis, errorText } from './analyze.ts'
import { type CrossRequestSample, crossRequestFindings } from './cross-request.ts'
import type { Exchange } from './exchange.ts'
import { originOf } from './origin.ts'

/** Recent exchanges kept per API origin, and API origins kept (least recently judged dropped first). */
export const SESSION_RECENT_PER_ORIGIN = 40
export const SESSION_RECENT_ORIGINS = 100

export interface SessionOptions {
  /** The verdict of one exchange; the worker passes its own (a test may count calls). Default: analyze. */
  readonly analyze?: (exchange: Exchange) => Analysis
  /** Told of an engine exception; the exchange is still judged ("unknown"), never lost. */
  readonly onError?: (error: unknown) => void
}

export class Session {
  private readonly recent = new Map<string, CrossRequestSample[]>()
  private readonly analyzeOne: (exchange: Exchange) => Analysis
  private readonly onError: ((error: unknown) => void) | undefined

  constructor(options: SessionOptions = {}) {
    this.analyzeOne = options.analyze ?? analyze
    this.onError = options.onError
  }

  /** The exchange's analysis with the cross-request findings that concern it; never throws. */
  judge(key: string, exchange: Exchange): Analysis {
    const analysis = this.verdict(exchange)
    const extra = this.remember(key, exchange)
    return extra.length > 0 ? { ...analysis, findings: [...analysis.findings, ...extra] } : analysis
  }

  /** Forgets every exchange (the worker's tabs were all cleared; a new file is read). */
  clear(): void {
    this.recent.clear()
  }

  private verdict(exchange: Exchange): Analysis {
    try {
      return this.analyzeOne(exchange)
    } catch (error) {
      this.onError?.(error)
      return emptyAnalysis(exchange, `CORS Lens could not analyse this request (${errorText(error)}).`)
    }
  }

  private remember(key: string, exchange: Exchange): ReturnType<typeof findingsOf> {
    const origin = originOf(exchange.request.url)
    if (origin === null) return []
    const list = this.recent.get(origin) ?? []
    this.recent.delete(origin) // re-inserted below: Map order is the LRU order
    list.push({ key, exchange })
    if (list.length > SESSION_RECENT_PER_ORIGIN) list.shift()
    this.recent.set(origin, list)
    if (this.recent.size > SESSION_RECENT_ORIGINS) {
      const oldest = this.recent.keys().next().value
      if (oldest !== undefined) this.recent.delete(oldest)
    }
    // Only an error response can be the affected one; skip the scan for everything else.
    if ((exchange.response?.status ?? 0) < 400) return []
    return findingsOf(list, key)
  }
}

function findingsOf(list: readonly CrossRequestSample[], key: string): Analysis['findings'] {
  return crossRequestFindings(list).get(key) ?? []
}
