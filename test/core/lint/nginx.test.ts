/**
 * The nginx linter against the real nginx: what `nginx -t` accepts lint parses (and what it rejects lint
 * rejects), and the add_header lines nginx sends for a location (measured with curl) are the ones lint
 * computes. Plus hostile input and the rules' findings on small configs.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lint } from '../../../src/core/lint/index.ts'
import { named, nginxContexts } from '../../../src/core/lint/nginx-model.ts'
import { dumpResolver, parseNginx, splitNginxDump } from '../../../src/core/lint/nginx-parse.ts'
import { looseOriginRegex } from '../../../src/core/lint/nginx-rules.ts'

const NGINX = '/usr/sbin/nginx'
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-lint-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const wrap = (server: string, port = 1): string =>
  `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n access_log off;\n server {\n  listen 127.0.0.1:${port};\n${server}\n }\n}\n`

function nginxAccepts(text: string): boolean {
  const f = join(dir, 'nginx.conf')
  writeFileSync(f, text)
  try {
    execFileSync(NGINX, ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', f], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}
function lintAccepts(text: string): boolean {
  try {
    parseNginx({ file: 'nginx.conf', text }, () => [])
    return true
  } catch {
    return false
  }
}

/** Syntax cases: quotes, escapes, # inside quotes and words, ${var}, stray braces/semicolons. */
const SYNTAX: readonly string[] = [
  'add_header X-A "a # b";',
  "add_header X-A 'it''s';",
  'add_header X-A a#b;',
  'add_header X-A "a\\"b";',
  'add_header X-A a\\ b;',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx's own ${var} syntax, not a template
  'set $x 1; add_header X-A ${x}y;',
  'add_header X-A "a"b;',
  'add_header X-A "a";;',
  'location / { }}',
  'location / {',
  'add_header X-A "unterminated;',
  'add_header X-A b # comment ; still comment\n;',
  'if ($request_method = OPTIONS) { return 204; }',
  'if ($request_method = "OPTIONS") { return 204; }',
  'location / { if ($http_origin ~* "^https://a\\.test$") { add_header X-A 1; } }',
  '{ }',
  ';',
]

describe('parser vs nginx -t', () => {
  for (const s of SYNTAX)
    it(`agrees on ${JSON.stringify(s)}`, () => {
      const text = wrap(s)
      expect(lintAccepts(text)).toBe(nginxAccepts(text))
    })
})

describe('hostile input', () => {
  it('100k-deep nesting is a clear error, not a stack overflow', () => {
    const text = `${'a {'.repeat(100_000)}${'}'.repeat(100_000)}`
    expect(() => parseNginx({ file: 'x', text }, () => [])).toThrow(/nested deeper/)
  })
  it('binary bytes are refused', () => {
    expect(() => parseNginx({ file: 'x', text: '\u0000\u0001gzip' }, () => [])).toThrow(/binary/)
  })
  it('an include of itself is refused', () => {
    expect(() =>
      parseNginx({ file: '/a.conf', text: 'include /a.conf;' }, (p) => [
        { file: p, text: 'include /a.conf;' },
      ]),
    ).toThrow(/includes itself/)
  })
})

const codes = (text: string): string[] => lint([{ file: 'nginx.conf', text }]).findings.map((f) => f.code)

describe('rules', () => {
  it("the article's Option A (CORS only at nginx, hidden from the app) has no error", () => {
    const f = lint([
      {
        file: 'nginx.conf',
        text: wrap(`location /api/ {
   proxy_hide_header Access-Control-Allow-Origin;
   add_header Access-Control-Allow-Origin "https://app.test" always;
   proxy_pass http://127.0.0.1:9;
  }`),
      },
    ]).findings
    expect(f.filter((x) => x.severity === 'error')).toEqual([])
  })
  it("the article's Option A as written (CORS only at nginx, a plain app behind it) has no error, only the upstream warning", () => {
    const f = lint([
      {
        file: 'nginx.conf',
        text: wrap(`location /api/ {
   add_header Access-Control-Allow-Origin "https://app.test" always;
   proxy_pass http://127.0.0.1:9;
  }`),
      },
    ]).findings
    expect(f.filter((x) => x.severity === 'error')).toEqual([])
    expect(f.map((x) => [x.code, x.severity, x.when])).toContainEqual([
      'nginx-acao-in-front-of-upstream',
      'warning',
      'upstream-sends-cors',
    ])
  })
  it('Option B (CORS only in the app) has no finding', () => {
    expect(codes(wrap('location /api/ { proxy_pass http://127.0.0.1:9; }'))).toEqual([])
  })
  it('flags the duplicate, the missing always, *, credentials and a loose regex', () => {
    const c = codes(
      wrap(`location /api/ {
   add_header Access-Control-Allow-Origin *;
   add_header Access-Control-Allow-Credentials true always;
   proxy_pass http://127.0.0.1:9;
  }
  location /r/ {
   if ($http_origin ~* "example.com") { add_header Access-Control-Allow-Origin $http_origin always; }
  }
  location /m/ { add_header Access-Control-Allow-Origin "https://a.test, https://b.test" always; add_header Access-Control-Max-Age 86400 always; }
  location /old/ { return 301 https://x.test$request_uri; add_header Access-Control-Allow-Origin * always; }`),
    )
    for (const k of [
      'nginx-acao-in-front-of-upstream',
      'nginx-cors-without-always',
      'nginx-wildcard-with-credentials',
      'nginx-loose-origin-regex',
      'nginx-multiple-origins',
      'nginx-max-age-above-cap',
      'nginx-redirect-catches-preflight',
    ])
      expect(c).toContain(k)
  })
})

