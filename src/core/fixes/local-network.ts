/**
 * Cures for Local Network Access blocks (InsecureLocalNetwork, LocalNetworkAccessPermissionDenied,
 * InvalidLocalNetworkAccess). No server header helps: the page, the user or the administrator changes.
 * Names verified against Chromium 156: the settings pages chrome://settings/content/localNetwork and
 * …/loopbackNetwork, the Permissions-Policy tokens local-network, loopback-network and (older)
 * local-network-access, the policy LocalNetworkAccessAllowedForUrls.
 */
import { FIREFOX_LNA, isFirefoxLnaError } from '../firefox-reasons.ts'
import type { Fix } from '../fix.ts'
import { type AddressSpace, firefoxPermissionFor, localNetworkCrossing } from '../local-network.ts'
import type { FixContext, Recipe } from './context.ts'
import { makeFix, WHERE } from './shared.ts'

const js = (s: string): string => JSON.stringify(s).replaceAll('"', "'")

function secureContext(ctx: FixContext): Fix {
  const https = ctx.origin.replace(/^http:/, 'https:')
  return makeFix({
    stack: 'client',
    layer: 'client',
    recommended: true,
    title: 'Serve the page over https',
    label: 'Page: serve over https',
    why: `A page that is not a secure context may never call a more private address. Served as ${https}, the browser asks the user once and the request can go through.`,
    changes: [
      {
        layer: 'client',
        where: 'the web server or host that serves the page',
        lang: 'js',
        snippet: `// Serve the page from ${https} (a TLS certificate, e.g. Let's Encrypt), then redirect http to https.\n// The call itself stays the same:\nawait fetch(${js(ctx.exchange.request.url)})`,
      },
    ],
  })
}

function grantPermission(space: AddressSpace, origin: string, recommended: boolean): Fix {
  const setting = space === 'loopback' ? 'loopbackNetwork' : 'localNetwork'
  const name = space === 'loopback' ? 'Loopback network' : 'Local network'
  return makeFix({
    stack: 'browser',
    layer: 'client',
    recommended,
    title: `Allow "${name}" for ${origin} in site settings`,
    label: 'User: allow in site settings',
    why: 'Each user grants the permission once per site: from the prompt, or later in the site settings.',
    changes: [
      {
        layer: 'client',
        where: `chrome://settings/content/${setting}`,
        lang: 'js',
        snippet: `Open chrome://settings/content/${setting} → "Allowed to access" → Add → ${origin}\n(or click the icon left of the address bar → Site settings → ${name} → Allow), then reload the page.`,
      },
    ],
  })
}

function delegate(space: AddressSpace, url: string): Fix {
  const token = space === 'loopback' ? 'loopback-network' : 'local-network'
  return makeFix({
    stack: 'client',
    layer: 'client',
    recommended: false,
    title: 'If the request comes from an iframe: delegate the permission to it',
    label: 'Embedding page: delegate to the iframe',
    why: `A subframe uses the top-level site's permission only when the embedding page delegates it with the ${token} Permissions-Policy token (local-network-access in older Chrome).`,
    changes: [
      {
        layer: 'client',
        where: 'the embedding page, on the <iframe> that makes the request',
        lang: 'js',
        snippet: `<iframe src="https://widget.example/" allow="${token}; local-network-access"></iframe>\n<!-- the iframe then calls ${url.replaceAll('<', '%3C')} -->`,
      },
    ],
  })
}

function targetAddressSpace(ctx: FixContext, space: AddressSpace, recommended: boolean): Fix {
  return makeFix({
    stack: 'client',
    layer: 'client',
    recommended,
    title: `Declare the target: fetch(url, { targetAddressSpace: '${space}' })`,
    label: 'Page: targetAddressSpace',
    why:
      space === 'loopback'
        ? 'Declaring the target address space asks for the permission up front and lets an https page call a plain-http device URL without a mixed-content block.'
        : 'Devices on the local network rarely have a trusted certificate: declaring the target lets an https page call their plain-http URL (after the user allows it) instead of being stopped as mixed content.',
    changes: [
      {
        layer: 'client',
        where: WHERE.client,
        lang: 'js',
        snippet: `const response = await fetch(${js(ctx.exchange.request.url)}, { targetAddressSpace: '${space}' })`,
      },
    ],
  })
}

function policy(origin: string): Fix {
  return makeFix({
    stack: 'browser',
    layer: 'client',
    recommended: false,
    title: 'Managed browsers: allow the site by enterprise policy',
    label: 'Admin: LocalNetworkAccessAllowedForUrls',
    why: 'For a managed fleet, the LocalNetworkAccessAllowedForUrls policy grants the permission to listed sites without a prompt.',
    changes: [
      {
        layer: 'client',
        where:
          'a managed policy file, e.g. /etc/opt/chrome/policies/managed/local-network.json (Chromium: /etc/chromium/policies/managed/), or the Group Policy / admin console setting',
        lang: 'js',
        snippet: `${JSON.stringify({ LocalNetworkAccessAllowedForUrls: [origin] }, null, 2)}\n// https://chromeenterprise.google/policies/#LocalNetworkAccessAllowedForUrls`,
      },
    ],
  })
}

