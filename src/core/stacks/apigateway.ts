import { recipe, WHERE } from '../fixes/apigateway.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

export const apigateway: StackModule = {
  id: 'apigateway',
  name: 'API Gateway + Lambda',
  layer: 'gateway',
  comment: '#',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'platform',
      read: (r) => {
        const h = r.headers
        if (has(h, 'x-amz-apigw-id'))
          return {
            stack: 'apigateway',
            confidence: 'high',
            evidence: `x-amz-apigw-id: AWS API Gateway answered${/cloudfront/i.test(val(h, 'via')) ? ' (through CloudFront)' : ''}`,
          }
        return has(h, 'x-amzn-requestid') && has(h, 'x-amzn-errortype')
          ? {
              stack: 'apigateway',
              confidence: 'medium',
              evidence: `x-amzn-RequestId with x-amzn-ErrorType ${val(h, 'x-amzn-errortype')}: an AWS API Gateway error`,
            }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    apigateway: true
  }
}
