/**
 * Records what each lab stack really sends, with curl, into test/core/fixtures/stacks/<scenario>.json: the
 * fixtures attribution is unit-tested on. Run it again after changing a stack or upgrading a server:
 *   npx tsx test/lab/stacks/record.ts [scenario-id…]
 * The Exchange holds what the browser would have seen: the preflight when one is needed, and the actual
 * response only when the preflight let it through (Chromium never sends it otherwise).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Exchange, ResponseSide } from '../../../src/core/exchange.ts'
import { type HeaderLine, parseHeadersText } from '../../../src/core/headers.ts'
import { STACK_SCENARIOS, type StackFetch, type StackScenario, specFor } from './scenarios.ts'
import { startStack } from './stack.ts'

export const FIXTURE_DIR = resolve(import.meta.dirname, '../../core/fixtures/stacks')
/** The page origin the fixtures were recorded for. */
export const RECORDED_PAGE = 'http://app.test:5173'
const API = 'http://api.test:8080'

export interface StackFixture {
  readonly scenario: string
  readonly proxy: string | null
  readonly app: string
  /** Server versions the recording was made with. */
  readonly versions: string
  readonly expectCorsError: string
  readonly exchange: Exchange
}

const SAFE_HEADERS = new Set(['accept', 'accept-language', 'content-language'])
const SAFE_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']

/** Whether the browser sends a preflight first (Fetch: a non-safelisted method or header). */
export function needsPreflight(f: StackFetch): boolean {
  if (!['GET', 'HEAD', 'POST'].includes(f.method)) return true
  return Object.entries(f.headers ?? {}).some(([name, value]) => {
    const n = name.toLowerCase()
    if (n === 'content-type') return !SAFE_TYPES.includes(value.split(';')[0]?.trim().toLowerCase() ?? '')
    return !SAFE_HEADERS.has(n)
  })
}

function curl(args: readonly string[]): ResponseSide {
  const out = execFileSync('curl', ['-s', '-i', '--max-time', '10', ...args], { encoding: 'utf8' })
  const cut = out.indexOf('\r\n\r\n')
  const head = cut < 0 ? out : out.slice(0, cut)
  const body = cut < 0 ? '' : out.slice(cut + 4)
  const { statusLine, headers } = parseHeadersText(head)
  const status = Number(/^\S+\s+(\d{3})/.exec(statusLine)?.[1] ?? 0)
  return { status, headers, ...(body ? { bodySnippet: body.slice(0, 200) } : {}) }
}

const ok = (r: ResponseSide): boolean => r.status >= 200 && r.status < 300

async function record(s: StackScenario): Promise<StackFixture> {
  const stack = await startStack(specFor(s, RECORDED_PAGE))
  try {
    const url = stack.origin + s.fetch.path
    const apiUrl = API + s.fetch.path
    const reqHeaders: HeaderLine[] = [
      { name: 'Origin', value: RECORDED_PAGE },
      ...Object.entries(s.fetch.headers ?? {}).map(([name, value]) => ({ name, value })),
    ]
    let preflight: Exchange['preflight']
    let allowed = true
    if (needsPreflight(s.fetch)) {
      const unsafe = Object.keys(s.fetch.headers ?? {})
        .map((h) => h.toLowerCase())
        .filter((h) =>
          needsPreflight({ path: '', method: 'GET', headers: { [h]: s.fetch.headers?.[h] ?? '' } }),
        )
        .sort()
      const pfHeaders: HeaderLine[] = [
        { name: 'Origin', value: RECORDED_PAGE },
        { name: 'Access-Control-Request-Method', value: s.fetch.method },
        ...(unsafe.length ? [{ name: 'Access-Control-Request-Headers', value: unsafe.join(',') }] : []),
      ]
      const response = curl([
        '-X',
        'OPTIONS',
        ...pfHeaders.flatMap((h) => ['-H', `${h.name}: ${h.value}`]),
        url,
      ])
      preflight = { request: { method: 'OPTIONS', url: apiUrl, headers: pfHeaders }, response }
      allowed =
        ok(response) && !s.expectCorsError.startsWith('Preflight') && !/Disallowed/.test(s.expectCorsError)
    }
    const response = allowed
      ? curl([
          '-X',
          s.fetch.method,
          ...reqHeaders.flatMap((h) => ['-H', `${h.name}: ${h.value}`]),
          ...(s.fetch.body ? ['--data-raw', s.fetch.body] : []),
          url,
        ])
      : undefined
    const versions = execFileSync(
      'sh',
      [
        '-c',
        `/usr/sbin/nginx -v 2>&1; /usr/sbin/apache2 -v | head -1; /usr/bin/caddy version; /usr/sbin/varnishd -V 2>&1 | head -1; /usr/sbin/haproxy -v | head -1; /usr/bin/python3 -c "import importlib.metadata as m;print(*[p+' '+m.version(p) for p in ['fastapi','starlette','uvicorn','Flask','Flask-Cors','Django','django-cors-headers']], sep='; ')"; node -p "'express '+require('express/package.json').version+'; cors '+require('cors/package.json').version+'; fastify '+require('fastify/package.json').version+'; @fastify/cors '+require('@fastify/cors/package.json').version+'; hono '+JSON.parse(require('fs').readFileSync('node_modules/hono/package.json')).version+'; koa '+require('koa/package.json').version+'; @koa/cors '+require('@koa/cors/package.json').version+'; @hono/node-server '+JSON.parse(require('fs').readFileSync('node_modules/@hono/node-server/package.json')).version"; dpkg-query -W -f='\${Package} \${Version}\\n' golang-go golang-github-rs-cors-dev ruby-railties ruby-rack-cors puma 2>/dev/null`,
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .join('; ')
    return {
      scenario: s.id,
      proxy: s.proxy,
      app: s.app,
      versions,
      expectCorsError: s.expectCorsError,
      exchange: {
        initiator: RECORDED_PAGE,
        request: { method: s.fetch.method, url: apiUrl, headers: response ? reqHeaders : [] },
        ...(preflight ? { preflight } : {}),
        ...(response ? { response } : {}),
        outcome: { kind: 'unknown' },
      },
    }
  } finally {
    await stack.stop()
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const only = process.argv.slice(2)
  mkdirSync(FIXTURE_DIR, { recursive: true })
  for (const s of STACK_SCENARIOS) {
    if (only.length && !only.includes(s.id)) continue
    const fixture = await record(s)
    writeFileSync(join(FIXTURE_DIR, `${s.id}.json`), `${JSON.stringify(fixture, null, 2)}\n`)
    console.log(`recorded ${s.id}`)
  }
}
