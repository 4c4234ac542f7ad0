import { recipe, WHERE } from '../fixes/azureblob.ts'
import { val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/**
 * Azure Blob Storage, a managed service: its CORS is the storage account's Blob service CORS rules. It
 * names itself `Server: Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0` (https://learn.microsoft.com/en-us/rest/api/storageservices/get-blob#response-headers
 * show the service's headers), and refuses a preflight no rule matches with 403 and `x-ms-error-code:
 * CorsPreflightFailure` (https://learn.microsoft.com/en-us/rest/api/storageservices/cross-origin-resource-sharing--cors--support-for-the-azure-storage-services).
 * Azurite, Microsoft's emulator of the same API, answers alike under `Server: Azurite-Blob/<v>`: seen in
 * https://github.com/Azure/Azurite/issues/2449. `x-ms-request-id` alone is every Azure API's: no evidence.
 */
export const azureblob: StackModule = {
  id: 'azureblob',
  name: 'Azure Blob Storage',
  layer: 'service',
  comment: '#',
  recipe,
  config: WHERE,
  fingerprints: [
    {
      phase: 'mark',
      read: (r) => {
        const server = val(r.headers, 'server').trim()
        if (/^Windows-Azure-Blob\//i.test(server))
          return {
            stack: 'azureblob',
            confidence: 'high',
            evidence: `Server: ${server} — Azure Blob Storage answered`,
          }
        if (/^Azurite-Blob\//i.test(server))
          return {
            stack: 'azureblob',
            confidence: 'high',
            evidence: `Server: ${server} — Azurite, the Azure Storage emulator, answered`,
          }
        return null
      },
    },
    {
      phase: 'answer',
      read: (r) =>
        /^CorsPreflightFailure$/i.test(val(r.headers, 'x-ms-error-code').trim())
          ? {
              stack: 'azureblob',
              confidence: 'high',
              evidence:
                'x-ms-error-code: CorsPreflightFailure — Azure Storage found no CORS rule for this request',
            }
          : null,
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    azureblob: true
  }
}
