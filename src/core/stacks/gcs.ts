import { recipe, WHERE } from '../fixes/gcs.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Google Cloud Storage, a managed service: its CORS is the bucket's CORS configuration. Its answers carry
 * `x-guploader-uploadid` and `Server: UploadServer` (the response headers of
 * https://cloud.google.com/storage/docs/xml-api/reference-headers; both listed on the preflight answer in
 * https://github.com/googleapis/python-storage/issues/3). Google's other upload endpoints (Drive, YouTube)
 * share that front end; they live on other googleapis.com hosts, which ownership.ts names Google's own
 * (a third party's), so no bucket cure is offered there.
 */
export const gcs: StackModule = {
  id: 'gcs',
  name: 'Google Cloud Storage',
  layer: 'service',
  comment: '#',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) => {
        const server = val(r.headers, 'server').trim()
        const mark = has(r.headers, 'x-guploader-uploadid')
          ? 'x-guploader-uploadid'
          : /^UploadServer$/i.test(server)
            ? `Server: ${server}`
            : null
        return mark
          ? {
              stack: 'gcs',
              confidence: 'high',
              evidence: `${mark} — Google's storage front end (Cloud Storage) answered`,
            }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    gcs: true
  }
}
