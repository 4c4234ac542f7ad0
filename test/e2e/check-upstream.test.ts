/**
 * `cors-lens check --upstream` on the lab's real stacks: a real proxy (nginx, Caddy, Apache httpd, Varnish)
 * in front of the real Express app, each configured so the sender of every CORS line is known by
 * construction (the proxy's config and the app's code say who writes what). check asks the proxy as a
 * browser would and the app directly; every line's sender must come out as built. Also the layer probes
 * (without --upstream): what each answer showed, on the same stacks.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { CheckJsonEntry } from '../../src/cli/check.ts'
import { runInProcess } from '../cli/run.ts'
import { type RunningStack, type StackSpec, startStack } from '../lab/stacks/stack.ts'

const PAGE = 'https://app.example'
/** The page is on this machine too: Local Network Access does not enter (test/cli/check-lna.test.ts does). */
const ON_THIS_MACHINE = ['--origin-address', 'loopback']

type Sender = 'app' | 'proxy' | 'both'

interface Case {
  readonly id: string
  readonly spec: StackSpec
  readonly path: string
  readonly args?: readonly string[]
  /** Where the failure is: the lines attributed are that answer's. */
  readonly expectCorsError: string | null
  readonly expectCulprit: 'app' | 'proxy' | 'both' | 'unknown'
  readonly expectProxy: string
  /** Every CORS line of the answer the failure is about, in wire order, and who sent it. */
  readonly expectLines: readonly (readonly [name: string, value: string, sender: Sender])[]
  /** App lines the proxy's answer lacks. */
  readonly expectMissing?: readonly string[]
}

const NGINX_IF_OPTIONS = `add_header Access-Control-Allow-Origin $http_origin always;
if ($request_method = OPTIONS) {
    add_header Access-Control-Allow-Methods "GET, PUT, OPTIONS";
    add_header Access-Control-Allow-Headers "Content-Type, X-Api-Key";
    return 204;
}`
const PUT_WITH_KEY = [
  '-X',
  'PUT',
  '-H',
  'Content-Type: application/json',
  '-H',
  'X-Api-Key: k1',
  '--data',
  '{"a":1}',
]

