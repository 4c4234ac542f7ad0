/**
 * lint's predictions checked on the real server: a config that triggers a rule runs in the lab's nginx in
 * front of the lab's Express app, Chromium fetches it under the finding's `when`, the CorsError CDP reports
 * must be the finding's; then the config with the finding's fix applied must pass.
 */
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lint } from '../../src/core/lint/index.ts'
import { oracleFor } from '../harness/cdp.ts'
import { BASE_FLAGS, findChromium } from '../harness/chromium.ts'
import { type Lab, startLab } from '../lab/server.ts'
import { startStack } from '../lab/stacks/stack.ts'

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

/** The CorsError Chromium reports for GET path on nginx (location slot) in front of Express. */
async function observe(location: string, appCors: string, path: string, server = ''): Promise<string | null> {
  const stack = await startStack({
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location, server },
    appSlots: { app_cors: appCors },
  })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(`${lab.pageOrigin}/`)
    const url = `http://api.test:${stack.port}${path}`
    const seen = await oracleFor(page, () =>
      page.evaluate(`fetch(${JSON.stringify(url)}).then((r) => r.status, () => 'failed')`),
    )
    const mine = seen.find((o) => o.url.startsWith(url))
    if (!mine) throw new Error('CDP saw no request to the stack')
    return mine.oracle.corsError
  } finally {
    await context.close().catch(() => {})
    await stack.stop()
  }
}

const full = (location: string): string =>
  `events {}\nhttp {\n server {\n  listen 127.0.0.1:1;\n  location /api/ {\n${location}\n   proxy_pass http://127.0.0.1:2;\n  }\n }\n}\n`

describe('lint findings proven in Chromium on the real nginx', () => {
  it('ACAO in front of an app that sends CORS: MultipleAllowOriginValues, cured by proxy_hide_header', {
    timeout: 120_000,
  }, async () => {
    const location = 'add_header Access-Control-Allow-Origin * always;'
    const f = lint([{ file: 'nginx.conf', text: full(location) }]).findings.find(
      (x) => x.code === 'nginx-acao-in-front-of-upstream',
    )
    expect(f?.when).toBe('upstream-sends-cors')
    expect(await observe(location, EXPRESS_CORS, '/api/items')).toBe(f?.corsError)
    // An app without CORS: the finding's `when` does not hold, nothing fails.
    expect(await observe(location, '', '/api/items')).toBe(null)
    expect(await observe(`${f?.fix.snippet}\n${location}`, EXPRESS_CORS, '/api/items')).toBe(null)
  })
  it('add_header without always: MissingAllowOriginHeader on a 500 and a 404, cured by always', {
    timeout: 120_000,
  }, async () => {
    const location = `add_header Access-Control-Allow-Origin "*";`
    const f = lint([{ file: 'nginx.conf', text: full(location) }]).findings.find(
      (x) => x.code === 'nginx-cors-without-always',
    )
    expect(f?.when).toBe('error-responses')
    expect(await observe(location, '', '/api/items')).toBe(null)
    expect(await observe(location, '', '/api/boom')).toBe(f?.corsError)
    expect(await observe(location, '', '/api/nothing-here')).toBe(f?.corsError)
    expect(await observe(f?.fix.snippet ?? '', '', '/api/boom')).toBe(null)
  })
  it('an inner add_header drops the server-level ACAO: MissingAllowOriginHeader always, cured by the fix', {
    timeout: 120_000,
  }, async () => {
    const server = 'add_header Access-Control-Allow-Origin "*" always;'
    const location = 'add_header X-Frame-Options DENY always;'
    const text = `events {}\nhttp {\n server {\n  listen 127.0.0.1:1;\n  ${server}\n  location /api/ {\n   ${location}\n   proxy_pass http://127.0.0.1:2;\n  }\n }\n}\n`
    const f = lint([{ file: 'nginx.conf', text }]).findings.find(
      (x) => x.code === 'nginx-inner-add-header-drops-cors',
    )
    expect(f?.when).toBe('always')
    expect(await observe(location, '', '/api/items', server)).toBe(f?.corsError)
    expect(await observe(f?.fix.snippet ?? '', '', '/api/items', server)).toBe(null)
  })
})
