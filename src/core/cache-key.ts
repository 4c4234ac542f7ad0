/**
 * A cache answered from its store, and its key left out the Origin: the copy it kept was made for another
 * page (or for a request without Origin), so it carries that page's Access-Control-Allow-Origin or none. The
 * browser's error names the header; the cure is the cache key. Named only from a mark that says "hit".
 */
import type { Analysis } from './analysis.ts'
import type { Exchange, ResponseSide } from './exchange.ts'
import { refsFor } from './findings.ts'
import { headerValue, splitHeaderList } from './headers.ts'
import type { Finding, Link } from './model/finding.ts'

interface CacheHit {
  /** The cache as people name it, or "a shared cache" when only Age says a cache answered. */
  readonly cache: string
  readonly evidence: string
  /** Where this cache's key is set: one sentence, with the docs that say how. */
  readonly cure: string
  readonly link?: Link
}

const value = (r: ResponseSide, name: string): string => headerValue(r.headers, name) ?? ''

/**
 * The marks that say a cache served the response from its store:
 * CloudFront `X-Cache: Hit from cloudfront` / `RefreshHit from cloudfront`
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cache-statistics.html; seen in
 * https://github.com/awslabs/speke-reference-server/issues/37), Cloudflare `CF-Cache-Status: HIT`
 * (https://developers.cloudflare.com/cache/concepts/cache-responses/), Fastly `X-Cache: HIT` beside
 * `X-Served-By: cache-…` (https://www.fastly.com/documentation/reference/http/http-headers/X-Cache/),
 * Varnish's two ids in `X-Varnish` (bin/varnishd/cache/cache_http.c, https://github.com/varnishcache/varnish-cache),
 * and `Age` above 0 from any shared cache (RFC 9111 §5.1).
 */
export function cacheHit(r: ResponseSide): CacheHit | null {
  const xCache = value(r, 'x-cache')
  if (/^(refresh)?hit from cloudfront$/i.test(xCache.trim()))
    return {
      cache: 'CloudFront',
      evidence: `X-Cache: ${xCache}`,
      cure: 'Add Origin to the cache key: a cache policy whose headers include Origin (and an origin request policy that forwards it), as AWS documents for CORS.',
      link: {
        title: 'CloudFront: caching content based on request headers (CORS)',
        url: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/header-caching.html#header-caching-web-cors',
      },
    }
  const cf = value(r, 'cf-cache-status')
  if (/^hit$/i.test(cf.trim()))
    return {
      cache: 'Cloudflare',
      evidence: `CF-Cache-Status: ${cf}`,
      cure: 'Send Vary: Origin from the origin server and let a Cache Rule vary on Origin (or bypass the cache for this path).',
      link: { title: 'Cloudflare: Vary', url: 'https://developers.cloudflare.com/cache/concepts/vary/' },
    }
  // Fastly lists one state per POP, the one that answered the browser last ("MISS, HIT").
  const fastly = splitHeaderList(xCache).at(-1) ?? ''
  if (/^hit$/i.test(fastly) && value(r, 'x-served-by').startsWith('cache-'))
    return {
      cache: 'Fastly',
      evidence: `X-Cache: ${xCache}`,
      cure: 'Send Vary: Origin from the origin server: Fastly keeps one copy per Origin then.',
    }
  const xVarnish = value(r, 'x-varnish').trim()
  if (/^\d+ \d+$/.test(xVarnish))
    return {
      cache: 'Varnish',
      evidence: `X-Varnish: ${xVarnish} (two ids: a hit)`,
      cure: 'Send Vary: Origin from the app, or add it in vcl_backend_response: Varnish keeps one copy per Origin then.',
    }
  const age = value(r, 'age').trim()
  if (/^\d+$/.test(age) && Number(age) > 0)
    return {
      cache: 'a shared cache',
      evidence: `Age: ${age}`,
      cure: 'Make the cache key include Origin: send Vary: Origin from the origin server, and check that the cache honours it.',
    }
  return null
}

/** The finding beside a blocked request whose response a cache served with another page's CORS answer. */
export function cacheKeyFinding(ex: Exchange, analysis: Analysis): Finding | null {
  const err = analysis.corsError
  if (analysis.stage !== 'response' || !ex.response) return null
  if (err !== 'AllowOriginMismatch' && err !== 'MissingAllowOriginHeader') return null
  const hit = cacheHit(ex.response)
  if (!hit) return null
  const r = ex.response
  const acao = headerValue(r.headers, 'access-control-allow-origin')
  const varyOrigin = splitHeaderList(value(r, 'vary')).some((v) => v.toLowerCase() === 'origin')
  const stored =
    acao === null
      ? 'a copy stored for a request without this Origin, which got no Access-Control-Allow-Origin'
      : `a copy stored for another page: its Access-Control-Allow-Origin names '${acao}', not '${analysis.origin ?? 'this page'}'`
  const key = varyOrigin
    ? 'The response says Vary: Origin, but this cache did not key on it.'
    : 'The response does not say Vary: Origin, so the cache keyed it by URL alone.'
  return {
    code: 'cache-key-lacks-origin',
    severity: 'error',
    title: `${hit.cache === 'a shared cache' ? 'A shared cache' : hit.cache} served another page's CORS answer`,
    explanation: `${hit.cache} answered from its store (${hit.evidence}) with ${stored}. ${key} ${hit.cure} The server itself may be right: ask it directly to see.`,
    headers: refsFor('response', r.headers, [
      'access-control-allow-origin',
      'vary',
      'x-cache',
      'cf-cache-status',
      'x-varnish',
      'age',
    ]),
    links: hit.link ? [hit.link] : [],
  }
}
