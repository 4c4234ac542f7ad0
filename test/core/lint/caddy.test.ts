/**
 * The Caddy linter against the real Caddy (Debian's 2.6.2): what `caddy adapt` accepts lint parses and
 * what it rejects lint rejects; the header handlers lint models are the ones in caddy adapt's JSON.
 * Heredocs (Caddy ≥ 2.7, newer than Debian's) against the expectations of Caddy's own lexer tests.
 * Plus hostile input, the rules on small configs, real public Caddyfiles, and the CLI contract.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tokenize } from '../../../src/core/lint/caddy-lex.ts'
import { headerHandlers, siteModel } from '../../../src/core/lint/caddy-model.ts'
import { type CaddyDirective, parseCaddyfile } from '../../../src/core/lint/caddy-parse.ts'
import { detectServer, lint } from '../../../src/core/lint/index.ts'
import { hasStackTrace, runInProcess } from '../../cli/run.ts'

const CADDY = '/usr/bin/caddy'
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-caddy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const ENV = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'd'), XDG_CONFIG_HOME: join(dir, 'c') }

/** caddy adapt's JSON, or null when it refuses the Caddyfile. */
/** `caddy validate` (adapt, then provision every module): true when it takes the Caddyfile. */
function validates(text: string): boolean {
  const f = join(dir, 'Caddyfile')
  writeFileSync(f, text)
  try {
    execFileSync(CADDY, ['validate', '--config', f, '--adapter', 'caddyfile'], { env: ENV, stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
function adapt(text: string): Record<string, unknown> | null {
  const f = join(dir, 'Caddyfile')
  writeFileSync(f, text)
  try {
    const out = execFileSync(CADDY, ['adapt', '--config', f, '--adapter', 'caddyfile'], {
      env: ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    })
    return JSON.parse(out) as Record<string, unknown>
  } catch {
    return null
  }
}
const notFound = (p: string): string => `File to import not found: ${p}`
function lintAccepts(text: string): boolean {
  try {
    parseCaddyfile({ file: join(dir, 'Caddyfile'), text }, notFound)
    return true
  } catch {
    return false
  }
}

const site = (body: string): string => `{\n  admin off\n}\nhttp://a.test {\n${body}\n}\n`

/** Lexical and structural cases on which Caddy 2.6.2 and current Caddy agree. */
const SYNTAX: readonly string[] = [
  site('  header X-A "a # b"'),
  site('  header X-A a#b'),
  site('  header X-A "a\\"b"'),
  site('  header X-A `a "b" c`'),
  site('  respond "x" \\\n    200'),
  site('  respond {} hi'),
  site('  respond hi # a comment {'),
  site('  # a comment }\n  respond hi'),
  site('  header X-A {$CORS_LENS_UNSET_VAR:dflt}'),
  site('  handle /x {\n    respond hi\n  }'),
  site('  @pre {\n    method OPTIONS\n  }\n  respond @pre 204'),
  site('  @pre method OPTIONS\n  respond @pre 204'),
  '(snip) {\n  header X-A {args.0}\n}\nhttp://a.test {\n  import snip 1\n}\n',
  'http://a.test, http://b.test {\n  respond hi\n}\n',
  'http://a.test http://b.test {\n  respond hi\n}\n',
  'http://a.test,\n  http://b.test {\n  respond hi\n}\n',
  'http://a.test\nrespond hi\n',
  // Caddy accepts a site whose last brace is missing after a nested block (its cursor stays on the `}`).
  'http://a.test {\n  handle {\n    respond hi\n  }\n',
  // Rejected by both:
  site('  respond "unterminated'),
  site('  handle /x { respond hi }'),
  site('  respond hi {}'),
  'http://a.test {\nrespond hi }\n',
  '@m method OPTIONS\nhttp://a.test {\n  respond hi\n}\n',
  site('  respond hi\n}'),
  'http://a.test,http://b.test {\n  respond hi\n}\n',
  'http://a.test, {\n  respond hi\n}\n',
  site('  import nosuch_snippet_or_file'),
  '(s) {\n  respond a\n}\n(s) {\n  respond b\n}\nhttp://a.test {\n  import s\n}\n',
  'http://a.test {\n  respond hi\n}\n{\n  admin off\n}\n',
  'http://a.test{\n  respond hi\n}\n',
  site('  handle {\n    respond hi\n'),
  'http://a.test {\n  respond hi\n',
]

describe('parser vs caddy adapt', () => {
  for (const s of SYNTAX)
    it(`agrees on ${JSON.stringify(s.replace('{\n  admin off\n}\n', ''))}`, () => {
      const caddy = adapt(s) !== null
      expect(lintAccepts(s)).toBe(caddy)
      expect(validates(s)).toBe(caddy)
    })
})

describe('parser vs caddy adapt on mutated real Caddyfiles (seeded)', () => {
  it('lint refuses nothing caddy adapt takes; both refuse many of them', () => {
    const fixtures = join(import.meta.dirname, 'fixtures/caddy')
    // The published s3rdv file does not load at all; certificate paths are dropped (nothing to load here).
    const texts = readdirSync(fixtures)
      .filter((f) => !f.startsWith('s3rdv'))
      .map((f) => readFileSync(join(fixtures, f), 'utf8').replace(/tls \/etc\S+ \S+/g, ''))
    const pieces = ['{', '}', '\n', '"', '`', '\\', '#', ' ', '{$X}', '\\\n', '{}']
    let seed = 7
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const wrong: string[] = []
    const tally = { both: 0, neither: 0 }
    for (let i = 0; i < 80; i++) {
      const t = texts[rnd(texts.length)] as string
      const at = rnd(t.length)
      const text = t.slice(0, at) + pieces[rnd(pieces.length)] + t.slice(at)
      const caddy = adapt(text) !== null
      const mine = lintAccepts(text)
      if (caddy && !mine) wrong.push(`caddy takes, lint refuses: ${JSON.stringify(text)}`)
      if (caddy && mine) tally.both++
      if (!caddy && !mine) tally.neither++
    }
    expect(wrong).toEqual([])
    // Not vacuous: the mutations reach both outcomes.
    expect(tally.both).toBeGreaterThan(10)
    expect(tally.neither).toBeGreaterThan(4)
  })
})

/** Every `headers` handler in caddy adapt's JSON, as "op field deferred" lines. */
function adaptedHeaderOps(json: unknown): string[] {
  const out: string[] = []
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x)
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>
      if (o.handler === 'headers' && o.response) {
        const r = o.response as Record<string, unknown>
        const deferred = r.deferred === true || r.require !== undefined
        const set = r.require ? 'default' : 'set'
        for (const k of Object.keys((r.set as object) ?? {}))
          out.push(`${set} ${k.toLowerCase()} ${deferred}`)
        for (const k of Object.keys((r.add as object) ?? {})) out.push(`add ${k.toLowerCase()} ${deferred}`)
        for (const k of (r.delete as string[]) ?? []) out.push(`delete ${k.toLowerCase()} ${deferred}`)
      }
      for (const x of Object.values(o)) walk(x)
    }
  }
  walk(json)
  return out.sort()
}
function lintHeaderOps(text: string): string[] {
  const parsed = parseCaddyfile({ file: 'Caddyfile', text }, notFound)
  const out: string[] = []
  const walk = (ds: readonly CaddyDirective[]): void => {
    for (const d of ds) {
      if (d.name === 'header')
        for (const h of headerHandlers(d))
          for (const o of h.ops) out.push(`${o.op} ${o.name.toLowerCase()} ${h.deferred}`)
      else if (d.block && !d.name.startsWith('@') && d.name !== 'reverse_proxy') walk(d.block)
    }
  }
  for (const s of parsed.sites) walk(s.directives)
  return out.sort()
}

describe('header handlers lint models = the ones caddy adapt builds', () => {
  const configs = [
    site('  header Access-Control-Allow-Origin "*"'),
    site('  header +Vary Origin'),
    site('  header -Access-Control-Allow-Origin'),
    site('  header ?Access-Control-Allow-Origin "*"'),
    site('  header {\n    Access-Control-Allow-Origin "*"\n    defer\n  }'),
    site('  header {\n    Access-Control-Allow-Origin "*"\n    -Server\n  }'),
    site('  header {\n    Access-Control-Allow-Origin "*"\n    ?Access-Control-Max-Age 600\n  }'),
    site('  handle /api/* {\n    header Access-Control-Allow-Origin: "*"\n    respond hi\n  }'),
    site('  route {\n    respond hi\n    header @m X-A 1\n  }\n  @m method GET'),
  ]
  for (const c of configs)
    it(JSON.stringify(c.replace('{\n  admin off\n}\n', '')), () => {
      const json = adapt(c)
      expect(json).not.toBe(null)
      expect(lintHeaderOps(c)).toEqual(adaptedHeaderOps(json))
    })
})

/** The handler kinds of the site's top-level route, in the order caddy adapt put them. */
function adaptedOrder(json: Record<string, unknown>): string[] {
  const servers = (json.apps as { http: { servers: Record<string, { routes: unknown[] }> } }).http.servers
  const route = Object.values(servers)[0]?.routes[0] as {
    handle: { routes: { handle: { handler: string }[] }[] }[]
  }
  const kind: Record<string, string> = { headers: 'header', subroute: 'scope' }
  return (route.handle[0]?.routes ?? []).flatMap((r) => r.handle.map((h) => kind[h.handler] ?? 'terminal'))
}

describe("Caddy's directive order, as lint models it = as caddy adapt orders the handlers", () => {
  for (const body of [
    '  respond @pre 204\n  @pre method OPTIONS\n  header X-A 1\n  redir /old /new\n  handle /api/* {\n    respond hi\n  }',
    '  reverse_proxy 127.0.0.1:9\n  route /r/* {\n    respond hi\n  }\n  header X-A 1',
  ])
    it(JSON.stringify(body), () => {
      const text = site(body)
      const json = adapt(text)
      expect(json).not.toBe(null)
      const m = siteModel(parseCaddyfile({ file: 'f', text }, notFound).sites[0] as never)
      expect(m.root.steps.map((x) => x.kind)).toEqual(adaptedOrder(json as Record<string, unknown>))
    })
})

describe('heredocs, as Caddy’s lexer tests expect (caddyconfig/caddyfile/lexer_test.go)', () => {
  const toks = (s: string) => tokenize(s, 'f', { words: 0, maxWords: 1e6 }).map((t) => [t.line, t.text])
  const cases: [string, (string | number)[][]][] = [
    [
      'heredoc <<EOF\ncontent\nEOF same-line-arg\n\t',
      [
        [1, 'heredoc'],
        [1, 'content'],
        [3, 'same-line-arg'],
      ],
    ],
    [
      'heredoc <<EOF\nextra-newline\n\nEOF same-line-arg\n\t',
      [
        [1, 'heredoc'],
        [1, 'extra-newline\n'],
        [4, 'same-line-arg'],
      ],
    ],
    [
      'heredoc <<EOF\nEOF\n\tHERE same-line-arg\n\t',
      [
        [1, 'heredoc'],
        [1, ''],
        [3, 'HERE'],
        [3, 'same-line-arg'],
      ],
    ],
    [
      'prev-line\n\theredoc <<EOF\n\t\tmulti\n\t\tline\n\t\tcontent\n\tEOF same-line-arg\n\tnext-line\n\t',
      [
        [1, 'prev-line'],
        [2, 'heredoc'],
        [2, '\tmulti\n\tline\n\tcontent'],
        [6, 'same-line-arg'],
        [7, 'next-line'],
      ],
    ],
    [
      'escaped-heredoc \\<< >>',
      [
        [1, 'escaped-heredoc'],
        [1, '<<'],
        [1, '>>'],
      ],
    ],
    [
      'not-a-heredoc <<<EOF content',
      [
        [1, 'not-a-heredoc'],
        [1, '<<<EOF'],
        [1, 'content'],
      ],
    ],
    [
      'not-a-heredoc <<HERE SAME LINE\n\tcontent\n\tHERE same-line-arg\n\t',
      [
        [1, 'not-a-heredoc'],
        [1, '<<HERE'],
        [1, 'SAME'],
        [1, 'LINE'],
        [2, 'content'],
        [3, 'HERE'],
        [3, 'same-line-arg'],
      ],
    ],
  ]
  for (const [input, expected] of cases)
    it(JSON.stringify(input), () => expect(toks(input)).toEqual(expected))
  for (const bad of [
    'not-a-heredoc <<\n',
    'heredoc <<<EOF\n\tcontent\n\tEOF\n\t',
    'heredoc <<EOF\n\tcontent\n',
    'heredoc <<EOF\n\tcontent\n\t\tEOF\n',
  ])
    it(`refuses ${JSON.stringify(bad)}`, () => expect(() => toks(bad)).toThrow())
})

describe('hostile input', () => {
  it('a site of 5000 headers and 5000 responds is refused at once, not checked in quadratic time', () => {
    const body = `${'  header X-A 1\n'.repeat(5000)}${'  respond /x 200\n'.repeat(5000)}`
    expect(() => lint([{ file: 'Caddyfile', text: site(body) }], { server: 'caddy' })).toThrow(
      /more than cors-lens checks/,
    )
  })
  const parse = (text: string) => parseCaddyfile({ file: 'x', text }, notFound)
  it('100k-deep nesting is a clear error, not a stack overflow', () => {
    const text = `a {\n${'b {\n'.repeat(100_000)}${'}\n'.repeat(100_001)}`
    expect(() => parse(text)).toThrow(/nested deeper/)
  })
  it('binary bytes are refused', () => {
    expect(() => parse('\u0000\u0001gzip')).toThrow(/binary/)
  })
  it('a snippet that imports itself stops at a bound', () => {
    expect(() => parse('(a) {\n  import a\n}\nhttp://x {\n  import a\n}\n')).toThrow(/imports nested deeper/)
  })
  it('a snippet doubling at every level is stopped by the word budget, in bounded time', () => {
    let text = '(s0) {\n  respond hi\n}\n'
    for (let i = 1; i <= 24; i++) text += `(s${i}) {\n  import s${i - 1}\n  import s${i - 1}\n}\n`
    expect(() => parse(`${text}http://x {\n  import s24\n}\n`)).toThrow(/too many words/)
  })
})

const codes = (text: string): string[] =>
  lint([{ file: 'Caddyfile', text }], { server: 'caddy' }).findings.map((f) => f.code)

describe('rules on small configs', () => {
  it('flags a loose header_regexp, a * wildcard origin matcher, reflection with credentials, Vary and Max-Age', () => {
    const c = codes(
      site(`  @a header_regexp Origin example.com
  @b header Origin *example.com
  @c header_regexp o Origin ^https://[a-z]+\\.example\\.com$
  header @a Access-Control-Allow-Origin {header.Origin}
  header @b Access-Control-Allow-Origin {header.Origin}
  header {
    Access-Control-Allow-Origin {http.request.header.Origin}
    Access-Control-Allow-Credentials true
    Access-Control-Max-Age 86400
  }
  reverse_proxy 127.0.0.1:9`),
    )
    for (const k of [
      'caddy-loose-origin-regex',
      'caddy-loose-origin-wildcard',
      'caddy-reflects-any-origin-with-credentials',
      'caddy-origin-dependent-without-vary',
      'caddy-max-age-above-cap',
    ])
      expect(c).toContain(k)
    // The anchored, escaped regex of @c is not flagged.
    expect(c.filter((x) => x === 'caddy-loose-origin-regex')).toHaveLength(1)
  })
  it('an allow-listed reflection is not a security finding', () => {
    const c = codes(
      site(`  @ok header Origin https://app.test
  header @ok {
    Access-Control-Allow-Origin {header.Origin}
    Access-Control-Allow-Credentials true
    Vary Origin
  }
  respond hi`),
    )
    expect(c).toEqual([])
  })
  it('inside route, headers written after the OPTIONS respond do not reach the preflight', () => {
    const c = codes(
      site(`  @pre method OPTIONS
  route {
    respond @pre 204
    header Access-Control-Allow-Origin "*"
    reverse_proxy 127.0.0.1:9
  }`),
    )
    expect(c).toContain('caddy-preflight-without-acao')
    // Outside route the same lines are fine: Caddy's order runs header first.
    expect(
      codes(site('  @pre method OPTIONS\n  respond @pre 204\n  header Access-Control-Allow-Origin "*"')),
    ).not.toContain('caddy-preflight-without-acao')
  })
  it('a redirect of some paths only is not a preflight finding; one of every request is', () => {
    const cors = '  header Access-Control-Allow-Origin "*"\n  reverse_proxy 127.0.0.1:9\n'
    expect(codes(site(`${cors}  handle /old/* {\n    redir /new/\n  }\n  redir /docs /docs/`))).not.toContain(
      'caddy-redirect-catches-preflight',
    )
    expect(codes(site(`${cors}  redir https://b.test{uri}`))).toContain('caddy-redirect-catches-preflight')
  })
  it('a site without CORS has no finding, whatever it redirects', () => {
    expect(codes(site('  redir https://b.test{uri}\n  reverse_proxy 127.0.0.1:9'))).toEqual([])
  })
})

/**
 * Real Caddyfiles from public GitHub material (each fixture's first lines name its source), with the
 * findings reasoned from what Caddy does (measured in test/e2e/lint-caddy.test.ts).
 */
describe('real public Caddyfiles', () => {
  const fixtures = join(import.meta.dirname, 'fixtures/caddy')
  const expected: Record<string, { errors: string[]; also?: string[]; rejectedAt?: number }> = {
    // A snippet with a preflight handle and an Origin allow-list: correct; its pass-through
    // `handle @cors` sets ACAO before reverse_proxy (a warning: only if the app sends CORS too).
    'kalnytskyi-cors-snippet.Caddyfile': { errors: [], also: ['caddy-acao-in-front-of-upstream'] },
    // As published it does not load: `tls { on_demand }` and `@options { method OPTIONS }` open a block
    // with more on the same line, which Caddy refuses (parse.go); lint refuses it at the same line.
    's3rdv-header-down.Caddyfile': { errors: [], rejectedAt: 4 },
    // `*` with credentials, all in a deferred block (so not on Caddy's own 404/502).
    'miningbots-deferred-wildcard.Caddyfile': {
      errors: ['caddy-deferred-cors-skips-errors', 'caddy-wildcard-with-credentials'],
    },
    // `-Server` in the CORS block defers it all; `*` with credentials.
    'railway-server-delete.Caddyfile': {
      errors: ['caddy-deferred-cors-skips-errors', 'caddy-wildcard-with-credentials'],
    },
    // The Origin reflected with credentials and no allow-list, deferred, no Vary.
    'tm-uploader-reflect.Caddyfile': {
      errors: ['caddy-deferred-cors-skips-errors', 'caddy-reflects-any-origin-with-credentials'],
      also: ['caddy-origin-dependent-without-vary'],
    },
  }
  for (const name of readdirSync(fixtures).sort())
    it(name, () => {
      const text = readFileSync(join(fixtures, name), 'utf8')
      const want = expected[name]
      expect(want, `no expectation for ${name}`).toBeDefined()
      if (want?.rejectedAt) {
        expect(() => lint([{ file: name, text }])).toThrow(`${name}:${want.rejectedAt}:`)
        expect(adapt(text), name).toBe(null)
        return
      }
      const fs = lint([{ file: name, text }]).findings
      expect(fs.every((f) => f.server === 'caddy')).toBe(true)
      expect([...new Set(fs.filter((f) => f.severity === 'error').map((f) => f.code))].sort()).toEqual(
        want?.errors,
      )
      for (const k of want?.also ?? []) expect(fs.map((f) => f.code)).toContain(k)
      // caddy adapt takes each fixture (tls and hosts as written; nothing is started).
      expect(adapt(text), name).not.toBe(null)
    })
})

describe('cors-lens lint on a Caddyfile', () => {
  const d = join(dir, 'cli')
  mkdirSync(d, { recursive: true })
  const broken = join(d, 'Caddyfile')
  writeFileSync(
    broken,
    'http://a.test {\n  header {\n    Access-Control-Allow-Origin *\n    Access-Control-Allow-Credentials true\n  }\n  reverse_proxy 127.0.0.1:9\n}\n',
  )
  const ok = join(d, 'ok.caddyfile')
  writeFileSync(ok, 'http://a.test {\n  reverse_proxy 127.0.0.1:9\n}\n')
  it('is detected by its name, names file:line and the CorsError, exits 1; a correct one exits 0', async () => {
    const r = await runInProcess(['lint', broken])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`${broken}:3`)
    expect(r.stdout).toContain('WildcardOriginNotAllowed')
    expect((await runInProcess(['lint', ok])).code).toBe(0)
    const j = await runInProcess(['lint', '--json', '--server', 'caddy', broken])
    const { findings } = JSON.parse(j.stdout) as { findings: { server: string; when: string }[] }
    expect(findings.map((f) => f.server)).toContain('caddy')
  })
  it('detects a Caddyfile on stdin-like names by its directives, and leaves nginx to nginx', () => {
    expect(detectServer({ file: '-', text: 'http://a.test {\n  reverse_proxy 127.0.0.1:9\n}\n' })).toBe(
      'caddy',
    )
    expect(
      detectServer({ file: '-', text: 'server {\n  listen 80;\n  location / { proxy_pass http://x; }\n}\n' }),
    ).toBe('nginx')
  })
  it('follows a file import (relative to the Caddyfile) and names the imported file and line', async () => {
    const sub = join(d, 'imp')
    mkdirSync(join(sub, 'conf.d'), { recursive: true })
    writeFileSync(
      join(sub, 'conf.d', 'cors.caddy'),
      '# shared CORS\nheader Access-Control-Allow-Origin "*"\n',
    )
    const main = join(sub, 'Caddyfile')
    writeFileSync(main, 'http://a.test {\n  import conf.d/*.caddy\n  reverse_proxy 127.0.0.1:9\n}\n')
    expect(adapt(readFileSync(main, 'utf8').replace('conf.d/', `${join(sub, 'conf.d')}/`))).not.toBe(null)
    const r = await runInProcess(['lint', '--json', main])
    const { findings } = JSON.parse(r.stdout) as { findings: { code: string; file: string; line: number }[] }
    expect(findings.map((f) => [f.code, f.file, f.line])).toContainEqual([
      'caddy-acao-in-front-of-upstream',
      join(sub, 'conf.d', 'cors.caddy'),
      2,
    ])
  })
  it('a broken Caddyfile: exit 2, one line, no stack trace', async () => {
    const bad = join(d, 'bad.Caddyfile')
    writeFileSync(bad, 'http://a.test {\n  handle /x { respond hi }\n}\n')
    expect(adapt(readFileSync(bad, 'utf8'))).toBe(null)
    const r = await runInProcess(['lint', bad])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(2)
    expect(r.stderr).toContain('bad.Caddyfile:2')
    expect(hasStackTrace(r.stderr + r.stdout)).toBe(false)
  })
})

describe('the site model', () => {
  it('orders header before terminals outside route, as written inside route', () => {
    const parsed = parseCaddyfile(
      {
        file: 'f',
        text: site('  respond hi\n  header X-A 1\n  route {\n    respond hi\n    header X-B 1\n  }'),
      },
      notFound,
    )
    const m = siteModel(parsed.sites[0] as (typeof parsed.sites)[number])
    expect(m.root.steps.map((s) => s.kind)).toEqual(['header', 'scope', 'terminal'])
    const route = m.scopes.find((s) => s.kind === 'route')
    expect(route?.steps.map((s) => s.kind)).toEqual(['terminal', 'header'])
  })
})
