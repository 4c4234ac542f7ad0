import { plainProxy, recipe, WHERE } from '../fixes/nginx.ts'
import { val } from './fingerprint.ts'
import type { LineFacts, LineOrder, StackModule } from './stack.ts'

/** The wire index of the first CORS line whose name already appeared above it, or -1. */
function firstRepeat(lines: LineFacts['corsLines']): number {
  const seen = new Set<string>()
  for (const { name, index } of lines) {
    const n = name.toLowerCase()
    if (seen.has(n)) return index
    seen.add(n)
  }
  return -1
}

/**
 * nginx's headers filter appends every add_header line after all the headers the upstream sent
 * (src/http/modules/ngx_http_headers_filter_module.c, https://github.com/nginx/nginx): the order tells
 * whose each line is.
 */
const lineOrder: LineOrder = (l) => {
  const { headers, index, corsLines, acaoIndexes, app, appHere, appAnywhere } = l
  const from = firstRepeat(corsLines)
  if (from >= 0 && index >= from)
    // From the first repeated CORS name on, each CORS line is nginx's, whatever its name.
    return {
      layer: 'proxy',
      stack: 'nginx',
      confidence: 'high',
      evidence: `at or after the repeated '${corsLines.find((c) => c.index === from)?.name}' line: nginx's add_header lines come after all of the upstream's headers`,
    }
  const name = headers[index]?.name.toLowerCase()
  if (acaoIndexes.length > 1 && name === 'access-control-allow-origin')
    return index === acaoIndexes[acaoIndexes.length - 1]
      ? {
          layer: 'proxy',
          stack: 'nginx',
          confidence: 'high',
          evidence:
            "the last Access-Control-Allow-Origin line: nginx's add_header lines come after the upstream's headers",
        }
      : {
          layer: 'app',
          stack: app,
          confidence: app ? 'high' : 'medium',
          evidence:
            "an earlier Access-Control-Allow-Origin line: nginx passes the upstream's headers first and appends its own add_header lines",
        }
  const lastCors = corsLines[corsLines.length - 1]?.index ?? -1
  if (appHere && index < lastCors && acaoIndexes.length <= 1)
    return {
      layer: 'app',
      stack: app,
      confidence: 'medium',
      evidence: `${appHere.evidence}; nginx passed it from upstream`,
    }
  if (appHere || appAnywhere) return null
  const powered = val(headers, 'x-powered-by')
  return powered
    ? // An upstream answered (nginx passed its X-Powered-By on) but no framework is named: either may have sent it.
      {
        layer: 'unknown',
        stack: null,
        confidence: 'low',
        evidence: `X-Powered-By: ${powered} shows an upstream app behind nginx; either may have sent it`,
      }
    : {
        layer: 'proxy',
        stack: 'nginx',
        confidence: 'low',
        evidence: 'nginx answered and no app signature is on the response: probably an nginx add_header',
      }
}

export const nginx: StackModule = {
  id: 'nginx',
  name: 'nginx',
  layer: 'proxy',
  comment: '#',
  recipe,
  config: WHERE,
  plainProxy,
  lineOrder,
  fingerprints: [
    {
      // A proxy replaces the app's Server header, so Server names the outer layer (OpenResty is nginx).
      phase: 'server',
      read: (r) => {
        const server = val(r.headers, 'server')
        return /^nginx\b/i.test(server) || /openresty/i.test(server)
          ? { stack: 'nginx', confidence: 'high', evidence: `Server: ${server} — nginx answered` }
          : null
      },
    },
    {
      phase: 'via',
      read: (r) => {
        const via = val(r.headers, 'via')
        return /nginx/i.test(via)
          ? { stack: 'nginx', confidence: 'medium', evidence: `Via: ${via} names nginx` }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    nginx: true
  }
}
