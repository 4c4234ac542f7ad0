/**
 * lint's nginx parser and header model against the real nginx, on the configs the e2e tests run
 * (fixtures/nginx-cases.ts, rendered in the lab's nginx template): `nginx -t` accepts each exactly when
 * lint parses it, both refuse the same broken ones, and for a request to a location the add_header lines
 * nginx sends (measured with fetch, no browser) are the ones lint computes for that location and status.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type NginxContext, nginxContexts, sentOn } from '../../../src/core/lint/nginx-model.ts'
import { parseNginx } from '../../../src/core/lint/nginx-parse.ts'
import { fillTemplate, startStack } from '../../lab/stacks/stack.ts'
import { caseSlots, NGINX_CASES, type NginxCase, type NginxCaseName } from './fixtures/nginx-cases.ts'

const NGINX = '/usr/sbin/nginx'
const PAGE = 'http://app.test:8080'
const TEMPLATE = readFileSync(resolve(import.meta.dirname, '../../lab/stacks/templates/nginx.conf'), 'utf8')
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-lint-server-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The nginx.conf the lab would run for these slots (ports that nginx -t never binds). */
function render(c: NginxCase): string {
  const { proxy } = caseSlots(c, PAGE)
  return fillTemplate(TEMPLATE, { ...proxy, prefix: dir, port: '1', app_port: '2', location_path: '/api/' })
}

/** nginx -t's verdict: null when it accepts the file, else its error line. */
function nginxVerdict(text: string): string | null {
  const f = join(dir, 'nginx.conf')
  writeFileSync(f, text)
  try {
    execFileSync(NGINX, ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', f], { stdio: 'pipe' })
    return null
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e).trim()
  }
}
function lintVerdict(text: string): string | null {
  try {
    parseNginx({ file: join(dir, 'nginx.conf'), text }, () => [])
    return null
  } catch (e) {
    return String(e instanceof Error ? e.message : e)
  }
}

describe('nginx -t accepts exactly what lint parses', () => {
  for (const name of Object.keys(NGINX_CASES) as NginxCaseName[])
    it(`case ${name}`, () => {
      const text = render(NGINX_CASES[name])
      expect([nginxVerdict(text), lintVerdict(text)]).toEqual([null, null])
    })

  /** Broken forms of the cases: each slot text is [name, slots]; nginx's error is matched by lint's. */
  const BROKEN: readonly [string, NginxCase, RegExp][] = [
    ['a missing }', { location: 'if ($request_method = OPTIONS) {\n return 204;' }, /unexpected/],
    ['a missing ;', { location: 'add_header Access-Control-Allow-Origin *\n' }, /number of arg/],
    ['an unterminated quote', { location: 'add_header Access-Control-Allow-Origin "*;' }, /unexpected/],
    [
      'add_header with one argument',
      { location: 'add_header Access-Control-Allow-Origin;' },
      /number of arg/,
    ],
    [
      'add_header with "allways"',
      { location: 'add_header Access-Control-Allow-Origin * allways;' },
      /parameter/,
    ],
    ['add_header with four arguments', { location: 'add_header A b always c;' }, /number of arg/],
    ['add_header in an if in server', { server: 'if ($http_origin) { add_header A b; }' }, /not allowed/],
    ['an if inside an if', { location: 'if ($a) { if ($b) { return 204; } }' }, /not allowed/],
    ['proxy_hide_header in an if', { location: 'if ($a) { proxy_hide_header A; }' }, /not allowed/],
    ['a map in a server', { server: 'map $http_origin $o { default ""; }' }, /not allowed/],
    ['a location in an if', { location: 'if ($a) { location /b/ { } }' }, /not allowed/],
    ['an if without a block', { location: 'if ($a);' }, /no opening/],
    ['add_header with a block', { location: 'add_header A b { }' }, /not terminated/],
    ['return with three arguments', { location: 'return 301 a b;' }, /number of arg/],
  ]
  for (const [what, c, error] of BROKEN)
    it(`both refuse ${what}`, () => {
      const text = render(c)
      const [n, l] = [nginxVerdict(text), lintVerdict(text)]
      expect(n, 'nginx -t accepted it').toMatch(error)
      expect(l, 'lint parsed it').toMatch(error)
      // The same line: nginx says "in FILE:LINE", lint "FILE:LINE:".
      expect(l?.match(/:(\d+):/)?.[1]).toBe(n?.match(/nginx\.conf:(\d+)/)?.[1])
    })

  it('an unknown directive: nginx refuses it, lint reads it (it does not know every module of every build)', () => {
    const text = render({ location: 'add_headr Access-Control-Allow-Origin *;' })
    expect(nginxVerdict(text)).toMatch(/unknown directive "add_headr"/)
    expect(lintVerdict(text)).toBe(null)
  })
})

