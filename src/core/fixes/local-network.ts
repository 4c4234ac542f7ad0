/**
 * Cures for Local Network Access blocks (InsecureLocalNetwork, LocalNetworkAccessPermissionDenied,
 * InvalidLocalNetworkAccess). No server header helps: the page, the user or the administrator changes.
 * Every name printed here was checked against Chromium 156 itself (the settings pages opened in it, the
 * permission names asked of navigator.permissions, the policy and Permissions-Policy names found in its
 * binary) and against Chrome's sources and docs, cited beside each name.
 */
import { FIREFOX_LNA, isFirefoxLnaError } from '../firefox-reasons.ts'
import type { Fix } from '../fix.ts'
import { type AddressSpace, firefoxPermissionFor, localNetworkCrossing } from '../local-network.ts'
import type { FixContext, Recipe } from './context.ts'
import { makeFix, WHERE_CLIENT } from './shared.ts'

const js = (s: string): string => JSON.stringify(s).replaceAll('"', "'")

const websocket = (ctx: FixContext): boolean => ctx.exchange.api === 'websocket'

function secureContext(ctx: FixContext): Fix {
  const https = ctx.origin.replace(/^http:/, 'https:')
  const call = websocket(ctx)
    ? `new WebSocket(${js(ctx.exchange.request.url)})`
    : `await fetch(${js(ctx.exchange.request.url)})`
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
        comment: '//',
        snippet: `// Serve the page from ${https} (a TLS certificate, e.g. Let's Encrypt), then redirect http to https.\n// The call itself stays the same:\n${call}`,
      },
    ],
  })
}

/**
 * The site-settings pages and their words, as Chromium 156 shows them (opened headless): /content/localNetwork
 * is "Local network" with the list "Allowed to access other devices on your local network"; loopback has its
 * own page since the permission was split in two, /content/loopbackNetwork, titled "Apps on device", list
 * "Allowed to access other apps and services on this device". There is no /content/localNetworkAccess page
 * (it falls back to the settings home).
 */
const SETTINGS: Record<AddressSpace, { page: string; name: string; list: string }> = {
  loopback: {
    page: 'loopbackNetwork',
    name: 'Apps on device',
    list: 'Allowed to access other apps and services on this device',
  },
  local: {
    page: 'localNetwork',
    name: 'Local network',
    list: 'Allowed to access other devices on your local network',
  },
  public: {
    page: 'localNetwork',
    name: 'Local network',
    list: 'Allowed to access other devices on your local network',
  },
}

function grantPermission(space: AddressSpace, origin: string, recommended: boolean): Fix {
  const { page: setting, name, list } = SETTINGS[space]
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
        comment: '//',
        snippet: `Open chrome://settings/content/${setting} ("${name}") → "${list}" → Add → ${origin}\n(or click the icon left of the address bar → Site settings → ${name} → Allow), then reload the page.`,
      },
    ],
  })
}

/**
 * Permissions-Policy tokens: local-network and loopback-network since the Chrome 145 split, local-network-access
 * before it (https://source.chromium.org/chromium/chromium/src/+/main:services/network/public/cpp/permissions_policy/permissions_policy_features.json5;
 * all three are in Chromium 156's binary). The same names are the permission names navigator.permissions
 * answers for in Chromium 156. Measured there (headless, the permission granted to the top-level origin
 * through CDP): a cross-site iframe reached loopback with and without allow=, so the lab cannot show the
 * delegation deciding; the cure follows Chrome's guide.
 */
function delegate(space: AddressSpace, url: string): Fix {
  const token = space === 'loopback' ? 'loopback-network' : 'local-network'
  return makeFix({
    stack: 'client',
    layer: 'client',
    recommended: false,
    title: 'If the request comes from an iframe: delegate the permission to it',
    label: 'Embedding page: delegate to the iframe',
    why: `Chrome's guide has the embedding page delegate the permission to a subframe with the ${token} Permissions-Policy token (local-network-access in older Chrome); a frame that is not delegated to may be refused even when the site holds the permission.`,
    changes: [
      {
        layer: 'client',
        where: 'the embedding page, on the <iframe> that makes the request',
        comment: '//',
        snippet: `<iframe src="https://widget.example/" allow="${token}; local-network-access"></iframe>\n<!-- the iframe then calls ${url.replaceAll('<', '%3C')} -->`,
      },
    ],
  })
}

