/**
 * lint's Apache predictions checked on the real server: each config runs in the lab's Apache httpd (Debian
 * apache2) in front of the lab's Express app (with and without cors()), lint reads the very httpd.conf
 * that ran (so httpd accepted what lint parsed), Chromium fetches under the finding's `when`, and the
 * CorsError CDP reports must be the finding's; then the config with the finding's fix applied must pass.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LintFinding, lint } from '../../src/core/lint/index.ts'
import { oracleFor } from '../harness/cdp.ts'
import { BASE_FLAGS, findChromium } from '../harness/chromium.ts'
import { type Lab, startLab } from '../lab/server.ts'
import { freePort, type RunningStack, startStack } from '../lab/stacks/stack.ts'

let lab: Lab
let browser: Browser
beforeAll(async () => {
  lab = await startLab({ scenarios: [] })
  const executablePath = findChromium()
  if (!executablePath) throw new Error('No Chromium: run `npm run setup`.')
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [...BASE_FLAGS, `--host-resolver-rules=${lab.hostResolverRules}`],
  })
})
afterAll(async () => {
  await browser?.close().catch(() => {})
  await lab?.close()
})

const EXPRESS_CORS = 'app.use(cors())'

interface Config {
  /** The template's server-config slot and the slot inside <Location "/api/"> (before its ProxyPass). */
  readonly server?: string
  readonly location?: string
  readonly appCors?: string
}

/** A request the page makes: GET by default; `put` is preflighted (PUT + Content-Type: application/json). */
interface Ask {
  readonly path: string
  readonly put?: boolean
  readonly credentials?: boolean
  /** The page's host (a name the lab maps to loopback), served by httpd itself (its 404 page): another origin. */
  readonly from?: string
}

interface Run {
  readonly findings: LintFinding[]
  /** The CorsError Chromium reported for each request (null: not refused by CORS). */
  readonly errors: (string | null)[]
  /** The Access-Control-Allow-Origin each request's response carried (as CDP saw it), for the page's reads. */
  readonly acao: (string | null)[]
  readonly port: number
}

