/**
 * Is the API a server the user runs? A failure on an identity provider's, a SaaS API's or a public CDN's
 * host cannot be cured in the user's own config: only its owner can allow the origin, or the user calls it
 * from their own backend. Decided from evidence only — the target's registrable domain differs from the
 * page's AND the host (or the Server header) is a well-known provider's — and always said as "probably".
 * A host on a different domain with no provider sign is only "possibly" someone else's.
 */
import type { Exchange } from './exchange.ts'
import { headerValue } from './headers.ts'

export interface Ownership {
  readonly verdict: 'probably-third-party' | 'possibly-third-party'
  /** The provider the host or Server header names, when it does. */
  readonly provider: string | null
  readonly evidence: string
}

/** Host suffixes of services the page's owner does not run (identity providers, SaaS APIs, public CDNs). */
const PROVIDERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|\.)auth0\.com$/, 'Auth0 (identity provider)'],
  [/(^|\.)(okta|oktapreview|okta-emea)\.com$/, 'Okta (identity provider)'],
  [/^login\.(microsoftonline|windows)\.(com|net)$/, 'Microsoft Entra ID (identity provider)'],
  [/^(accounts\.google\.com|oauth2\.googleapis\.com)$/, 'Google sign-in (identity provider)'],
  [/^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$|\.amazoncognito\.com$/, 'Amazon Cognito (identity provider)'],
  [/(^|\.)onelogin\.com$/, 'OneLogin (identity provider)'],
  [/\.clerk\.accounts\.dev$/, 'Clerk (identity provider)'],
  [/^login\.salesforce\.com$/, 'Salesforce (identity provider)'],
  [/(^|\.)googleapis\.com$/, 'Google APIs'],
  [/^(api\.)?github\.com$/, 'GitHub'],
  [/^api\.stripe\.com$/, 'Stripe'],
  [/^graph\.facebook\.com$/, 'Meta Graph API'],
  [/^api\.(twitter|x)\.com$/, 'X API'],
  [/^api\.openai\.com$/, 'OpenAI API'],
  [/(^|\.)slack\.com$/, 'Slack API'],
  [/^api\.mapbox\.com$/, 'Mapbox API'],
  [/^(cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.gstatic\.com)$/, 'a public CDN'],
]

/** Server headers that only a provider's own front end sends. */
const PROVIDER_SERVERS: ReadonlyArray<readonly [RegExp, string]> = [[/^GitHub\.com$/i, 'GitHub']]
/** Response headers only a provider sends (its custom domains included). */
const PROVIDER_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['x-auth0-requestid', 'Auth0 (identity provider)'],
]

/** Two-label public suffixes common enough to matter (co.uk…), and hosting suffixes where each sub-domain is its own tenant. */
const TWO_LABEL = /^(co|com|net|org|gov|ac|edu|ne|or)\.[a-z]{2}$/
const TENANT_SUFFIXES = [
  'amazonaws.com',
  'blob.core.windows.net',
  'supabase.co',
  'on.aws',
  'cloudfront.net',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'pages.dev',
  'workers.dev',
  'azurewebsites.net',
  'run.app',
  'appspot.com',
  'fly.dev',
  'onrender.com',
  'github.io',
  'web.app',
  'firebaseapp.com',
]

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase()
  } catch {
    return null
  }
}

/** Local and lab names (IPs, localhost, .test, .local…) never count as someone else's domain. */
function isLocal(host: string): boolean {
  return (
    !host.includes('.') ||
    /^[\d.]+$/.test(host) ||
    host.startsWith('[') ||
    /\.(test|localhost|local|internal|example|invalid|lan|home\.arpa)$/.test(host)
  )
}

/** The registrable domain ("eTLD+1"), approximately: enough to tell app.example.com and api.example.com apart from another site. */
export function registrableDomain(host: string): string {
  const tenant = TENANT_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`))
  if (tenant) return host
  const labels = host.split('.')
  const n = TWO_LABEL.test(labels.slice(-2).join('.')) ? 3 : 2
  return labels.slice(-n).join('.')
}

export function ownership(ex: Exchange, pageOrigin: string | null): Ownership | null {
  const target = hostOf(ex.request.url)
  const page = pageOrigin ? hostOf(pageOrigin) : null
  if (!target || !page || isLocal(target) || isLocal(page)) return null
  const site = registrableDomain(target)
  if (site === registrableDomain(page)) return null
  // A Cloud Storage bucket, like an S3 one, is the page owner's own storage as likely as not: its CORS is theirs.
  if (target === 'storage.googleapis.com' || target.endsWith('.storage.googleapis.com')) return null
  const byHost = PROVIDERS.find(([re]) => re.test(target))?.[1] ?? null
  const server = [ex.preflight?.response, ex.response]
    .map((r) => (r ? (headerValue(r.headers, 'server') ?? '') : ''))
    .find((s) => s !== '')
  const byServer = server ? (PROVIDER_SERVERS.find(([re]) => re.test(server))?.[1] ?? null) : null
  const responses = [ex.preflight?.response, ex.response].flatMap((r) => (r ? [r] : []))
  const byHeader =
    PROVIDER_HEADERS.find(([name]) => responses.some((r) => headerValue(r.headers, name) !== null)) ?? null
  const provider = byHost ?? byServer ?? byHeader?.[1] ?? null
  // A hosting platform's sub-domain (API Gateway, Vercel…) is where people deploy their own code.
  if (!provider && TENANT_SUFFIXES.some((s) => target.endsWith(`.${s}`))) return null
  const where = `${target} is on another site (${site}) than the page (${registrableDomain(page)})`
  if (provider)
    return {
      verdict: 'probably-third-party',
      provider,
      evidence: `${where} and ${byHost ? 'its host' : byServer ? `Server: ${server}` : `its ${byHeader?.[0]} header`} is ${provider}'s: probably a server you do not run`,
    }
  return {
    verdict: 'possibly-third-party',
    provider: null,
    evidence: `${where}: if you do not run it, only its owner can allow your origin`,
  }
}