const CASES: readonly Case[] = [
  {
    // The seed case: nginx add_header ACAO * on top of Express cors() ('*, *').
    id: 'nginx add_header + Express cors(): two identical ACAO lines',
    spec: {
      proxy: 'nginx',
      app: 'express',
      proxySlots: { location: 'add_header Access-Control-Allow-Origin *;' },
      appSlots: { app_cors: 'app.use(cors())' },
    },
    path: '/api/items',
    expectCorsError: 'MultipleAllowOriginValues',
    expectCulprit: 'both',
    expectProxy: 'nginx',
    expectLines: [
      ['Access-Control-Allow-Origin', '*', 'both'],
      ['Access-Control-Allow-Origin', '*', 'both'],
    ],
  },
  {
    id: 'nginx proxy_hide_header + add_header: the app’s line replaced',
    spec: {
      proxy: 'nginx',
      app: 'express',
      proxySlots: {
        location:
          'proxy_hide_header Access-Control-Allow-Origin;\nadd_header Access-Control-Allow-Origin $http_origin;\nadd_header Access-Control-Allow-Credentials true;',
      },
      appSlots: { app_cors: 'app.use(cors())' },
    },
    path: '/api/items',
    args: ['--credentials'],
    expectCorsError: null,
    expectCulprit: 'unknown',
    expectProxy: 'nginx',
    expectLines: [
      ['Access-Control-Allow-Origin', PAGE, 'proxy'],
      ['Access-Control-Allow-Credentials', 'true', 'proxy'],
    ],
    expectMissing: ['Access-Control-Allow-Origin: *'],
  },
  {
    id: 'nginx proxy_hide_header alone: the app’s ACAO removed',
    spec: {
      proxy: 'nginx',
      app: 'express',
      proxySlots: { location: 'proxy_hide_header Access-Control-Allow-Origin;' },
      appSlots: { app_cors: `app.use(cors({ origin: '${PAGE}', credentials: true }))` },
    },
    path: '/api/items',
    args: ['--credentials'],
    expectCorsError: 'MissingAllowOriginHeader',
    expectCulprit: 'proxy',
    expectProxy: 'nginx',
    expectLines: [
      ['Vary', 'Origin', 'app'],
      ['Access-Control-Allow-Credentials', 'true', 'app'],
    ],
    expectMissing: [`Access-Control-Allow-Origin: ${PAGE}`],
  },
  {
    id: 'nginx `if ($request_method = OPTIONS)` answers the preflight itself',
    spec: { proxy: 'nginx', app: 'express', proxySlots: { location: NGINX_IF_OPTIONS } },
    path: '/api/items',
    args: PUT_WITH_KEY,
    expectCorsError: 'PreflightMissingAllowOriginHeader',
    expectCulprit: 'proxy',
    expectProxy: 'nginx',
    expectLines: [
      ['Access-Control-Allow-Methods', 'GET, PUT, OPTIONS', 'proxy'],
      ['Access-Control-Allow-Headers', 'Content-Type, X-Api-Key', 'proxy'],
    ],
  },
  {
    id: 'Caddy header ACAO * in front of an app that sends none',
    spec: { proxy: 'caddy', app: 'express', proxySlots: { site: 'header Access-Control-Allow-Origin *' } },
    path: '/api/items',
    args: ['--credentials'],
    expectCorsError: 'WildcardOriginNotAllowed',
    expectCulprit: 'proxy',
    expectProxy: 'caddy',
    expectLines: [['Access-Control-Allow-Origin', '*', 'proxy']],
  },
  {
    id: 'Apache Header always set in front of an app that sends none',
    spec: {
      proxy: 'apache',
      app: 'express',
      proxySlots: {
        location:
          'Header always set Access-Control-Allow-Origin "*"\nHeader always set Access-Control-Allow-Methods "GET, PUT"',
      },
    },
    path: '/api/items',
    args: ['--credentials'],
    expectCorsError: 'WildcardOriginNotAllowed',
    expectCulprit: 'proxy',
    expectProxy: 'apache',
    expectLines: [
      ['Access-Control-Allow-Origin', '*', 'proxy'],
      ['Access-Control-Allow-Methods', 'GET, PUT', 'proxy'],
    ],
  },
  {
    // VCL header.append (vmod_header) adds a second ACAO after the app's (test/lab/stacks/scenarios.ts).
    id: 'Varnish header.append ACAO next to Express cors()',
    spec: {
      proxy: 'varnish',
      app: 'express',
      proxySlots: {
        top: 'import header;',
        vcl_deliver: 'header.append(resp.http.Access-Control-Allow-Origin, req.http.Origin);',
      },
      appSlots: { app_cors: 'app.use(cors())' },
    },
    path: '/api/items',
    expectCorsError: 'MultipleAllowOriginValues',
    expectCulprit: 'both',
    expectProxy: 'varnish',
    expectLines: [
      ['Access-Control-Allow-Origin', '*', 'app'],
      ['Access-Control-Allow-Origin', PAGE, 'proxy'],
    ],
  },
]

/** One running stack per case, started on first use and shared by both describes. */
const running = new Map<string, Promise<RunningStack>>()
function stackFor(c: Case): Promise<RunningStack> {
  const started = running.get(c.id) ?? startStack(c.spec)
  running.set(c.id, started)
  return started
}
const caseNamed = (id: string): Case => CASES.find((c) => c.id.startsWith(id)) as Case
afterAll(async () => {
  await Promise.all([...running.values()].map(async (s) => (await s).stop()))
})