async function fetchFrom(page: Page, stack: RunningStack, ask: Ask): Promise<[string | null, string | null]> {
  const url = `http://api.test:${stack.port}${ask.path}`
  const init = {
    ...(ask.put ? { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' } : {}),
    ...(ask.credentials ? { credentials: 'include' } : {}),
  }
  const seen = await oracleFor(page, () =>
    page.evaluate(
      `fetch(${JSON.stringify(url)}, ${JSON.stringify(init)}).then((r) => r.status, () => 'failed')`,
    ),
  )
  const mine = seen.filter((o) => o.url.startsWith(url))
  if (mine.length === 0) throw new Error('CDP saw no request to the stack')
  const refused = mine.find((o) => o.oracle.corsError !== null)
  const last = mine[mine.length - 1]
  const acao = last?.exchange.response?.headers.find(
    (h) => h.name.toLowerCase() === 'access-control-allow-origin',
  )
  return [refused?.oracle.corsError ?? null, acao?.value ?? null]
}

/** Starts the config in Apache, lints the httpd.conf that runs, and fetches each `ask` from the lab's page. */
async function run(config: Config, asks: readonly Ask[]): Promise<Run> {
  const stack = await startStack({
    proxy: 'apache',
    app: 'express',
    proxySlots: { server: config.server ?? '', location: config.location ?? '' },
    appSlots: { app_cors: config.appCors ?? '' },
  })
  const context = await browser.newContext()
  try {
    const text = stack.files.apache as string
    const findings = lint([{ file: 'httpd.conf', text }]).findings
    const page = await context.newPage()
    let at = ''
    const errors: (string | null)[] = []
    const acao: (string | null)[] = []
    for (const ask of asks) {
      const origin = ask.from ? `http://${ask.from}:${stack.port}` : lab.pageOrigin
      if (origin !== at) await page.goto(`${origin}/`)
      at = origin
      const [e, a] = await fetchFrom(page, stack, ask)
      errors.push(e)
      acao.push(a)
    }
    return { findings, errors, acao, port: stack.port }
  } finally {
    await context.close().catch(() => {})
    await stack.stop()
  }
}

function only(r: Run, code: string): LintFinding {
  const f = r.findings.find((x) => x.code === code)
  if (!f) throw new Error(`no ${code} in ${JSON.stringify(r.findings.map((x) => x.code))}`)
  return f
}
const errorCodes = (r: Run): string[] => r.findings.filter((f) => f.severity === 'error').map((f) => f.code)
/** The fix's placeholder origin, filled with the page's (what the user does with their own origin). */
const filled = (snippet: string): string =>
  snippet.replaceAll('https://app\\.example', lab.pageOrigin.replaceAll('.', '\\.'))

describe('lint findings proven in Chromium on the real Apache httpd', () => {
  it('Header always set ACAO in front of an app that sends CORS: MultipleAllowOriginValues ("*, *"), cured by Header unset', {
    timeout: 120_000,
  }, async () => {
    const location = 'Header always set Access-Control-Allow-Origin "*"'
    const withApp = await run({ location, appCors: EXPRESS_CORS }, [{ path: '/api/items' }])
    const f = only(withApp, 'apache-acao-in-front-of-upstream')
    expect(f.when).toBe('upstream-sends-cors')
    expect(withApp.errors).toEqual([f.corsError])
    // The `when` does not hold: a plain app, nothing fails.
    expect((await run({ location }, [{ path: '/api/items' }])).errors).toEqual([null])
    const fixed = await run({ location: f.fix.snippet, appCors: EXPRESS_CORS }, [{ path: '/api/items' }])
    expect(fixed.errors).toEqual([null])
    expect(errorCodes(fixed)).toEqual([])
    expect(fixed.findings.map((x) => x.code)).not.toContain('apache-acao-in-front-of-upstream')
  })

  it("Header append ACAO adds to the app's value: MultipleAllowOriginValues", {
    timeout: 60_000,
  }, async () => {
    const location = `Header append Access-Control-Allow-Origin "${lab.pageOrigin}"`
    const r = await run({ location, appCors: EXPRESS_CORS }, [{ path: '/api/items' }])
    const f = only(r, 'apache-acao-in-front-of-upstream')
    expect(r.errors).toEqual([f.corsError])
    expect(
      (await run({ location: f.fix.snippet, appCors: EXPRESS_CORS }, [{ path: '/api/items' }])).errors,
    ).toEqual([null])
  })

  it("Header set without always: kept on the app's own 500 and 404, missing on httpd's 403 and on its 503 when the app is down", {
    timeout: 120_000,
  }, async () => {
    // Apache differs from nginx here: an error the app sends through ProxyPass is not httpd's, it keeps the line.
    const server = [
      '<Location "/api/forbidden">',
      '    Require all denied',
      '</Location>',
      '<Location "/down/">',
      '    Header set Access-Control-Allow-Origin "*"',
      // A port nothing listens on: the app is down, httpd answers 503 itself.
      `    ProxyPass "http://127.0.0.1:${await freePort()}/"`,
      '</Location>',
    ].join('\n')
    const location = 'Header set Access-Control-Allow-Origin "*"'
    const asks = ['/api/items', '/api/boom', '/api/nothing-here', '/api/forbidden', '/down/x'].map(
      (path) => ({ path }),
    )
    const r = await run({ server, location }, asks)
    const found = r.findings.filter((x) => x.code === 'apache-cors-without-always')
    expect(found).toHaveLength(2)
    const f = found[0] as LintFinding
    expect(f.when).toBe('error-responses')
    expect(r.errors).toEqual([null, null, null, f.corsError, f.corsError])
    // Both lines get the same cure (the unset keeps an app with CORS from doubling the value).
    expect(found[1]?.fix.snippet).toBe(f.fix.snippet)
    const fixed = await run(
      { server: server.replace(location, f.fix.snippet), location: f.fix.snippet, appCors: EXPRESS_CORS },
      asks,
    )
    expect(fixed.errors).toEqual([null, null, null, null, null])
    expect(errorCodes(fixed)).toEqual([])
  })

  it('two Header add lines: MultipleAllowOriginValues on every response, cured by the allow-list', {
    timeout: 60_000,
  }, async () => {
    const location = `Header always add Access-Control-Allow-Origin "${lab.pageOrigin}"\nHeader always add Access-Control-Allow-Origin "https://other.example"`
    const r = await run({ location }, [{ path: '/api/items' }, { path: '/api/nothing-here' }])
    const f = only(r, 'apache-multiple-origins')
    expect(f.when).toBe('always')
    expect(r.errors).toEqual([f.corsError, f.corsError])
    const fixed = await run({ location: f.fix.snippet }, [{ path: '/api/items' }])
    expect(fixed.errors).toEqual([null])
    expect(fixed.findings).toEqual([])
  })

  it('* with credentials: WildcardOriginNotAllowed for credentialed requests only', {
    timeout: 60_000,
  }, async () => {
    const location =
      'Header always set Access-Control-Allow-Origin "*"\nHeader always set Access-Control-Allow-Credentials "true"'
    const r = await run({ location }, [{ path: '/api/items' }, { path: '/api/items', credentials: true }])
    const f = only(r, 'apache-wildcard-with-credentials')
    expect(f.when).toBe('credentials')
    expect(r.errors).toEqual([null, f.corsError])
    const fixed = await run({ location: filled(f.fix.snippet) }, [{ path: '/api/items', credentials: true }])
    expect(fixed.errors).toEqual([null])
    expect(errorCodes(fixed)).toEqual([])
  })

  it('SetEnvIf Origin "(.*)" reflected with credentials: any site reads it (no error), the allow-list refuses it', {
    timeout: 60_000,
  }, async () => {
    const server = 'SetEnvIf Origin "(.*)" CORS_O=$1'
    const location =
      'Header always set Access-Control-Allow-Origin "%{CORS_O}e"\nHeader always set Access-Control-Allow-Credentials "true"\nHeader always merge Vary "Origin"'
    const r = await run({ server, location }, [{ path: '/api/items', credentials: true }])
    const f = only(r, 'apache-reflects-any-origin-with-credentials')
    expect([f.when, f.corsError]).toEqual(['other-origins', null])
    // The lab's page is "another site" here: httpd hands it the user's credentialed answer.
    expect(r.errors).toEqual([null])
    expect(r.acao).toEqual([lab.pageOrigin])
    const fixed = await run({ location: f.fix.snippet }, [{ path: '/api/items', credentials: true }])
    expect(fixed.errors).toEqual(['MissingAllowOriginHeader'])
    expect(errorCodes(fixed)).toEqual([])
  })

  it('%{HTTP_ORIGIN}e in front of ProxyPass: httpd sends "(null)", InvalidAllowOriginValue', {
    timeout: 60_000,
  }, async () => {
    const location = 'Header always set Access-Control-Allow-Origin "%{HTTP_ORIGIN}e"'
    const r = await run({ location }, [{ path: '/api/items' }])
    const f = only(r, 'apache-origin-variable-never-set')
    expect(f.when).toBe('always')
    expect(r.acao).toEqual(['(null)'])
    expect(r.errors).toEqual([f.corsError])
    const fixed = await run({ location: filled(f.fix.snippet) }, [{ path: '/api/items' }])
    expect(fixed.errors).toEqual([null])
    expect(errorCodes(fixed)).toEqual([])
  })

  it('an unanchored SetEnvIf Origin regex lets http://app.test.evil.app.test in; anchored, it does not', {
    timeout: 60_000,
  }, async () => {
    // Meant for http://app.test; the attacker's page is on a name that starts with it.
    const server = 'SetEnvIf Origin "^http://app\\.test" CORS_OK'
    const location =
      'Header always set Access-Control-Allow-Origin "expr=%{req:Origin}" env=CORS_OK\nHeader always merge Vary "Origin"'
    const evil = { path: '/api/items', from: 'app.test.evil.app.test' }
    const r = await run({ server, location }, [evil])
    const f = only(r, 'apache-loose-origin-regex')
    expect([f.when, f.corsError]).toEqual(['other-origins', null])
    expect(r.errors).toEqual([null])
    expect(r.acao).toEqual([`http://${evil.from}:${r.port}`])
    const fixed = await run({ server: `SetEnvIf Origin ${f.fix.snippet} CORS_OK`, location }, [evil])
    expect(fixed.errors).toEqual(['MissingAllowOriginHeader'])
    expect(fixed.findings.map((x) => x.code)).toEqual(['apache-acao-in-front-of-upstream'])
  })

  it('an origin-dependent ACAO without Vary: a cached answer for one origin fails another (AllowOriginMismatch)', {
    timeout: 60_000,
  }, async () => {
    // Two origins of one site share Chromium's HTTP cache (it is keyed by the top-level site).
    const server =
      'SetEnvIf Origin "^http://[a-z.]+\\.app\\.test:[0-9]+$" CORS_O=$0\nSetEnvIf Origin "^http://app\\.test:[0-9]+$" CORS_O=$0'
    const location =
      'Header always set Access-Control-Allow-Origin "%{CORS_O}e" env=CORS_O\nHeader always set Cache-Control "max-age=600"'
    const asks = [{ path: '/api/items' }, { path: '/api/items', from: 'other.app.test' }]
    const r = await run({ server, location }, asks)
    const f = only(r, 'apache-origin-dependent-without-vary')
    expect(f.when).toBe('other-origins')
    expect(r.errors).toEqual([null, f.corsError])
    const fixed = await run({ server, location: `${location}\n${f.fix.snippet}` }, asks)
    expect(fixed.errors).toEqual([null, null])
    expect(fixed.findings.map((x) => x.code)).toEqual(['apache-acao-in-front-of-upstream'])
  })

  it('RewriteRule [R=204] answering OPTIONS with onsuccess CORS lines: PreflightMissingAllowOriginHeader', {
    timeout: 60_000,
  }, async () => {
    const server = 'RewriteEngine On\nRewriteCond %{REQUEST_METHOD} OPTIONS\nRewriteRule ^ - [R=204,L]'
    const location = [
      'Header set Access-Control-Allow-Origin "*"',
      'Header set Access-Control-Allow-Methods "GET, PUT"',
      'Header set Access-Control-Allow-Headers "Content-Type"',
    ].join('\n')
    const r = await run({ server, location }, [{ path: '/api/items', put: true }])
    const f = only(r, 'apache-rewrite-preflight-without-acao')
    expect(f.when).toBe('preflight')
    expect(r.errors).toEqual([f.corsError])
    const fixed = await run({ server, location: f.fix.snippet }, [{ path: '/api/items', put: true }])
    expect(fixed.errors).toEqual([null])
    expect(errorCodes(fixed)).toEqual([])
  })

  it('RewriteRule [R=204] answering OPTIONS without Allow-Methods: MethodDisallowedByPreflightResponse', {
    timeout: 60_000,
  }, async () => {
    const server = 'RewriteEngine On\nRewriteCond %{REQUEST_METHOD} OPTIONS\nRewriteRule ^ - [R=204,L]'
    const location = 'Header always set Access-Control-Allow-Origin "*"'
    const r = await run({ server, location }, [{ path: '/api/items' }, { path: '/api/items', put: true }])
    const f = only(r, 'apache-rewrite-preflight-incomplete')
    expect(f.when).toBe('preflight')
    expect(r.errors).toEqual([null, f.corsError])
    const fixed = await run({ server, location: f.fix.snippet }, [{ path: '/api/items', put: true }])
    expect(fixed.errors).toEqual([null])
  })

  it('a RewriteRule [R=301] before any OPTIONS answer: PreflightDisallowedRedirect, cured by answering OPTIONS first', {
    timeout: 60_000,
  }, async () => {
    const rule = 'RewriteEngine On\nRewriteRule ^/api/old$ /api/items [R=301,L]'
    const cors = 'Header always set Access-Control-Allow-Origin "*"'
    const r = await run({ server: `${cors}\n${rule}` }, [{ path: '/api/old', put: true }])
    const f = only(r, 'apache-redirect-catches-preflight')
    expect(f.when).toBe('preflight')
    expect(r.errors).toEqual([f.corsError])
    const fixed = await run({ server: `${cors}\n${f.fix.snippet}\n${rule}` }, [
      { path: '/api/old', put: true },
    ])
    expect(fixed.errors).toEqual([null])
    expect(errorCodes(fixed)).toEqual([])
  })

  it("Header set ACAC without always: InvalidAllowCredentials on httpd's 403 for credentialed requests", {
    timeout: 60_000,
  }, async () => {
    const server = '<Location "/api/forbidden">\n    Require all denied\n</Location>'
    const location = `Header always set Access-Control-Allow-Origin "${lab.pageOrigin}"\nHeader set Access-Control-Allow-Credentials "true"`
    const asks = [
      { path: '/api/items', credentials: true },
      { path: '/api/forbidden', credentials: true },
    ]
    const r = await run({ server, location }, asks)
    const f = only(r, 'apache-cors-without-always')
    expect([f.when, f.corsError]).toEqual(['credentials', 'InvalidAllowCredentials'])
    expect(r.errors).toEqual([null, f.corsError])
    const fixed = await run(
      {
        server,
        location: location.replace('Header set Access-Control-Allow-Credentials "true"', f.fix.snippet),
      },
      asks,
    )
    expect(fixed.errors).toEqual([null, null])
  })

  it('a public .htaccess pattern (front controller, CORS without always) served from a <Directory>: MissingAllowOriginHeader on the 404', {
    timeout: 60_000,
  }, async () => {
    const docroot = mkdtempSync(join(tmpdir(), 'cors-lens-htdocs-'))
    try {
      mkdirSync(join(docroot, 'assets'))
      writeFileSync(join(docroot, 'assets', 'data.json'), '{}')
      const htaccess = readFileSync(
        join(import.meta.dirname, '../core/lint/fixtures/apache/front-controller.htaccess'),
        'utf8',
      )
      const f = lint([{ file: join(docroot, '.htaccess'), text: htaccess }]).findings.find(
        (x) => x.code === 'apache-cors-without-always',
      )
      expect([f?.server, f?.when, f?.corsError]).toEqual([
        'apache',
        'error-responses',
        'MissingAllowOriginHeader',
      ])
      const server = `DocumentRoot "${docroot}"\n<Directory "${docroot}">\n    AllowOverride All\n    Require all granted\n</Directory>`
      const asks = [{ path: '/assets/data.json' }, { path: '/assets/missing.json' }, { path: '/anything' }]
      writeFileSync(join(docroot, '.htaccess'), htaccess)
      const r = await run({ server }, asks)
      expect(r.errors).toEqual([null, f?.corsError, f?.corsError])
      writeFileSync(
        join(docroot, '.htaccess'),
        htaccess.replace('Header set Access-Control-Allow-Origin "*"', f?.fix.snippet ?? ''),
      )
      expect((await run({ server }, asks)).errors).toEqual([null, null, null])
    } finally {
      rmSync(docroot, { recursive: true, force: true })
    }
  })

  it('correct configs: no error finding, and Chromium passes (app with and without CORS)', {
    timeout: 120_000,
  }, async () => {
    const optionA =
      'Header unset Access-Control-Allow-Origin\nHeader always set Access-Control-Allow-Origin "*"'
    for (const appCors of ['', EXPRESS_CORS]) {
      const r = await run({ location: optionA, appCors }, [{ path: '/api/items' }, { path: '/api/boom' }])
      expect([errorCodes(r), r.errors]).toEqual([[], [null, null]])
    }
    // CORS only in the app (the article's Option B): httpd passes the app's headers through.
    const b = await run({ appCors: EXPRESS_CORS }, [
      { path: '/api/items' },
      { path: '/api/items', put: true },
    ])
    expect([b.findings, b.errors]).toEqual([[], [null, null]])
    // An allow-list with credentials, Vary, and a full preflight answer made by httpd.
    const allow = [
      'RewriteEngine On',
      'RewriteCond %{REQUEST_METHOD} =OPTIONS',
      'RewriteRule ^ - [R=204,L]',
      `SetEnvIf Origin "^(${lab.pageOrigin.replaceAll('.', '\\.')}|https://app\\.example)$" CORS_O=$1`,
    ].join('\n')
    const headers = [
      'Header unset Access-Control-Allow-Origin',
      'Header unset Access-Control-Allow-Credentials',
      'Header always set Access-Control-Allow-Origin "%{CORS_O}e" env=CORS_O',
      'Header always set Access-Control-Allow-Credentials "true" env=CORS_O',
      'Header always set Access-Control-Allow-Methods "GET, PUT"',
      'Header always set Access-Control-Allow-Headers "Content-Type"',
      'Header always merge Vary "Origin"',
    ].join('\n')
    const c = await run({ server: allow, location: headers }, [
      { path: '/api/items', credentials: true },
      { path: '/api/items', put: true, credentials: true },
      { path: '/api/boom', credentials: true },
    ])
    expect([c.findings, c.errors]).toEqual([[], [null, null, null]])
  })
})
