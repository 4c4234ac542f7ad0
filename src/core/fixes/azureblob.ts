/**
 * Azure Blob Storage: CORS is the storage account's Blob service rules (allowed origins, methods, headers,
 * exposed headers, max age), added with `az storage cors add --services b`
 * (https://learn.microsoft.com/en-us/cli/azure/storage/cors#az-storage-cors-add) or in the portal under
 * the account's Settings → Resource sharing (CORS) → Blob service. The first matching rule wins; a preflight
 * no rule matches gets 403 CorsPreflightFailure. Golden-tested: Azure cannot run here.
 */
import type { Recipe } from './context.ts'
import { corsValues } from './edge.ts'
import { shellWord } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { makeFix } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  shell:
    'shell, with the Azure CLI signed in to the storage account (or the portal: the account → Settings → Resource sharing (CORS) → Blob service)',
} as const

/** The methods an Azure Storage CORS rule may list. */
const AZURE_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'MERGE', 'POST', 'OPTIONS', 'PUT', 'PATCH'])

/** The account of `<account>.blob.core.windows.net`, else null (Azurite, a custom domain). */
function accountOf(url: string): string | null {
  let host = ''
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return null
  }
  const suffix = '.blob.core.windows.net'
  const account = host.endsWith(suffix) ? host.slice(0, -suffix.length) : ''
  return /^[a-z0-9]{3,24}$/.test(account) ? account : null
}

export const recipe: Recipe = (ctx) => {
  if (ctx.attribution.app !== 'azureblob' || !HEADER_KINDS.has(failureKind(ctx))) return []
  const v = corsValues(ctx)
  const methods = v.methods.filter((m) => (m === 'GET' || m === ctx.method) && AZURE_METHODS.has(m))
  const account = accountOf(ctx.exchange.request.url)
  const words = (values: readonly string[]): string => values.map(shellWord).join(' ')
  const shell = [
    ...v.notes('#'),
    ...(account
      ? []
      : [
          '# Azurite (the emulator): put --connection-string "UseDevelopmentStorage=true" in place of --account-name.',
        ]),
    'az storage cors add --services b \\',
    `  --origins ${shellWord(v.origin)} \\`,
    `  --methods ${words(methods)} \\`,
    `  --allowed-headers ${v.headers.length ? words(v.headers) : "'x-ms-*'"} \\`,
    "  --exposed-headers 'x-ms-*' \\",
    '  --max-age 600 \\',
    `  --account-name ${shellWord(account ?? 'YOUR-ACCOUNT')}`,
  ].join('\n')
  return [
    makeFix({
      stack: 'azureblob',
      layer: 'app',
      recommended: true,
      title: `Allow ${v.origin} in the storage account's Blob CORS rules`,
      label: 'Azure Blob CORS rule',
      why: 'Azure Storage answers CORS from the account’s Blob service rules alone: a rule naming the origin, the method and the request headers lets the preflight and the request through.',
      changes: [{ layer: 'app', where: WHERE.shell, comment: '#', snippet: shell }],
    }),
  ]
}
