/**
 * Google Cloud Storage, named from a real published capture (the source beside it) and cured with its own
 * configuration: it cannot run here, so the CORS JSON is checked for form (JSON.parse) and for holding the
 * page's real values, the gcloud line for naming the bucket.
 */
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import type { Exchange } from '../../../src/core/exchange.ts'
import { exchange, preflight, response } from '../exchange-builders.ts'

/**
 * https://github.com/googleapis/python-storage/issues/3: the preflight's answer, as a comment posted it up
 * to the post's cut, then the two lines the description lists after them (server, x-guploader-uploadid)
 * without their values: the documented `UploadServer` and a stand-in id. Its status was not posted;
 * https://github.com/googleapis/nodejs-storage/issues/1145 reports 200 for this case.
 */
const PREFLIGHT = response(
  200,
  [
    'alt-svc',
    'quic=":443"; ma=2592000; v="46,43",h3-Q050=":443"; ma=2592000,h3-Q049=":443"; ma=2592000,h3-Q048=":443"; ma=2592000,h3-Q046=":443"; ma=2592000,h3-Q043=":443"; ma=2592000,h3-T050=":443"; ma=2592000',
  ],
  ['cache-control', 'private, max-age=0'],
  ['content-length', '267'],
  ['content-type', 'application/xml; charset=UTF-8'],
  ['date', 'Fri, 03 Apr 2020 08:23:57 GMT'],
  ['expires', 'Fri, 03 Apr 2020 08:23:57 GMT'],
  ['server', 'UploadServer'],
  ['x-guploader-uploadid', 'stand-in-id'],
)

/** The signed URL of https://github.com/googleapis/nodejs-storage/issues/1145 (its query cut short). */
const SIGNED =
  'https://storage.googleapis.com/infovet-9659c.appspot.com/t1587794895719.jpg?X-Goog-Algorithm=GOOG4-RSA-SHA256'

const put = (url: string, initiator?: string): Exchange => {
  const ex = exchange({ method: 'PUT', url, preflight: preflight('PUT', 'content-type', PREFLIGHT) })
  return initiator ? { ...ex, initiator } : ex
}
const stacks = (d: ReturnType<typeof diagnose>): string[] => d.fixes.map((f) => f.stack)

describe('Google Cloud Storage, from what it leaves on a response', () => {
  it('a signed-URL PUT refused at the preflight: GCS at the service layer, the bucket’s CORS JSON the cure', () => {
    const d = diagnose(put(SIGNED))
    expect(d.corsError).toBe('PreflightMissingAllowOriginHeader')
    expect(d.attribution).toMatchObject({ app: 'gcs', proxy: null, culprit: 'app' })
    const fix = d.fixes.find((f) => f.stack === 'gcs')
    expect(fix?.recommended).toBe(true)
    expect(JSON.parse(fix?.changes[0]?.snippet ?? '')).toEqual([
      {
        origin: ['https://app.example'],
        method: ['GET', 'PUT'],
        responseHeader: ['content-type'],
        maxAgeSeconds: 600,
      },
    ])
    expect(fix?.changes[1]?.snippet).toBe(
      "gcloud storage buckets update 'gs://infovet-9659c.appspot.com' --cors-file=cors.json",
    )
    for (const s of ['s3', 'express', 'nginx', 'apache', 'caddy', 'generic'])
      expect(stacks(d)).not.toContain(s)
  })

  it('a bucket is the page owner’s: a page on its own domain still gets the bucket cure, not “ask Google”', () => {
    const d = diagnose(put(SIGNED, 'https://vet.infovet.in'))
    expect(d.attribution?.owner).toBeUndefined()
    expect(stacks(d)).toContain('gcs')
    expect(stacks(d)).not.toContain('third-party')
  })

  it('a resumable upload (the JSON API URL of googleapis/google-cloud-dotnet#5715): the Origin of the session is said', () => {
    const d = diagnose(
      put(
        'https://storage.googleapis.com/upload/storage/v1/b/BUCKET_NAME_REMOVED/o?uploadType=resumable&upload_id=UPLOAD_ID_REMOVED',
      ),
    )
    const shell = d.fixes.find((f) => f.stack === 'gcs')?.changes[1]?.snippet ?? ''
    expect(shell).toContain('initiating POST')
    // The posted bucket name is a redaction, not a bucket name: the placeholder stands in.
    expect(shell).toContain("'gs://YOUR-BUCKET'")
  })

  it('no GCS mark, no GCS cure', () => {
    const d = diagnose(exchange({ response: response(200, ['server', 'nginx'], ['age', '3']) }))
    expect(d.attribution?.app).not.toBe('gcs')
    expect(stacks(d)).not.toContain('gcs')
  })
})