async function check(args: readonly string[]): Promise<CheckJsonEntry> {
  const r = await runInProcess(['check', ...args, '--origin', PAGE, ...ON_THIS_MACHINE, '--json'])
  if (r.code === 2) throw new Error(`check failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as CheckJsonEntry
}

describe('check --upstream names the sender of every CORS line, on real stacks', () => {
  it.each(CASES.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const stack = await stackFor(c)
    const url = `${stack.origin}${c.path}`
    const e = await check([url, ...(c.args ?? []), '--upstream', stack.appOrigin])
    const why = `${JSON.stringify(e.attribution, null, 1)}\n${JSON.stringify(e.upstream, null, 1)}\n${Object.values(stack.files).join('\n')}`
    expect(e.corsError, why).toBe(c.expectCorsError)
    expect(e.attribution?.source, why).toBe('measured')
    const lines = (e.attribution?.lines ?? []).map((l) => [l.header.name, l.header.value, l.layers?.sender])
    expect(lines, why).toEqual(c.expectLines)
    expect(e.attribution?.proxy, why).toBe(c.expectProxy)
    expect(e.attribution?.app, why).toBe('express')
    if (c.expectCorsError) expect(e.attribution?.culprit, why).toBe(c.expectCulprit)
    const diff = e.upstream?.differences.find((d) => d.place === e.attribution?.lines[0]?.header.place)
    expect(
      (diff?.missing ?? []).map((m) => `${m.name}: ${m.value}`),
      why,
    ).toEqual(c.expectMissing ?? [])
    // Fixes only for the layers shown: the proxy's stack, the app's, and the stack-neutral ones.
    const stacks = new Set(e.fixes.map((f) => f.stack))
    for (const s of stacks) expect(['express', c.expectProxy, 'generic', 'client'], why).toContain(s)
    expect(e.attribution?.settle).toBeUndefined()
  })
})

describe('check without --upstream: what the layer probes show, on the same real stacks', () => {
  const probes = async (url: string, args: readonly string[] = []) => {
    const e = await check([url, ...args])
    return Object.fromEntries(e.layerProbes.map((p) => [p.kind, p]))
  }

  it("the seed case: a fixed ACAO for any origin; the app's 404 keeps its copy and loses nginx's", async () => {
    const stack = await stackFor(caseNamed('nginx add_header + Express'))
    const p = await probes(`${stack.origin}/api/items`)
    expect(p['other-origin']?.showed).toMatch(/'\*' \(fixed: the same for any origin\), '\*' \(fixed/)
    expect(p['missing-path']).toMatchObject({ status: 404, page: expect.stringMatching(/^Express/) })
    expect(p['missing-path']?.showed).toMatch(
      /keeps 'Access-Control-Allow-Origin: \*' and lacks 'Access-Control-Allow-Origin: \*'/,
    )
  })

  it("a path outside the proxied location: nginx's own error page, and Apache httpd's", async () => {
    const nginx = await probes(
      `${(await stackFor(caseNamed('nginx add_header + Express'))).origin}/elsewhere/x`,
    )
    // nginx answers a path with no location from its (empty) html root: a 403 or a 404, its own page either way.
    expect(nginx['missing-path']?.page).toMatch(/^nginx/)
    const apache = await probes(`${(await stackFor(caseNamed('Apache'))).origin}/elsewhere/x`)
    expect(apache['missing-path']).toMatchObject({
      status: 404,
      page: expect.stringMatching(/^Apache httpd/),
    })
  })

  it("nginx's `if ($request_method = OPTIONS)`: a bare OPTIONS is answered exactly like the preflight", async () => {
    const stack = await stackFor(caseNamed('nginx `if'))
    const p = await probes(`${stack.origin}/api/items`, ['-X', 'PUT', '-H', 'X-Api-Key: k1'])
    expect(p['bare-options']?.showed).toMatch(/answered exactly like the preflight/)
  })

  it('Varnish + Express cors(): one ACAO reflected, one fixed — two senders', async () => {
    const stack = await stackFor(caseNamed('Varnish'))
    const p = await probes(`${stack.origin}/api/items`)
    expect(p['other-origin']?.showed).toMatch(/two senders, one reflecting and one with a fixed value/)
  })

  // Each error page's phrase (core/layer-probes.ts) on the real server's own 404 (Varnish: its synthetic 503).
  it.each([
    ['flask', '/api/items', /^Flask/],
    ['django', '/api/items/', /^Django/],
    ['fastapi', '/api/items', /^FastAPI/],
    ['varnish', '/synth/items', /^Varnish/],
  ] as const)('%s: its own error page is named', async (kind, path, page) => {
    const spec: StackSpec =
      kind === 'varnish'
        ? {
            proxy: 'varnish',
            app: 'express',
            proxySlots: { vcl_recv: 'if (req.url ~ "^/synth/") { return (synth(503)); }' },
          }
        : { proxy: null, app: kind }
    const stack = await stackFor({ ...caseNamed('nginx add_header'), id: `page-${kind}`, spec })
    const p = await probes(`${stack.origin}${path}`)
    expect(p['missing-path']?.page, p['missing-path']?.showed).toMatch(page)
  })
})
