/**
 * AWS API Gateway (REST API) + Lambda proxy integration. Two places send responses, and both must carry the
 * headers: the Lambda on every path it returns (success, error, and OPTIONS if it routes it), and API
 * Gateway's own answers — Missing Authentication Token, authorizer 401/403, throttling, integration 5XX —
 * which only Gateway Responses (DEFAULT_4XX / DEFAULT_5XX) can mark. Golden-tested: it cannot run here.
 */
import type { Recipe } from './context.ts'
import { droppedTokensNote, gateTokens, jsString, yamlString } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { snippetOrigin } from './gate.ts'
import { appAllowList, makeFix, relevantApp } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  lambda: 'your Lambda handler (proxy integration): every return path',
  sam: 'template.yaml (AWS SAM), the AWS::Serverless::Api resource: Properties',
} as const

export const recipe: Recipe = (ctx) => {
  if (ctx.attribution.app !== 'apigateway' || !relevantApp(ctx, 'apigateway')) return []
  if (!HEADER_KINDS.has(failureKind(ctx))) return []
  const origin = ctx.origin === '*' ? '*' : snippetOrigin(ctx.origin)
  const credentials = ctx.credentials && origin !== '*'
  const { methods, headers } = appAllowList(ctx)
  const m = gateTokens([...(methods ?? ['GET', 'POST', ctx.method]), 'OPTIONS'])
  const h = gateTokens(headers.length > 0 ? headers : ['content-type'])
  const allowMethods = [...new Set(m.kept)].join(',')
  const allowHeaders = h.kept.join(',')
  const dropped = [...m.dropped, ...h.dropped]

  const lambda = [
    '// Lambda (Node.js): the same CORS headers on every response it returns, errors included.',
    ...droppedTokensNote('//', dropped),
    'const CORS = {',
    `  'Access-Control-Allow-Origin': ${jsString(origin)},`,
    ...(credentials ? ["  'Access-Control-Allow-Credentials': 'true',"] : []),
    "  Vary: 'Origin',",
    '}',
    'export const handler = async (event) => {',
    "  if ((event.httpMethod ?? event.requestContext?.http?.method) === 'OPTIONS')",
    '    return {',
    '      statusCode: 204,',
    `      headers: { ...CORS, 'Access-Control-Allow-Methods': ${jsString(allowMethods)}, 'Access-Control-Allow-Headers': ${jsString(allowHeaders)}, 'Access-Control-Max-Age': '600' },`,
    '    }',
    '  try {',
    '    return { statusCode: 200, headers: CORS, body: JSON.stringify(await handle(event)) } // handle: your code',
    '  } catch (err) {',
    "    return { statusCode: 500, headers: CORS, body: JSON.stringify({ message: 'internal error' }) }",
    '  }',
    '}',
  ].join('\n')

  // API Gateway wants each header value as a quoted literal inside the YAML string: "'value'".
  const lit = (v: string): string => yamlString(`'${v}'`)
  const gatewayHeaders = [
    `        Access-Control-Allow-Origin: ${lit(origin)}`,
    ...(credentials ? [`        Access-Control-Allow-Credentials: ${lit('true')}`] : []),
    `        Vary: ${lit('Origin')}`,
  ]
  const sam = [
    '# Preflights answered by API Gateway (an OPTIONS mock on every path), before any authorizer:',
    ...droppedTokensNote('#', dropped),
    'Cors:',
    `  AllowOrigin: ${lit(origin)}`,
    `  AllowMethods: ${lit(allowMethods)}`,
    `  AllowHeaders: ${lit(allowHeaders)}`,
    ...(credentials ? ['  AllowCredentials: true'] : []),
    `  MaxAge: ${lit('600')}`,
    "# API Gateway's own errors (missing route or token, authorizer 401/403, throttling, 5XX) skip the Lambda:",
    'GatewayResponses:',
    ...['DEFAULT_4XX', 'DEFAULT_5XX'].flatMap((type) => [
      `  ${type}:`,
      '    ResponseParameters:',
      '      Headers:',
      ...gatewayHeaders.map((l) => l.replace(/^ {8}/, '        ')),
    ]),
  ].join('\n')

  return [
    makeFix({
      stack: 'apigateway',
      layer: 'app',
      recommended: true,
      title: 'API Gateway + Lambda: headers from the Lambda on every path, Gateway Responses for 4XX/5XX',
      why:
        failureKind(ctx) === 'preflight-missing' || failureKind(ctx) === 'preflight-status'
          ? `API Gateway answered the preflight itself (${ctx.exchange.preflight?.response?.status ?? 'no'} status, no CORS headers): an OPTIONS method with CORS on every path, and Gateway Responses that carry the headers on its own 4XX/5XX, let it through.`
          : "With the proxy integration the Lambda's headers are the response's headers, so every return path must set them; API Gateway's own errors need Gateway Responses.",
      requires:
        'REST API (v1) with Lambda proxy integration; an HTTP API (v2) uses CorsConfiguration instead and has no Gateway Responses',
      changes: [
        { layer: 'app', where: WHERE.lambda, comment: '//', snippet: lambda },
        { layer: 'proxy', where: WHERE.sam, comment: '#', snippet: sam },
      ],
    }),
  ]
}
