/**
 * lint's Caddy predictions checked on the real server: each config runs in the lab's Caddy (Debian's) in
 * front of the lab's Express app, with and without the app's own CORS; Chromium fetches it under the
 * finding's `when`; the CorsError CDP reports must be the finding's; then the config with the finding's
 * fix must pass. Correct configs must lint without an error finding and pass.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lint } from '../../src/core/lint/index.ts'
import type { LintFinding } from '../../src/core/lint/types.ts'
import { oracleFor } from '../harness/cdp.ts'
import { BASE_FLAGS, findChromium } from '../harness/chromium.ts'
import { type Lab, startLab } from '../lab/server.ts'
import { fillTemplate, type Slots, startStack } from '../lab/stacks/stack.ts'

let lab: Lab
let browser: Browser
let page: Page
/** A page of another origin: a subdomain the allow-list's author did not mean (the lab maps *.app.test). */
let evil: Page
beforeAll(async () => {
  lab = await startLab({ scenarios: [] })
  const executablePath = findChromium()
  if (!executablePath) throw new Error('No Chromium: run `npm run setup`.')
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [...BASE_FLAGS, `--host-resolver-rules=${lab.hostResolverRules}`],
  })
  const context = await browser.newContext()
  page = await context.newPage()
  await page.goto(`${lab.pageOrigin}/`)
  evil = await context.newPage()
  await evil.goto(`${lab.pageOrigin.replace('//app.test', '//evil.app.test')}/`)
})
afterAll(async () => {
  await browser?.close().catch(() => {})
  await lab?.close()
})

const EXPRESS_CORS = 'app.use(cors())'
const TEMPLATE = readFileSync(join(import.meta.dirname, '../lab/stacks/templates/Caddyfile'), 'utf8')

/** What lint says of the Caddyfile the lab renders from these slots (ports as placeholders). */
function findings(slots: Slots): LintFinding[] {
  const text = fillTemplate(TEMPLATE, { ...slots, port: '8080', app_port: '3000' })
  return lint([{ file: 'Caddyfile', text }], { server: 'caddy' }).findings
}
function finding(slots: Slots, code: string): LintFinding {
  const f = findings(slots).find((x) => x.code === code)
  if (!f)
    throw new Error(`lint did not report ${code}: ${JSON.stringify(findings(slots).map((x) => x.code))}`)
  return f
}

type Kind = 'simple' | 'credentials' | 'preflight'
const INIT: Record<Kind, string> = {
  simple: '{}',
  credentials: "{ credentials: 'include' }",
  preflight: "{ method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' }",
}

/** The CorsError Chromium reports for each request, on Caddy (these slots) in front of Express. */
async function observe(
  slots: Slots,
  appCors: string,
  requests: readonly [string, Kind][],
  from: Page | readonly Page[] = page,
): Promise<(string | null)[]> {
  const stack = await startStack({
    proxy: 'caddy',
    app: 'express',
    proxySlots: slots,
    appSlots: { app_cors: appCors },
  })
  try {
    const out: (string | null)[] = []
    const pages = Array.isArray(from) ? from : [from as Page]
    for (const [i, [path, kind]] of requests.entries()) {
      const p = pages[i] ?? (pages[0] as Page)
      const url = `http://api.test:${stack.port}${path}`
      const seen = await oracleFor(p, () =>
        p.evaluate(`fetch(${JSON.stringify(url)}, ${INIT[kind]}).then((r) => r.status, () => 'failed')`),
      )
      const mine = seen.filter((o) => o.url.startsWith(url)).pop()
      if (!mine) throw new Error(`CDP saw no request to ${url}`)
      out.push(mine.oracle.corsError)
    }
    return out
  } finally {
    await stack.stop()
  }
}

/** The fix's lines that go inside the reverse_proxy block (its header_down lines). */
const downLines = (f: LintFinding): string =>
  f.fix.snippet
    .split('\n')
    .filter((l) => l.trim().startsWith('header_down'))
    .map((l) => l.trim())
    .join('\n')

const T = { timeout: 120_000 }

