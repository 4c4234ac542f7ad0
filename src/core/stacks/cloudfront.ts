import { recipe, WHERE } from '../fixes/cloudfront.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Amazon CloudFront, a CDN. It passes the origin server's Server header on and adds its own marks:
 * `Via: 1.1 <id>.cloudfront.net (CloudFront)`, `X-Amz-Cf-Id`, `X-Amz-Cf-Pop`, `X-Cache: … from cloudfront`
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html;
 * all four seen in https://github.com/mozilla/addons-frontend/issues/9925 and
 * https://github.com/openaq/openaq-api-old/issues/223). API Gateway's edge endpoints run on CloudFront
 * too (x-amzn-RequestId, x-amz-apigw-id beside CloudFront's marks): then the apigateway module names the API
 * and CloudFront is not named, as that edge is AWS's own.
 */
export const cloudfront: StackModule = {
  id: 'cloudfront',
  name: 'CloudFront',
  layer: 'proxy',
  comment: '#',
  recipe,
  config: WHERE,
  plainProxy: [
    {
      layer: 'proxy',
      where: WHERE.responseHeadersPolicy,
      comment: '#',
      snippet:
        "# No CorsConfig here (or OriginOverride: false): CloudFront passes the origin server's CORS headers on, and a cache policy keyed by Origin keeps one copy per page.",
    },
  ],
  fingerprints: [
    {
      phase: 'via',
      read: (r) => {
        // An AWS API (x-amzn-RequestId, x-amz-apigw-id) behind CloudFront marks is most often API Gateway's
        // own edge, a distribution the user does not configure: not named (the API's module speaks).
        if (has(r.headers, 'x-amzn-requestid') || has(r.headers, 'x-amz-apigw-id')) return null
        const via = val(r.headers, 'via')
        if (/\(CloudFront\)/i.test(via))
          return {
            stack: 'cloudfront',
            confidence: 'high',
            evidence: `Via: ${via} — CloudFront delivered it`,
          }
        if (has(r.headers, 'x-amz-cf-id'))
          return {
            stack: 'cloudfront',
            confidence: 'high',
            evidence: 'X-Amz-Cf-Id — CloudFront delivered it',
          }
        const xCache = val(r.headers, 'x-cache')
        return / from cloudfront$/i.test(xCache.trim())
          ? {
              stack: 'cloudfront',
              confidence: 'high',
              evidence: `X-Cache: ${xCache} — CloudFront delivered it`,
            }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    cloudfront: true
  }
}
