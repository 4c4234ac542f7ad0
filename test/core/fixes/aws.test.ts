/**
 * Amazon S3 and CloudFront, named from real published captures (headers exactly as posted, the source
 * beside each) and cured with their own configuration: they cannot run here, so the cures are checked for
 * form (S3's JSON parses, the CloudFormation YAML parses) and for holding the page's real values.
 */

import YAML from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import { exchange, preflight, response } from '../exchange-builders.ts'

/** https://github.com/awslabs/speke-reference-server/issues/37: CloudFront + S3, "Hit from cache" and "Miss". */
const SPEKE = (xCache: string): [string, string][] => [
  ['content-type', 'binary/octet-stream'],
  ['content-length', '16'],
  ['date', 'Wed, 08 Apr 2020 16:09:54 GMT'],
  ['last-modified', 'Tue, 31 Mar 2020 00:17:31 GMT'],
  ['etag', '"59493f9fbd62894c3a89cccfee7457c7"'],
  ['x-amz-server-side-encryption', 'AES256'],
  ['accept-ranges', 'bytes'],
  ['server', 'AmazonS3'],
  ['x-cache', xCache],
]

/**
 * https://github.com/openaq/openaq-api-old/issues/223 (headers as posted): CloudFront in front of an app that
 * is not S3, a miss. Here with the page's request refused as the thread reports (its ACAO named another site).
 */
const OPENAQ: [string, string][] = [
  ['Content-Type', 'application/json; charset=utf-8'],
  ['Connection', 'keep-alive'],
  ['access-control-allow-origin', 'https://dolugen.github.io'],
  ['Cache-Control', 'no-cache'],
  ['X-Cache', 'Miss from cloudfront'],
  ['Via', '1.1 f5d15668460b65c58e6a13f494ba5b26.cloudfront.net (CloudFront)'],
  ['X-Amz-Cf-Id', '3KYblQkcMG80fS7aAwuF0oSwLhTez6RRaE1tgpssNBTVl31RIWSjGg=='],
]

/** S3's refusal of a preflight to a bucket without CORS, as its docs give it (cors-troubleshooting.html). */
const S3_NO_CORS = {
  status: 403,
  headers: [
    { name: 'Content-Type', value: 'application/xml' },
    { name: 'Server', value: 'AmazonS3' },
  ],
  bodySnippet:
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessForbidden</Code><Message>CORSResponse: CORS is not enabled for this bucket.</Message>',
}

describe('CloudFront and S3, from what they leave on a response', () => {
  it('a CloudFront hit on S3: both named, and the cache key is the cure CloudFront is given', () => {
    const d = diagnose(exchange({ response: response(200, ...SPEKE('Hit from cloudfront')) }))
    // CloudFront passes S3's Server on and adds no Via here: its X-Cache names it.
    expect(d.attribution).toMatchObject({ proxy: 'cloudfront', app: 's3' })
    expect(d.findings[1]?.title).toBe("CloudFront served another page's CORS answer")
    const cache = d.fixes.find((f) => f.stack === 'cloudfront')
    expect(cache?.label).toBe('CloudFront: cache by Origin')
    expect(cache?.snippet).toContain('- Origin')
    expect(d.fixes.map((f) => f.stack)).toContain('s3')
  })

  it('CloudFront named by its Via and X-Amz-Cf-Id, in front of an app it does not know', () => {
    const d = diagnose(exchange({ response: response(200, ...OPENAQ) }))
    expect(d.corsError).toBe('AllowOriginMismatch')
    expect(d.attribution).toMatchObject({ proxy: 'cloudfront', app: null })
    const policy = d.fixes.find((f) => f.stack === 'cloudfront')
    expect(policy?.label).toBe('CloudFront response headers policy')
    const yaml = YAML.load(policy?.snippet ?? '') as {
      CorsResponseHeadersPolicy: {
        Properties: { ResponseHeadersPolicyConfig: { CorsConfig: Record<string, unknown> } }
      }
    }
    const cors = yaml.CorsResponseHeadersPolicy.Properties.ResponseHeadersPolicyConfig.CorsConfig
    expect(cors.AccessControlAllowOrigins).toEqual({ Items: ['https://app.example'] })
    expect(cors.OriginOverride).toBe(true)
    expect(cors.AccessControlAllowCredentials).toBe(false)
  })

  it('S3 refusing a preflight: named from its Server and its CORSResponse body; the cure is the bucket’s rules', () => {
    const d = diagnose(
      exchange({
        method: 'PUT',
        url: 'https://media-uploads.s3.eu-west-1.amazonaws.com/a.png',
        preflight: preflight('PUT', 'content-type', S3_NO_CORS),
      }),
    )
    expect(d.corsError).toBe('PreflightMissingAllowOriginHeader')
    expect(d.attribution).toMatchObject({ app: 's3', culprit: 'app' })
    const bucket = d.fixes.find((f) => f.stack === 's3')
    expect(bucket?.recommended).toBe(true)
    const json = JSON.parse(bucket?.changes[0]?.snippet ?? '') as { CORSRules: Record<string, unknown>[] }
    expect(json.CORSRules[0]).toEqual({
      AllowedOrigins: ['https://app.example'],
      AllowedMethods: ['GET', 'PUT'],
      AllowedHeaders: ['content-type'],
      MaxAgeSeconds: 600,
    })
    expect(bucket?.changes[1]?.snippet).toBe(
      "aws s3api put-bucket-cors --bucket 'media-uploads' --cors-configuration file://cors.json",
    )
    for (const framework of ['express', 'nginx', 'apache', 'caddy'])
      expect(d.fixes.map((f) => f.stack)).not.toContain(framework)
  })

  it('an S3-compatible store (no Server: AmazonS3) is named from the body with less confidence', () => {
    const minio = { ...S3_NO_CORS, headers: [{ name: 'Server', value: 'MinIO' }] }
    const d = diagnose(exchange({ method: 'PUT', preflight: preflight('PUT', null, minio) }))
    expect(d.attribution?.app).toBe('s3')
    expect(d.attribution?.evidence.join(' ')).toContain("S3's (or an S3-compatible store's) CORS refusal")
  })
})