describe('lint findings proven in Chromium on the real Caddy', () => {
  it(
    'header ACAO in front of an app that sends CORS: MultipleAllowOriginValues, cured by header_down',
    T,
    async () => {
      const slots = { site: 'header Access-Control-Allow-Origin "*"' }
      const f = finding(slots, 'caddy-acao-in-front-of-upstream')
      expect([f.when, f.corsError]).toEqual(['upstream-sends-cors', 'MultipleAllowOriginValues'])
      expect(await observe(slots, EXPRESS_CORS, [['/api/items', 'simple']])).toEqual([f.corsError])
      // An app without CORS: the `when` does not hold, nothing fails.
      expect(await observe(slots, '', [['/api/items', 'simple']])).toEqual([null])
      const fixed = { ...slots, reverse_proxy: downLines(f) }
      expect(downLines(f)).toBe('header_down -Access-Control-Allow-Origin')
      expect(findings(fixed).filter((x) => x.severity !== 'info')).toEqual([])
      expect(await observe(fixed, EXPRESS_CORS, [['/api/items', 'simple']])).toEqual([null])
    },
  )

  it(
    '"header -Access-Control-Allow-Origin" beside a header that sets it: MissingAllowOriginHeader always',
    T,
    async () => {
      const slots = { site: 'header -Access-Control-Allow-Origin\nheader Access-Control-Allow-Origin "*"' }
      const f = finding(slots, 'caddy-header-delete-removes-own-acao')
      expect([f.when, f.corsError]).toEqual(['always', 'MissingAllowOriginHeader'])
      // With or without the app's CORS: the deferred delete removes Caddy's copy too.
      expect(await observe(slots, EXPRESS_CORS, [['/api/items', 'simple']])).toEqual([f.corsError])
      expect(await observe(slots, '', [['/api/items', 'simple']])).toEqual([f.corsError])
      const fixed = { site: 'header Access-Control-Allow-Origin "*"', reverse_proxy: downLines(f) }
      expect(findings(fixed).filter((x) => x.severity === 'error')).toEqual([])
      expect(await observe(fixed, EXPRESS_CORS, [['/api/items', 'simple']])).toEqual([null])
    },
  )

  it(
    'ACAO only from a deferred header: MissingAllowOriginHeader on the 502 and 404 Caddy makes, not on a 500 of the app',
    T,
    async () => {
      // A second backend that is down (nothing listens on port 9), and static files (a missing one: 404).
      const down =
        'handle /api/down/* {\n    reverse_proxy 127.0.0.1:9\n}\nhandle_path /api/static/* {\n    root * /usr/share/doc\n    file_server\n}'
      const slots = { site: `header {\n    Access-Control-Allow-Origin "*"\n    defer\n}\n${down}` }
      const f = finding(slots, 'caddy-deferred-cors-skips-errors')
      expect([f.when, f.corsError]).toEqual(['error-responses', 'MissingAllowOriginHeader'])
      const reqs: [string, Kind][] = [
        ['/api/items', 'simple'],
        ['/api/boom', 'simple'],
        ['/api/down/x', 'simple'],
        ['/api/static/no-such-file', 'simple'],
      ]
      expect(await observe(slots, '', reqs)).toEqual([null, null, f.corsError, f.corsError])
      // The fix's header lines (before its reverse_proxy part, which the site's proxies do not need here).
      const header = f.fix.snippet.split('\nreverse_proxy')[0] as string
      expect(header).toBe('header Access-Control-Allow-Origin "*"')
      const fixed = { site: `${header}\n${down}` }
      expect(findings(fixed).filter((x) => x.severity === 'error')).toEqual([])
      expect(await observe(fixed, '', reqs)).toEqual([null, null, null, null])
      // The other cure: handle_errors adds ACAO to Caddy's own errors; lint then has nothing to say.
      const withErrors = {
        site: `${slots.site}\nhandle_errors {\n    header Access-Control-Allow-Origin "*"\n}`,
      }
      expect(findings(withErrors).map((x) => x.code)).not.toContain(f.code)
      expect(await observe(withErrors, '', reqs)).toEqual([null, null, null, null])
    },
  )

  it(
    'a preflight handle whose respond has no CORS headers: PreflightMissingAllowOriginHeader',
    T,
    async () => {
      const app = 'handle {\n    header Access-Control-Allow-Origin "*"\n    import lab_app\n}'
      const slots = { site: `@preflight method OPTIONS\nhandle @preflight {\n    respond 204\n}\n${app}` }
      const f = finding(slots, 'caddy-preflight-without-acao')
      expect([f.when, f.corsError]).toEqual(['preflight', 'PreflightMissingAllowOriginHeader'])
      expect(
        await observe(slots, '', [
          ['/api/items', 'simple'],
          ['/api/items', 'preflight'],
        ]),
      ).toEqual([null, f.corsError])
      const fixed = { site: `@preflight method OPTIONS\nhandle @preflight {\n${f.fix.snippet}\n}\n${app}` }
      expect(findings(fixed).filter((x) => x.severity === 'error')).toEqual([])
      expect(await observe(fixed, '', [['/api/items', 'preflight']])).toEqual([null])
      // ACAO but no Allow-Methods: the PUT is refused by the preflight's answer.
      const partial = {
        site: `@preflight method OPTIONS\nhandle @preflight {\n    header Access-Control-Allow-Origin "*"\n    respond 204\n}\n${app}`,
      }
      const p = finding(partial, 'caddy-preflight-incomplete')
      expect([p.severity, p.when, p.corsError]).toEqual([
        'warning',
        'preflight',
        'MethodDisallowedByPreflightResponse',
      ])
      expect(await observe(partial, '', [['/api/items', 'preflight']])).toEqual([p.corsError])
    },
  )

  it('redir before the OPTIONS respond (redir runs first): PreflightDisallowedRedirect', T, async () => {
    const cors = [
      '@preflight method OPTIONS',
      'header Access-Control-Allow-Origin "*"',
      'header Access-Control-Allow-Methods "GET, PUT, POST, DELETE"',
      'header Access-Control-Allow-Headers "Content-Type"',
      'respond @preflight 204',
    ].join('\n')
    const slots = { site: `${cors}\n@legacy query v=1\nredir @legacy /api/items 308` }
    const f = finding(slots, 'caddy-redirect-catches-preflight')
    expect([f.when, f.corsError]).toEqual(['preflight', 'PreflightDisallowedRedirect'])
    const reqs: [string, Kind][] = [
      ['/api/old?v=1', 'simple'],
      ['/api/old?v=1', 'preflight'],
    ]
    expect(await observe(slots, '', reqs)).toEqual([null, f.corsError])
    const fixed = { site: `${cors}\n${f.fix.snippet}` }
    expect(findings(fixed).filter((x) => x.severity === 'error')).toEqual([])
    expect(await observe(fixed, '', reqs)).toEqual([null, null])
  })

  it('header after reverse_proxy inside route never runs: MissingAllowOriginHeader', T, async () => {
    const slots = { site: 'route {\n    import lab_app\n    header Access-Control-Allow-Origin "*"\n}' }
    const f = finding(slots, 'caddy-header-after-terminal-in-route')
    expect([f.when, f.corsError]).toEqual(['always', 'MissingAllowOriginHeader'])
    expect(await observe(slots, '', [['/api/items', 'simple']])).toEqual([f.corsError])
    const fixed = { site: `route {\n    ${f.fix.snippet}\n    import lab_app\n}` }
    expect(findings(fixed).filter((x) => x.severity === 'error')).toEqual([])
    expect(await observe(fixed, '', [['/api/items', 'simple']])).toEqual([null])
  })

  it(
    '* with credentials: WildcardOriginNotAllowed for credentialed requests only; several origins in one value',
    T,
    async () => {
      const slots = {
        site: 'header {\n    Access-Control-Allow-Origin "*"\n    Access-Control-Allow-Credentials true\n}',
      }
      const f = finding(slots, 'caddy-wildcard-with-credentials')
      expect([f.when, f.corsError]).toEqual(['credentials', 'WildcardOriginNotAllowed'])
      expect(
        await observe(slots, '', [
          ['/api/items', 'simple'],
          ['/api/items', 'credentials'],
        ]),
      ).toEqual([null, f.corsError])
      // The fix's allow-list names a placeholder origin (the config has none): the lab page's goes there.
      const fixed = { site: f.fix.snippet.replace('https://app.example', lab.pageOrigin) }
      expect(findings(fixed).filter((x) => x.severity === 'error')).toEqual([])
      const multi = { site: `header Access-Control-Allow-Origin "${lab.pageOrigin}, https://other.example"` }
      const m = finding(multi, 'caddy-multiple-origins')
      expect(m.corsError).toBe('MultipleAllowOriginValues')
      const [credOk, multiBad] = await Promise.all([
        observe(fixed, '', [['/api/items', 'credentials']]),
        observe(multi, '', [['/api/items', 'simple']]),
      ])
      expect(credOk).toEqual([null])
      expect(multiBad).toEqual([m.corsError])
      expect(await observe({ site: m.fix.snippet }, '', [['/api/items', 'simple']])).toEqual([null])
    },
  )

  it('correct configs: no error finding, and Chromium passes', T, async () => {
    const origin = lab.pageOrigin
    const configs: [string, Slots, string][] = [
      [
        'Option A: CORS only at Caddy, a plain app',
        {
          // Max-Age above Chromium's 2 h cap: an info finding, no browser error.
          site: `header {\n    Access-Control-Allow-Origin "${origin}"\n    Access-Control-Allow-Methods "GET, PUT"\n    Access-Control-Allow-Headers "Content-Type"\n    Access-Control-Max-Age 86400\n}`,
        },
        '',
      ],
      ['Option B: CORS only in the app', {}, EXPRESS_CORS],
      [
        'respond written before the header lines (Caddy runs header first)',
        {
          site: [
            '@preflight method OPTIONS',
            'respond @preflight 204',
            `header Access-Control-Allow-Origin "${origin}"`,
            'header Access-Control-Allow-Methods "GET, PUT"',
            'header Access-Control-Allow-Headers "Content-Type"',
          ].join('\n'),
        },
        '',
      ],
      [
        'both, the app copy removed with header_down',
        {
          site: `header Access-Control-Allow-Origin "${origin}"`,
          reverse_proxy: 'header_down -Access-Control-Allow-Origin',
        },
        EXPRESS_CORS,
      ],
      [
        'a full preflight answer (snippet with an allow-list matcher)',
        {
          top: [
            '(cors) {',
            '    @cors_preflight method OPTIONS',
            '    @cors header Origin {args.0}',
            '    handle @cors_preflight {',
            '        header Access-Control-Allow-Origin "{args.0}"',
            '        header Access-Control-Allow-Methods "GET, POST, PUT, PATCH, DELETE"',
            '        header Access-Control-Allow-Headers "Content-Type"',
            '        header Vary Origin',
            '        respond "" 204',
            '    }',
            '    header @cors Access-Control-Allow-Origin "{args.0}"',
            '    header @cors Vary Origin',
            '}',
          ].join('\n'),
          site: `import cors ${origin}`,
        },
        '',
      ],
    ]
    const a = findings(configs[0]?.[1] ?? {}).find((x) => x.code === 'caddy-max-age-above-cap')
    expect([a?.severity, a?.when, a?.corsError]).toEqual(['info', 'other', null])
    for (const [name, slots, appCors] of configs) {
      expect(
        findings(slots).filter((x) => x.severity === 'error'),
        name,
      ).toEqual([])
      expect(
        await observe(slots, appCors, [
          ['/api/items', 'simple'],
          ['/api/items', 'preflight'],
        ]),
        name,
      ).toEqual([null, null])
    }
  })
})