/**
 * Firefox's cures (firefox-esr 153.8, measured on the lab): a saved Allow for the site lets the request
 * through ("prompt action: auto_allow"); so does network.lna.skip-domains naming the API's host or the
 * page's; network.lna.blocking false stops the asking (the request goes, "prompt action: (null)").
 */
function firefoxCures(ctx: FixContext, to: AddressSpace | null): Fix[] {
  const perms = firefoxPermissionFor(to)
  const settings = perms.map((p) => `"${p.setting}"`).join(' / ')
  let apiHost = ''
  try {
    apiHost = new URL(ctx.exchange.request.url).hostname
  } catch {}
  // A parsed URL's hostname holds host code points only (WHATWG URL: forbidden host code points refused).
  const host = apiHost || 'api.host.example'
  const { prefs, policy } = FIREFOX_LNA
  return [
    makeFix({
      stack: 'browser',
      layer: 'client',
      recommended: true,
      title: `Allow ${ctx.origin} in Firefox's Local Network Access prompt`,
      label: 'User: allow in Firefox',
      why: `Firefox asks once per site (permission ${perms.map((p) => `"${p.name}"`).join(' or ')}); a Block is remembered. Clear it and answer Allow.`,
      changes: [
        {
          layer: 'client',
          where: 'Firefox, on the page',
          lang: 'js',
          snippet: `Click the permissions icon in the address bar ("${FIREFOX_LNA.addressBarIcon}") → remove the Blocked entry → reload → Allow.\nSaved choices: about:preferences#privacy → Permissions → ${settings} → Settings…`,
        },
      ],
    }),
    makeFix({
      stack: 'browser',
      layer: 'client',
      recommended: false,
      title: `Developer machine: skip the check for ${host} (about:config)`,
      label: `Dev: ${prefs.skipDomains}`,
      why: `${prefs.skipDomains} lists host names Firefox does not check (the API's or the page's). For testing only: ${prefs.blocking} = false stops the asking for every site.`,
      changes: [
        {
          layer: 'client',
          where: 'about:config',
          lang: 'js',
          snippet: `${prefs.skipDomains} = ${host}\n// or, testing only: ${prefs.blocking} = false`,
        },
      ],
    }),
    makeFix({
      stack: 'browser',
      layer: 'client',
      recommended: false,
      title: `Managed Firefox: the ${policy} policy`,
      label: `Admin: ${policy}`,
      why: `For a managed fleet, the ${policy} policy's SkipDomains sets ${prefs.skipDomains} (EnablePrompting: false sets ${prefs.blocking} to false).`,
      changes: [
        {
          layer: 'client',
          where:
            'policies.json (distribution/ in the Firefox install directory, or /etc/firefox/policies/ on Linux)',
          lang: 'js',
          snippet: `${JSON.stringify({ policies: { [policy]: { SkipDomains: [host] } } }, null, 2)}\n// https://mozilla.github.io/policy-templates/#localnetworkaccess`,
        },
      ],
    }),
  ]
}

export const recipe: Recipe = (ctx) => {
  const error = ctx.analysis.corsError
  if (
    error !== 'InsecureLocalNetwork' &&
    error !== 'LocalNetworkAccessPermissionDenied' &&
    error !== 'InvalidLocalNetworkAccess'
  )
    return []
  const errors = [
    ctx.exchange.outcome.kind === 'error' ? ctx.exchange.outcome.error : '',
    ctx.exchange.preflight?.error ?? '',
  ]
  const crossing = localNetworkCrossing(ctx.exchange, ctx.analysis.origin, true)
  if (errors.some(isFirefoxLnaError)) return firefoxCures(ctx, crossing?.to ?? null)
  const space: AddressSpace = crossing?.to ?? 'loopback'
  const origin = ctx.origin
  const plainHttpDevice = ctx.exchange.request.url.startsWith('http:') && space === 'local'
  switch (error) {
    case 'InsecureLocalNetwork':
      return [
        secureContext(ctx),
        grantPermission(space, origin.replace(/^http:/, 'https:'), false),
        policy(origin),
      ]
    case 'InvalidLocalNetworkAccess':
      return [targetAddressSpace(ctx, space, true)]
    default:
      return [
        grantPermission(space, origin, true),
        ...(plainHttpDevice ? [targetAddressSpace(ctx, space, false)] : []),
        delegate(space, ctx.exchange.request.url),
        policy(origin),
      ]
  }
}
