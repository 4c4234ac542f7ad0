/**
 * `check --upstream APP_URL`: the same preflight and request check sent to the proxy, sent again to the app
 * behind it; the engine attributes every CORS line by the difference (core/layers-by-difference.ts).
 */
import { type AnswerDifference, type Exchange, redactUrl, type UpstreamAnswers } from '../core/index.ts'
import type { RawResponse, SendOptions } from './http.ts'
import { CliError } from './io.ts'
import { toResponseSide } from './probes.ts'

export interface UpstreamAsked {
  /** The app URL the requests went to. */
  readonly url: string
  readonly answers: UpstreamAnswers
  /** Why the app could not be asked (connection refused…), when it could not. */
  readonly error: string | null
}

/**
 * The request's URL on the app: APP_URL's scheme, host and port with the request's path and query; an
 * APP_URL with a path of its own is the whole URL (a proxy that rewrites the path: `proxy_pass …/`).
 */
export function upstreamUrl(requestUrl: string, upstream: string): string {
  const app = new URL(upstream)
  if (app.pathname !== '/' || app.search) return app.href
  const req = new URL(requestUrl)
  return new URL(`${req.pathname}${req.search}`, app.origin).href
}

/**
 * Sends what the browser sent on the first hop: the preflight (when there was one), then the request
 * unless the preflight stopped it: no request the browser would not have made.
 */
export async function askUpstream(
  ex: Exchange,
  stoppedAtPreflight: boolean,
  upstream: string,
  base: { readonly timeoutMs: number; readonly resolve: ReadonlyMap<string, string>; readonly body?: string },
  send: (o: SendOptions) => Promise<RawResponse>,
): Promise<UpstreamAsked> {
  const url = upstreamUrl(ex.request.url, upstream)
  const answers: { preflight?: UpstreamAnswers['preflight']; response?: UpstreamAnswers['response'] } = {}
  const { timeoutMs, resolve } = base
  try {
    const pf = ex.preflight
    if (pf && pf.request.url === ex.request.url)
      answers.preflight = toResponseSide(
        await send({ method: 'OPTIONS', url, headers: pf.request.headers, timeoutMs, resolve }),
      )
    if (!stoppedAtPreflight) {
      const body = base.body === undefined ? {} : { body: base.body }
      const r = await send({
        method: ex.request.method,
        url,
        headers: ex.request.headers,
        timeoutMs,
        resolve,
        ...body,
      })
      answers.response = toResponseSide(r)
    }
    return { url, answers, error: null }
  } catch (e) {
    if (!(e instanceof CliError)) throw e
    return { url, answers, error: e.message }
  }
}

const SENDER_TEXT = { app: 'the app', proxy: 'the proxy', both: 'both' } as const

/** The `--upstream` section of the human report: what the app answered, and each line's sender. */
export function upstreamLines(u: {
  readonly url: string
  readonly error: string | null
  readonly differences: readonly AnswerDifference[]
}): string[] {
  const head = `Upstream (the app, asked directly at ${redactUrl(u.url)}):`
  if (u.error) return [head, `  could not ask it: ${u.error}; the layers below are read from fingerprints`]
  const out = [head]
  for (const d of u.differences) {
    const what = d.place === 'preflight-response' ? 'preflight' : d.place
    out.push(`  ${what}: the proxy answered ${d.proxyStatus}, the app ${d.appStatus} — ${d.why}`)
    for (const l of d.lines) {
      const { sender, atApp, atProxy } = l.layers
      const count = sender === 'both' ? ` (${atApp} of ${atProxy} from the app)` : ''
      out.push(`    ${l.header.name}: ${l.header.value}  ← ${SENDER_TEXT[sender]}${count}`)
    }
    for (const m of d.missing) out.push(`    ${m.name}: ${m.value}  ✗ ${m.evidence}`)
    if (d.lines.length === 0 && d.missing.length === 0) out.push('    no CORS lines at either')
  }
  return out
}