/**
 * fetch()'s targetAddressSpace ('local' | 'loopback'): https://wicg.github.io/local-network-access/ (RequestInit).
 * Measured in Chromium 156 (test/lab/local-network.ts): it lets an https page call a plain-http URL (mixed
 * content becomes a warning), then the permission decides; a space that does not match the target's is
 * InvalidLocalNetworkAccess.
 */
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
        where: WHERE_CLIENT,
        comment: '//',
        snippet: `const response = await fetch(${js(ctx.exchange.request.url)}, { targetAddressSpace: '${space}' })`,
      },
    ],
  })
}

/**
 * Enterprise policies. Chrome 146 added one per space: LoopbackNetworkAllowedForUrls (the device itself) and
 * LocalNetworkAllowedForUrls (the local network); LocalNetworkAccessAllowedForUrls (Chrome 139+) covers both
 * and is what older browsers read. Names: https://chromeenterprise.google/policies/#LoopbackNetworkAllowedForUrls,
 * https://chromeenterprise.google/policies/#LocalNetworkAllowedForUrls,
 * https://chromeenterprise.google/policies/#LocalNetworkAccessAllowedForUrls (Edge documents the same names:
 * https://learn.microsoft.com/en-us/deployedge/microsoft-edge-browser-policies/loopbacknetworkallowedforurls);
 * all three are in Chromium 156's binary.
 */
function policy(space: AddressSpace, origin: string): Fix {
  const perSpace = space === 'loopback' ? 'LoopbackNetworkAllowedForUrls' : 'LocalNetworkAllowedForUrls'
  return makeFix({
    stack: 'browser',
    layer: 'client',
    recommended: false,
    title: 'Managed browsers: allow the site by enterprise policy',
    label: `Admin: ${perSpace}`,
    why: `For a managed fleet, the ${perSpace} policy (Chrome 146+) grants the site ${space === 'loopback' ? 'this machine' : 'the local network'} without a prompt; LocalNetworkAccessAllowedForUrls grants both spaces and is the one browsers before 146 read.`,
    changes: [
      {
        layer: 'client',
        where:
          'a managed policy file, e.g. /etc/opt/chrome/policies/managed/local-network.json (Chromium: /etc/chromium/policies/managed/), or the Group Policy / admin console setting',
        comment: '//',
        snippet: `${JSON.stringify({ [perSpace]: [origin], LocalNetworkAccessAllowedForUrls: [origin] }, null, 2)}\n// https://chromeenterprise.google/policies/#${perSpace}`,
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
          comment: '//',
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
          comment: '//',
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
          comment: '//',
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
  const crossing = localNetworkCrossing(ctx.exchange, ctx.analysis.origin, 'browser-error')
  if (errors.some(isFirefoxLnaError)) return firefoxCures(ctx, crossing?.to ?? null)
  const space: AddressSpace = crossing?.to ?? 'loopback'
  const origin = ctx.origin
  const plainHttpDevice = ctx.exchange.request.url.startsWith('http:') && space === 'local'
  switch (error) {
    case 'InsecureLocalNetwork':
      return [
        secureContext(ctx),
        grantPermission(space, origin.replace(/^http:/, 'https:'), false),
        policy(space, origin),
      ]
    case 'InvalidLocalNetworkAccess':
      return [targetAddressSpace(ctx, space, true)]
    default:
      return [
        grantPermission(space, origin, true),
        ...(plainHttpDevice ? [targetAddressSpace(ctx, space, false)] : []),
        delegate(space, ctx.exchange.request.url),
        policy(space, origin),
      ]
  }
}