/** Starts the real nginx on `text` (port filled), returns the headers of GET path, stops it. */
async function measured(server: string, path: string): Promise<string[]> {
  const port = 20000 + Math.floor(Math.random() * 20000)
  const f = join(dir, 'live.conf')
  writeFileSync(f, wrap(server, port))
  const p = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', f, '-g', 'daemon off;'], {
    stdio: 'ignore',
  })
  try {
    for (let i = 0; i < 50; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}${path}`)
        return [...r.headers.keys()].filter((k) => k.startsWith('x-') || k.startsWith('access-control-'))
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    throw new Error('nginx did not answer')
  } finally {
    p.kill('SIGTERM')
    await new Promise((r) => p.once('exit', r))
  }
}

describe('add_header lines lint computes = what the real nginx sends', () => {
  const server = `add_header X-Outer 1 always;
  add_header Access-Control-Allow-Origin * always;
  location /a/ { return 200 ok; }
  location /b/ { add_header X-Inner 1 always; return 200 ok; }
  location /c/ { location /c/d/ { add_header X-Deep 1 always; return 200 ok; } return 200 ok; }
  location /e/ { add_header X-E 1 always; if ($arg_x) { add_header X-If 1 always; } return 200 ok; }`
  const root = parseNginx({ file: 'n', text: wrap(server) }, () => [])
  const ctxs = nginxContexts(root)
  const lintHeaders = (loc: string): string[] => {
    const c = ctxs.find((x) => x.kind === 'location' && x.at?.args[0] === loc)
    return (c?.headers ?? []).map((h) => h.name.toLowerCase()).sort()
  }
  for (const loc of ['/a/', '/b/', '/c/d/', '/e/'])
    it(loc, async () => {
      expect((await measured(server, loc)).sort()).toEqual(lintHeaders(loc))
    })
  it('nginx -T of the config reads back the same', () => {
    const f = join(dir, 'dump.conf')
    writeFileSync(f, wrap(server))
    const dump = execFileSync(NGINX, ['-T', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', f], {
      encoding: 'utf8',
    })
    const files = splitNginxDump(dump)
    expect(files?.[0]?.file).toBe(f)
    const again = nginxContexts(parseNginx(files?.[0] ?? { file: '', text: '' }, dumpResolver(files ?? [])))
    expect(again.length).toBe(ctxs.length)
    expect(named(again[1] ?? (ctxs[0] as (typeof ctxs)[number]), 'access-control-allow-origin').length).toBe(
      1,
    )
  })
})

describe('rules on the forms the public configs use', () => {
  const find = (server: string) =>
    lint([{ file: 'nginx.conf', text: wrap(server) }]).findings.map((f) => [f.code, f.when])
  it('a `set $cors` inside an `if ($http_origin ~ …)` guards the reflection', () => {
    const guarded = `location / {
   set $cors '';
   if ($http_origin ~ '^https://a\\.test$') { set $cors T; }
   if ($cors = 'T') { add_header Access-Control-Allow-Origin $http_origin always; add_header Access-Control-Allow-Credentials true always; add_header Vary Origin always; }
  }`
    expect(find(guarded)).toEqual([])
    // `$corsx` is another variable: no guard.
    expect(
      find(
        guarded
          .replace("$cors = 'T'", "$corsx = 'T'")
          .replace("set $cors '';", "set $cors ''; set $corsx '';"),
      ),
    ).toContainEqual(['nginx-reflects-any-origin-with-credentials', 'other-origins'])
  })
  it('a regex wildcard glued to a name is loose; one ending in an escaped dot is not', () => {
    expect(looseOriginRegex('~^https://.*example\\.com$')).toMatch(/wildcard/)
    expect(looseOriginRegex('~^https://[a-z]+example\\.com$')).toMatch(/wildcard/)
    expect(looseOriginRegex('~^https://(.*\\.)?example\\.com$')).toBe(null)
    expect(looseOriginRegex('~^https://([a-z0-9-]+\\.)*example\\.com$')).toBe(null)
  })
  it('a Vary with a variable value and a `return 204` answer are not flagged for Vary', () => {
    expect(
      find(
        `location / { add_header Access-Control-Allow-Origin $http_origin always; add_header Vary $v always; set $v Origin; }`,
      ),
    ).toEqual([])
    expect(
      find(
        `location / { if ($x) { add_header Access-Control-Allow-Origin $http_origin always; return 204; } }`,
      ),
    ).toEqual([])
  })
  it('an `if` in front of proxy_pass adding ACAO is the duplicate risk; one that returns is not', () => {
    expect(
      find(
        `location / { proxy_pass http://127.0.0.1:9; if ($a) { add_header Access-Control-Allow-Origin * always; } }`,
      ),
    ).toEqual([['nginx-acao-in-front-of-upstream', 'upstream-sends-cors']])
    expect(
      find(
        `location / { proxy_pass http://127.0.0.1:9; if ($a) { add_header Access-Control-Allow-Origin * always; return 200; } }`,
      ),
    ).toEqual([])
  })
  it('an if-level add_header drops the CORS lines only when its condition holds', () => {
    expect(
      find(
        `location / { add_header Access-Control-Allow-Origin * always; if ($a) { add_header X-A 1 always; } }`,
      ),
    ).toEqual([['nginx-inner-add-header-drops-cors', 'other']])
  })
})
