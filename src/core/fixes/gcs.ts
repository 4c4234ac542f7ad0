/**
 * Google Cloud Storage: CORS is the bucket's CORS configuration, a JSON list of origin / method /
 * responseHeader / maxAgeSeconds entries set with `gcloud storage buckets update gs://BUCKET --cors-file=…`
 * (https://cloud.google.com/storage/docs/using-cors#command-line). `responseHeader` must name the request
 * headers the page sends, or the preflight is answered 200 without any Access-Control-* line (as
 * https://github.com/googleapis/nodejs-storage/issues/1145 found). A resumable upload session answers CORS
 * for the Origin its initiating request carried (https://cloud.google.com/storage/docs/performing-resumable-uploads).
 * Golden-tested: GCS cannot run here.
 */
import type { Recipe } from './context.ts'
import { corsValues } from './edge.ts'
import { jsonString, shellWord } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { makeFix } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: "cors.json: the bucket's CORS configuration (a JSON list of rules)",
  shell: 'shell, with the gcloud CLI and storage.buckets.update on the bucket',
} as const

/** The bucket of a path-style or virtual-hosted URL on storage.googleapis.com, else a placeholder. */
function bucketOf(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return 'YOUR-BUCKET'
  }
  const host = u.hostname.toLowerCase()
  const hosted = host.endsWith('.storage.googleapis.com')
    ? host.slice(0, -'.storage.googleapis.com'.length)
    : ''
  // Path style: /BUCKET/object (XML API) or /[upload/]storage/v1/b/BUCKET/o… (JSON API).
  const parts = u.pathname.split('/')
  const json = parts[1] === 'upload' || parts[1] === 'storage' ? parts.indexOf('b') : -1
  const path = json > 0 ? (parts[json + 1] ?? '') : (parts[1] ?? '')
  const bucket = hosted || (host === 'storage.googleapis.com' ? path : '')
  return /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket) ? bucket : 'YOUR-BUCKET'
}

export const recipe: Recipe = (ctx) => {
  if (ctx.attribution.app !== 'gcs' || !HEADER_KINDS.has(failureKind(ctx))) return []
  const v = corsValues(ctx)
  const methods = v.methods.filter((m) => m === 'GET' || m === ctx.method)
  const rule = [
    '[',
    '  {',
    `    "origin": [${jsonString(v.origin)}],`,
    `    "method": [${methods.map(jsonString).join(', ')}],`,
    `    "responseHeader": [${v.headers.map(jsonString).join(', ')}],`,
    '    "maxAgeSeconds": 600',
    '  }',
    ']',
  ].join('\n')
  const resumable = /[?&]upload_id=/.test(ctx.exchange.request.url)
  const shell = [
    ...v.notes('#'),
    ...(resumable
      ? [
          '# A resumable upload session answers CORS only for the Origin its initiating POST carried:',
          '# send Origin on that request (from your backend) as well.',
        ]
      : []),
    `gcloud storage buckets update ${shellWord(`gs://${bucketOf(ctx.exchange.request.url)}`)} --cors-file=cors.json`,
  ].join('\n')
  return [
    makeFix({
      stack: 'gcs',
      layer: 'app',
      recommended: true,
      title: `Allow ${v.origin} in the bucket's CORS configuration`,
      label: 'Cloud Storage bucket CORS',
      why: 'Cloud Storage answers CORS from the bucket’s rules alone: a rule naming the origin, the method and (in responseHeader) the request headers lets the preflight and the request through.',
      changes: [
        { layer: 'app', where: WHERE.cors, comment: '#', snippet: rule },
        { layer: 'app', where: WHERE.shell, comment: '#', snippet: shell },
      ],
    }),
  ]
}
