/**
 * A cache's copy made for another page: named from real published captures (headers exactly as posted,
 * source noted beside each), and from the lab's real Varnish in Chromium (test/e2e/cures.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { cacheHit } from '../../src/core/cache-key.ts'
import { diagnose } from '../../src/core/diagnose.ts'
import { exchange, OK, response } from './exchange-builders.ts'

/**
 * A CloudFront hit from an S3 origin whose cache key lacks Origin: the copy was stored for a request
 * without Origin, so it has no CORS lines. https://github.com/awslabs/speke-reference-server/issues/37
 * ("Hit from cache", headers as posted; HTTP/2 lower-case names).
 */
const SPEKE_HIT: [string, string][] = [
  ['content-type', 'binary/octet-stream'],
  ['content-length', '16'],
  ['date', 'Wed, 08 Apr 2020 16:09:54 GMT'],
  ['last-modified', 'Tue, 31 Mar 2020 00:17:31 GMT'],
  ['etag', '"59493f9fbd62894c3a89cccfee7457c7"'],
  ['x-amz-server-side-encryption', 'AES256'],
  ['accept-ranges', 'bytes'],
  ['server', 'AmazonS3'],
  ['x-cache', 'Hit from cloudfront'],
]

/**
 * A CloudFront hit that passes: S3 answered with `*`, which any page may read.
 * https://github.com/mozilla/addons-frontend/issues/9925 (the first curl, headers as posted).
 */
const AMO_HIT: [string, string][] = [
  ['Content-Type', 'text/css'],
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Allow-Methods', 'GET, HEAD'],
  ['Server', 'AmazonS3'],
  ['Vary', 'Accept-Encoding'],
  ['X-Cache', 'Hit from cloudfront'],
  ['Via', '1.1 0bb842bd5868b86440983b936bb0adef.cloudfront.net (CloudFront)'],
  ['X-Amz-Cf-Pop', 'SEA19-C1'],
  ['Age', '53800'],
]

describe('a cache that served another page’s CORS answer', () => {
  it('CloudFront’s hit without CORS lines: MissingAllowOriginHeader, and the cache key named as the cause', () => {
    const d = diagnose(exchange({ response: response(200, ...SPEKE_HIT) }))
    expect(d.corsError).toBe('MissingAllowOriginHeader')
    expect(d.findings[1]?.code).toBe('cache-key-lacks-origin')
    expect(d.findings[1]?.title).toBe("CloudFront served another page's CORS answer")
    expect(d.findings[1]?.explanation).toContain('X-Cache: Hit from cloudfront')
    expect(d.findings[1]?.links[0]?.url).toContain('header-caching-web-cors')
  })

  it('says nothing when the cached answer passes', () => {
    const d = diagnose(exchange({ outcome: OK, response: response(200, ...AMO_HIT) }))
    expect(d.blocked).toBe(false)
    expect(d.findings.map((f) => f.code)).not.toContain('cache-key-lacks-origin')
  })

  it('says nothing on a miss: the server itself answered', () => {
    const miss = SPEKE_HIT.map(([n, v]): [string, string] => [
      n,
      n === 'x-cache' ? 'Miss from cloudfront' : v,
    ])
    const d = diagnose(exchange({ response: response(200, ...miss) }))
    expect(d.corsError).toBe('MissingAllowOriginHeader')
    expect(d.findings.map((f) => f.code)).not.toContain('cache-key-lacks-origin')
  })

  it('reads a hit only from a mark that says so', () => {
    const hit = (...pairs: [string, string][]) => cacheHit(response(200, ...pairs))?.cache ?? null
    expect(hit(['CF-Cache-Status', 'HIT'])).toBe('Cloudflare')
    expect(hit(['CF-Cache-Status', 'DYNAMIC'])).toBeNull()
    expect(
      hit(['X-Cache', 'MISS, HIT'], ['X-Served-By', 'cache-iad-kiad7000025-IAD, cache-lon4221-LON']),
    ).toBe('Fastly')
    expect(
      hit(['X-Cache', 'HIT, MISS'], ['X-Served-By', 'cache-iad-kiad7000025-IAD, cache-lon4221-LON']),
    ).toBeNull()
    expect(hit(['X-Varnish', '32770 3'])).toBe('Varnish')
    expect(hit(['X-Varnish', '32770'])).toBeNull()
    expect(hit(['Age', '0'])).toBeNull()
    expect(hit(['Age', '120'])).toBe('a shared cache')
  })
})