/** The context a request lands in: the location, or its `if ($request_method = OPTIONS)` for OPTIONS. */
function contextFor(ctxs: readonly NginxContext[], location: string, method: string): NginxContext {
  const loc = ctxs.find((c) => c.kind === 'location' && c.at?.args[0] === location)
  if (!loc) throw new Error(`no location ${location}`)
  const ifOptions = ctxs.find(
    (c) => c.kind === 'if' && c.parent === loc && c.conditions.at(-1)?.includes('OPTIONS'),
  )
  return method === 'OPTIONS' && ifOptions ? ifOptions : loc
}

/** A computed value as nginx would send it for this Origin ($http_origin only; other variables: null). */
function valueFor(v: string, origin: string): string | null {
  const filled = v.replaceAll('$http_origin', origin)
  return filled.includes('$') ? null : filled
}

describe('add_header lines nginx sends = the ones lint computes', () => {
  const requests: readonly [string, string, string][] = [
    ['GET', '/api/items', '/api/'],
    ['GET', '/api/nothing', '/api/'],
    ['GET', '/api/boom', '/api/'],
    ['OPTIONS', '/api/items', '/api/'],
  ]
  const cases: readonly NginxCaseName[] = [
    'preflightWithoutAcao',
    'preflightWithoutMethods',
    'redirectCatchesPreflight',
    'twoOriginLines',
    'credentialsWithoutAlways',
    'hiddenAndReaddedWithoutAlways',
    'optionAMap',
  ]
  for (const name of cases)
    it(name, { timeout: 30_000 }, async () => {
      const c: NginxCase = NGINX_CASES[name]
      const slots = caseSlots(c, PAGE)
      const stack = await startStack({
        proxy: 'nginx',
        app: 'express',
        proxySlots: slots.proxy,
        appSlots: slots.app,
      })
      try {
        const conf = stack.files.nginx ?? ''
        const ctxs = nginxContexts(parseNginx({ file: 'nginx.conf', text: conf }, () => []))
        const names = new Set(ctxs.flatMap((x) => x.own.map((h) => h.name.toLowerCase())))
        const all = [
          ...requests,
          ...(c.server?.includes('/old/') ? [['OPTIONS', '/old/x', '/old/'] as const] : []),
        ]
        for (const [method, path, location] of all) {
          const res = await fetch(`${stack.origin}${path}`, {
            method,
            headers: { Origin: PAGE, 'Access-Control-Request-Method': 'PUT' },
            redirect: 'manual',
          })
          const lines = sentOn(contextFor(ctxs, location, method), res.status)
          const computed = Object.fromEntries(
            [...names].map((n) => {
              const mine = lines.filter((h) => h.name.toLowerCase() === n)
              const values = mine.map((h) => valueFor(h.value, PAGE))
              return [n, mine.length === 0 ? null : values.includes(null) ? 'variable' : values.join(', ')]
            }),
          )
          const sent = Object.fromEntries(
            [...names].map((n) => [
              n,
              computed[n] === 'variable' && res.headers.has(n) ? 'variable' : res.headers.get(n),
            ]),
          )
          expect(sent, `${method} ${path} → ${res.status}`).toEqual(computed)
        }
      } finally {
        await stack.stop()
      }
    })
})
