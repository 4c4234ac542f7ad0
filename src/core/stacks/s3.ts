import { recipe, WHERE } from '../fixes/s3.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Amazon S3, a managed service: its CORS is the bucket's configuration. It names itself in `Server:
 * AmazonS3` (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonResponseHeaders.html; seen in
 * https://github.com/awslabs/speke-reference-server/issues/37 and
 * https://github.com/mozilla/addons-frontend/issues/9925, behind CloudFront, which passes Server on). Its
 * CORS errors say "CORSResponse:" in the body; S3-compatible stores (MinIO, R2, Ceph) copy those texts, so
 * the body alone names "an S3 API", with less confidence.
 */
export const s3: StackModule = {
  id: 's3',
  name: 'Amazon S3',
  layer: 'service',
  comment: '#',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) => {
        const server = val(r.headers, 'server')
        return /^AmazonS3$/i.test(server.trim())
          ? { stack: 's3', confidence: 'high', evidence: `Server: ${server} — Amazon S3 answered` }
          : null
      },
    },
    {
      phase: 'answer',
      read: (r) =>
        r.status === 403 && (r.bodySnippet ?? '').includes('CORSResponse:')
          ? {
              stack: 's3',
              confidence: 'medium',
              evidence:
                "a 403 whose body says 'CORSResponse:': S3's (or an S3-compatible store's) CORS refusal",
            }
          : null,
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    s3: true
  }
}
