/**
 * Amazon S3 (and the stores that speak its API): CORS is the bucket's CORS configuration, rules of
 * AllowedOrigins / AllowedMethods / AllowedHeaders; S3 answers a preflight 403 "CORSResponse: CORS is not
 * enabled for this bucket" without one, and "This CORS request is not allowed" when no rule matches
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors-troubleshooting.html). The JSON is the
 * put-bucket-cors document (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html).
 * Golden-tested: S3 cannot run here.
 */
import type { Recipe } from './context.ts'
import { droppedTokensNote, gateTokens, jsonString, shellWord } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { snippetOrigin } from './gate.ts'
import { headersToAllow, makeFix, relevantApp } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: "cors.json: the bucket's CORS configuration (S3 console: Permissions → Cross-origin resource sharing takes the CORSRules list)",
  shell: 'shell, with the AWS CLI and rights on the bucket',
} as const

/** The methods a CORS rule may list (S3 refuses any other in AllowedMethods). */
const S3_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD'])

/** The bucket of a virtual-hosted-style URL (`<bucket>.s3.<region>.amazonaws.com`), else a placeholder. */
function bucketOf(url: string): string {
  const host = /^https?:\/\/([^/:?#]+)/i.exec(url)?.[1] ?? ''
  const cut = host.indexOf('.s3')
  const bucket = cut > 0 && host.endsWith('.amazonaws.com') ? host.slice(0, cut) : ''
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) ? bucket : 'YOUR-BUCKET'
}

export const recipe: Recipe = (ctx) => {
  if (ctx.attribution.app !== 's3' || !relevantApp(ctx, 's3')) return []
  if (!HEADER_KINDS.has(failureKind(ctx))) return []
  const origin = ctx.origin === '*' ? '*' : snippetOrigin(ctx.origin)
  const methods = gateTokens(['GET', ctx.method.toUpperCase()])
  const allowed = methods.kept.filter((m) => S3_METHODS.has(m))
  const unsupported = methods.kept.filter((m) => !S3_METHODS.has(m))
  const headers = gateTokens(headersToAllow(ctx))
  const rule = [
    '{',
    '  "CORSRules": [',
    '    {',
    `      "AllowedOrigins": [${jsonString(origin)}],`,
    `      "AllowedMethods": [${allowed.map(jsonString).join(', ')}],`,
    `      "AllowedHeaders": [${headers.kept.map(jsonString).join(', ')}],`,
    '      "MaxAgeSeconds": 600',
    '    }',
    '  ]',
    '}',
  ].join('\n')
  const bucket = bucketOf(ctx.exchange.request.url)
  const shell = [
    ...droppedTokensNote('#', [...methods.dropped, ...headers.dropped]),
    ...(unsupported.length
      ? [`# S3 CORS rules cannot allow ${unsupported.join(', ')}: S3 itself refuses it.`]
      : []),
    `aws s3api put-bucket-cors --bucket ${shellWord(bucket)} --cors-configuration file://cors.json`,
  ].join('\n')
  return [
    makeFix({
      stack: 's3',
      layer: 'app',
      recommended: true,
      title: `Allow ${origin} in the bucket's CORS configuration`,
      label: 'S3 bucket CORS',
      why: 'S3 answers CORS from the bucket’s rules alone: a rule that names the origin, the method and the request headers lets the preflight and the request through.',
      changes: [
        { layer: 'app', where: WHERE.cors, comment: '#', snippet: rule },
        { layer: 'app', where: WHERE.shell, comment: '#', snippet: shell },
      ],
    }),
  ]
}
