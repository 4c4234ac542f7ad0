/**
 * Amazon CloudFront, a CDN in front of the origin. Two cures, each where the evidence points: when a cached
 * copy carried another page's answer (a hit), the cache key must include Origin — a cache policy whose
 * headers list Origin (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/header-caching.html#header-caching-web-cors);
 * otherwise CloudFront can answer CORS itself with a response headers policy whose CorsConfig overrides the
 * origin's lines (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudfront-responseheaderspolicy.html).
 * CloudFormation YAML; golden-tested: CloudFront cannot run here.
 */
import { cacheHit } from '../cache-key.ts'
import type { Recipe } from './context.ts'
import { droppedTokensNote, gateTokens, yamlString } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { snippetOrigin } from './gate.ts'
import { headersToAllow, makeFix, methodsToAllow, relevantProxy } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cachePolicy:
    "CloudFormation template: a new AWS::CloudFront::CachePolicy, set as the CachePolicyId of the distribution's behavior for this path",
  responseHeadersPolicy:
    "CloudFormation template: a new AWS::CloudFront::ResponseHeadersPolicy, set as the ResponseHeadersPolicyId of the distribution's behavior for this path",
} as const

const CACHE_POLICY = `CorsCachePolicy:
  Type: AWS::CloudFront::CachePolicy
  Properties:
    CachePolicyConfig:
      Name: cache-by-origin
      DefaultTTL: 86400
      MaxTTL: 31536000
      MinTTL: 0
      ParametersInCacheKeyAndForwardedToOrigin:
        EnableAcceptEncodingGzip: true
        CookiesConfig:
          CookieBehavior: none
        QueryStringsConfig:
          QueryStringBehavior: none
        HeadersConfig:
          HeaderBehavior: whitelist
          Headers:
            - Origin
            - Access-Control-Request-Method
            - Access-Control-Request-Headers`

export const recipe: Recipe = (ctx) => {
  if (!relevantProxy(ctx, 'cloudfront') || !HEADER_KINDS.has(failureKind(ctx))) return []
  const response = ctx.exchange.response
  const hit = response ? cacheHit(response) : null
  if (hit?.cache === 'CloudFront')
    return [
      makeFix({
        stack: 'cloudfront',
        layer: 'proxy',
        recommended: true,
        title: 'Key the CloudFront cache by Origin',
        label: 'CloudFront: cache by Origin',
        why: `The copy CloudFront served (${hit.evidence}) was stored for another page; with Origin in the cache key each page gets the answer the origin server gave it.`,
        changes: [{ layer: 'proxy', where: WHERE.cachePolicy, comment: '#', snippet: CACHE_POLICY }],
      }),
    ]
  const origin = ctx.origin === '*' ? '*' : snippetOrigin(ctx.origin)
  const methods = gateTokens([...methodsToAllow(ctx), 'OPTIONS'])
  const headers = gateTokens(headersToAllow(ctx))
  const items = (values: readonly string[]): string[] =>
    values.length ? values.map((v) => `            - ${yamlString(v)}`) : ['            []']
  const policy = [
    ...droppedTokensNote('#', [...methods.dropped, ...headers.dropped]),
    'CorsResponseHeadersPolicy:',
    '  Type: AWS::CloudFront::ResponseHeadersPolicy',
    '  Properties:',
    '    ResponseHeadersPolicyConfig:',
    '      Name: cors-at-cloudfront',
    '      CorsConfig:',
    `        AccessControlAllowCredentials: ${ctx.credentials && origin !== '*'}`,
    '        AccessControlAllowOrigins:',
    '          Items:',
    ...items([origin]),
    '        AccessControlAllowMethods:',
    '          Items:',
    ...items(methods.kept),
    '        AccessControlAllowHeaders:',
    '          Items:',
    ...items(headers.kept),
    '        AccessControlMaxAgeSec: 600',
    '        # One set of CORS lines: CloudFront replaces whatever the origin server sent.',
    '        OriginOverride: true',
  ].join('\n')
  return [
    makeFix({
      stack: 'cloudfront',
      layer: 'proxy',
      recommended: true,
      title: `Answer CORS at CloudFront for ${origin}`,
      label: 'CloudFront response headers policy',
      why: 'A response headers policy with a CorsConfig answers preflights and marks every response at the edge, replacing the origin server’s CORS lines (OriginOverride).',
      changes: [{ layer: 'proxy', where: WHERE.responseHeadersPolicy, comment: '#', snippet: policy }],
    }),
  ]
}
