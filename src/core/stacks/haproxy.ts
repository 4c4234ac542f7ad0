import type { ResponseSide } from '../exchange.ts'
import { plainProxy, recipe, WHERE } from '../fixes/haproxy.ts'
import type { HeaderList } from '../headers.ts'
import { has } from './fingerprint.ts'
import type { LineOrder, StackModule } from './stack.ts'

/**
 * HAProxy writes no Server or Via of its own and passes the app's on; what names it is the page it writes
 * when it answers itself: `<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle
 * this request.\n</body></html>` and its siblings (src/http.c http_err_msgs, https://github.com/haproxy/haproxy).
 * Measured on HAProxy 2.6 in the lab (test/core/fixtures/stacks/haproxy-*.json). It also lower-cases every
 * header name it forwards over HTTP/1.1 (HTX), but so do Envoy and every HTTP/2 hop: case alone names nobody.
 * What does: the upstream's `Keep-Alive` passed on in lower case. HTTP/2 forbids the header (RFC 9113
 * §8.2.2), nginx, Apache, Caddy, Varnish and Envoy drop it as hop-by-hop, and Node, Go and Java write it
 * Title-Case: a lower-case `keep-alive` line is HAProxy's HTX forwarding a Node app's (measured:
 * haproxy-express-dup-add.json). Its http-response add-header / set-header lines come after every line
 * of the upstream's, so that line also splits the app's CORS lines from HAProxy's.
 * A page of its own means the app never answered (or a rule refused the request before it got there).
 */
interface Page {
  readonly reason: string
  readonly sentence: string
}
const PAGES: Readonly<Record<number, Page>> = {
  400: { reason: 'Bad request', sentence: 'Your browser sent an invalid request.' },
  403: { reason: 'Forbidden', sentence: 'Request forbidden by administrative rules.' },
  404: { reason: 'Not Found', sentence: 'The resource could not be found.' },
  405: {
    reason: 'Method Not Allowed',
    sentence: 'A request was made of a resource using a request method not supported by that resource',
  },
  408: { reason: 'Request Time-out', sentence: "Your browser didn't send a complete request in time." },
  429: {
    reason: 'Too Many Requests',
    sentence: 'You have sent too many requests in a given amount of time.',
  },
  500: { reason: 'Internal Server Error', sentence: 'An internal server error occured.' },
  502: { reason: 'Bad Gateway', sentence: 'The server returned an invalid or incomplete response.' },
  503: { reason: 'Service Unavailable', sentence: 'No server is available to handle this request.' },
  504: { reason: 'Gateway Time-out', sentence: "The server didn't respond in time." },
}

const pageBody = (status: number, p: Page): string =>
  `<html><body><h1>${status} ${p.reason}</h1>\n${p.sentence}\n</body></html>\n`

/**
 * The page itself (a HAR or `check` has the body), or, where only headers were seen (the extension, CDP),
 * its three header lines — Content-length of that exact page, Cache-Control: no-cache, Content-Type:
 * text/html, first and in that order — and no Date: HAProxy writes none on its own answers.
 */
function ownPage(r: ResponseSide): Page | null {
  const p = PAGES[r.status]
  if (!p) return null
  const body = pageBody(r.status, p)
  if (r.bodySnippet !== undefined) return r.bodySnippet.trim() === body.trim() ? p : null
  const [a, b, c] = r.headers.map((l) => `${l.name.toLowerCase()}: ${l.value}`)
  const trio =
    a === `content-length: ${body.length}` &&
    b === 'cache-control: no-cache' &&
    c === 'content-type: text/html'
  return trio && !has(r.headers, 'date') ? p : null
}

const refused = (status: number): boolean =>
  status === 400 || status === 403 || status === 405 || status === 429

/** HAProxy appends its http-response lines after the upstream's last, the keep-alive it forwarded. */
const lineOrder: LineOrder = ({ headers, index, app }) => {
  const mark = keepAliveLine(headers)
  if (mark < 0) return null
  return index > mark
    ? {
        layer: 'proxy',
        stack: 'haproxy',
        confidence: 'high',
        evidence: "after the upstream's keep-alive line: HAProxy's http-response add-header / set-header",
      }
    : {
        layer: 'app',
        stack: app,
        confidence: 'medium',
        evidence: "before the upstream's keep-alive line: the app's, forwarded by HAProxy",
      }
}

export const haproxy: StackModule = {
  id: 'haproxy',
  name: 'HAProxy',
  layer: 'proxy',
  comment: '#',
  recipe,
  config: WHERE,
  plainProxy,
  lineOrder,
  fingerprints: [
    {
      phase: 'server',
      read: (r) => {
        const p = ownPage(r)
        if (!p) return null
        const why = refused(r.status)
          ? 'a HAProxy rule refused the request before the app saw it'
          : 'the app never answered: fix the upstream, and make HAProxy add CORS to its own pages (http-after-response)'
        return {
          stack: 'haproxy',
          confidence: 'high',
          evidence: `the ${r.status} is HAProxy's own page ('${p.sentence}'): ${why}`,
        }
      },
    },
    {
      phase: 'via',
      read: (r) => {
        const line = keepAliveLine(r.headers)
        return line >= 0
          ? {
              stack: 'haproxy',
              confidence: 'medium',
              evidence: `'keep-alive: ${r.headers[line]?.value}' in lower case: the upstream's Keep-Alive, forwarded over HTTP/1.1 with HAProxy's lower-cased names`,
            }
          : null
      },
    },
  ],
}

/** The index of a `keep-alive` line written in lower case, or -1. */
export function keepAliveLine(h: HeaderList): number {
  return h.findIndex((l) => l.name === 'keep-alive')
}

declare module '../fix.ts' {
  interface StackIds {
    haproxy: true
  }
}
