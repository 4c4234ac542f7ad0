/**
 * Azure Blob Storage, named from a real published capture (the source beside it) and cured with its own
 * CLI: Azure cannot run here, so the az line is checked for holding the page's real values, each a shell word.
 */
import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import type { Exchange, ResponseSide } from '../../../src/core/exchange.ts'
import { exchange, preflight } from '../exchange-builders.ts'

/**
 * https://github.com/Azure/Azurite/issues/2449: Azurite's refusal of a preflight, its headers as its log
 * printed them (Azurite answers CORS as Azure Storage does: https://github.com/Azure/Azurite/issues/2506).
 */
const AZURITE: ResponseSide = {
  status: 403,
  headers: [
    { name: 'server', value: 'Azurite-Blob/3.31.0' },
    { name: 'x-ms-error-code', value: 'CorsPreflightFailure' },
    { name: 'x-ms-request-id', value: 'a8c47cbe-7a43-49d5-92fc-7364a8a999d6' },
    { name: 'content-type', value: 'application/xml' },
  ],
  bodySnippet:
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Error>\n  <Code>CorsPreflightFailure</Code>\n  <Message>CORS not enabled or no matching rule found for this request.',
}

const upload = (url: string, res: ResponseSide, initiator?: string): Exchange => {
  const ex = exchange({ method: 'PUT', url, preflight: preflight('PUT', 'x-ms-blob-type', res) })
  return initiator ? { ...ex, initiator } : ex
}
const stacks = (d: ReturnType<typeof diagnose>): string[] => d.fixes.map((f) => f.stack)

describe('Azure Blob Storage, from what it leaves on a response', () => {
  it('Azurite refusing an upload’s preflight: the Blob service at the service layer, an az rule the cure', () => {
    const d = diagnose(upload('http://127.0.0.1:10000/devstoreaccount1/uploads/a.png', AZURITE))
    expect(d.corsError).toBe('PreflightMissingAllowOriginHeader')
    expect(d.attribution).toMatchObject({ app: 'azureblob', proxy: null, culprit: 'app' })
    expect(d.attribution?.evidence.join(' ')).toContain('Azurite, the Azure Storage emulator')
    const shell = d.fixes.find((f) => f.stack === 'azureblob')?.snippet ?? ''
    expect(shell).toContain("--origins 'https://app.example'")
    expect(shell).toContain("--methods 'GET' 'PUT'")
    expect(shell).toContain("--allowed-headers 'x-ms-blob-type'")
    expect(shell).toContain('UseDevelopmentStorage=true')
    for (const s of ['s3', 'gcs', 'express', 'nginx', 'apache', 'caddy', 'generic', 'aspnet'])
      expect(stacks(d)).not.toContain(s)
  })

  it('Azure itself (its documented Server) on an account host: the account named, and the account is the page owner’s', () => {
    const azure = {
      ...AZURITE,
      headers: [
        { name: 'Server', value: 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0' },
        ...AZURITE.headers.slice(1),
      ],
    }
    // The account host posted in https://github.com/danialfarid/ng-file-upload/issues/1173.
    const d = diagnose(
      upload(
        'https://kumo2stage.blob.core.windows.net/conatiner/FileName.jpg',
        azure,
        'https://www.kumo2.io',
      ),
    )
    expect(d.attribution?.app).toBe('azureblob')
    expect(d.attribution?.owner).toBeUndefined()
    const shell = d.fixes.find((f) => f.stack === 'azureblob')?.snippet ?? ''
    expect(shell).toContain("--account-name 'kumo2stage'")
    expect(shell).not.toContain('UseDevelopmentStorage')
  })

  it('x-ms-request-id alone (every Azure API sends it) names no Blob Storage', () => {
    const other = {
      status: 404,
      headers: [{ name: 'x-ms-request-id', value: 'a8c47cbe-7a43-49d5-92fc-7364a8a999d6' }],
    }
    const d = diagnose(upload('https://api.example/items', other))
    expect(d.attribution?.app).not.toBe('azureblob')
    expect(stacks(d)).not.toContain('azureblob')
  })
})