describe('the risks with no browser error, on the real Caddy: another origin reads the answer', () => {
  /** The fix assumes https; the lab serves http, so its scheme is the one swapped in to prove it. */
  const labScheme = (snippet: string): string =>
    snippet.replaceAll('https://', 'http://').replaceAll('https?://', 'http://')

  it(
    '{header.Origin} with credentials and no allow-list: the other origin reads it; the fix blocks it',
    T,
    async () => {
      const slots = {
        site: 'header {\n    Access-Control-Allow-Origin {header.Origin}\n    Access-Control-Allow-Credentials true\n    Vary Origin\n}',
      }
      const f = finding(slots, 'caddy-reflects-any-origin-with-credentials')
      expect([f.when, f.corsError]).toEqual(['other-origins', null])
      expect(await observe(slots, '', [['/api/items', 'credentials']], evil)).toEqual([null])
      const fixed = { site: f.fix.snippet.replace('https://app.example', lab.pageOrigin) }
      expect(findings(fixed).filter((x) => x.severity === 'error')).toEqual([])
      expect(
        await observe(
          fixed,
          '',
          // Two URLs: with one, Chromium revalidates its cached answer for the first page (Vary: Origin
          // differs), the 304 has no ACAO and the cached one stays: AllowOriginMismatch, blocked as well.
          [
            ['/api/items?who=page', 'credentials'],
            ['/api/items?who=evil', 'credentials'],
          ],
          [page, evil],
        ),
      ).toEqual([null, 'MissingAllowOriginHeader'])
    },
  )

  it(
    'an origin regex without ^ and a leading-* Origin matcher let a subdomain in; the fixes do not',
    T,
    async () => {
      const port = new URL(lab.pageOrigin).port
      const reflect = 'header @cors {\n    Access-Control-Allow-Origin {header.Origin}\n    Vary Origin\n}'
      const regex = { site: `@cors header_regexp Origin app\\.test:[0-9]+$\n${reflect}` }
      const wild = { site: `@cors header Origin *app.test:${port}\n${reflect}` }
      const r = finding(regex, 'caddy-loose-origin-regex')
      const w = finding(wild, 'caddy-loose-origin-wildcard')
      for (const f of [r, w]) expect([f.when, f.corsError]).toEqual(['other-origins', null])
      const both: [string, Kind][] = [
        ['/api/items?who=page', 'simple'],
        ['/api/items?who=evil', 'simple'],
      ]
      expect(await observe(regex, '', both, [page, evil])).toEqual([null, null])
      expect(await observe(wild, '', both, [page, evil])).toEqual([null, null])
      const fixedRegex = { site: `@cors ${labScheme(r.fix.snippet)}\n${reflect}` }
      const fixedWild = { site: `@cors ${labScheme(w.fix.snippet)}\n${reflect}` }
      for (const fixed of [fixedRegex, fixedWild]) {
        expect(findings(fixed).filter((x) => x.severity === 'error')).toEqual([])
        expect(await observe(fixed, '', both, [page, evil])).toEqual([null, 'MissingAllowOriginHeader'])
      }
    },
  )

  it(
    'origin-dependent ACAO without Vary: the cached answer for one origin fails the other (AllowOriginMismatch)',
    T,
    async () => {
      const cors = 'header Access-Control-Allow-Origin {header.Origin}\nheader Cache-Control "max-age=60"'
      const f = finding({ site: cors }, 'caddy-origin-dependent-without-vary')
      expect([f.when, f.corsError]).toEqual(['other-origins', 'AllowOriginMismatch'])
      const twice: [string, Kind][] = [
        ['/api/items?vary=0', 'simple'],
        ['/api/items?vary=0', 'simple'],
      ]
      expect(await observe({ site: cors }, '', twice, [page, evil])).toEqual([null, f.corsError])
      const fixed = { site: `${cors}\n${f.fix.snippet}` }
      expect(findings(fixed).map((x) => x.code)).not.toContain(f.code)
      expect(
        await observe(
          fixed,
          '',
          [
            ['/api/items?vary=1', 'simple'],
            ['/api/items?vary=1', 'simple'],
          ],
          [page, evil],
        ),
      ).toEqual([null, null])
    },
  )
})
