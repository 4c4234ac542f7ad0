/**
 * The Apache linter against the real httpd: what `apache2 -t` accepts lint parses (and what it rejects lint
 * rejects), Include/IncludeOptional with globs through the CLI's reader, auto-detection, hostile input, and
 * the rules' findings on small configs (each rule is proven in Chromium in test/e2e/lint-apache.test.ts).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lintFindings } from '../../../src/cli/lint.ts'
import { confWords, looksLikeApache, parseApache } from '../../../src/core/lint/apache-parse.ts'
import { ConfigError, type LintFinding, lint } from '../../../src/core/lint/index.ts'
import { runInProcess } from '../../cli/run.ts'

const APACHE = '/usr/sbin/apache2'
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-lint-apache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const MODULES = ['mpm_event', 'authz_core', 'alias', 'headers', 'proxy', 'proxy_http', 'rewrite', 'setenvif']
/** A whole httpd.conf around `body` (the lab template's header: our own root, only the modules needed). */
const wrap = (body: string): string =>
  [
    `ServerRoot "${dir}"`,
    'ServerName api.test',
    'Listen 127.0.0.1:1',
    `PidFile "${dir}/httpd.pid"`,
    `ErrorLog "${dir}/error.log"`,
    `DefaultRuntimeDir "${dir}"`,
    `Mutex file:${dir} default`,
    ...MODULES.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    body,
    '',
  ].join('\n')

function apacheAccepts(text: string): boolean {
  const f = join(dir, 'httpd.conf')
  writeFileSync(f, text)
  try {
    execFileSync(APACHE, ['-t', '-d', dir, '-f', f], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}
function lintAccepts(text: string): boolean {
  try {
    parseApache({ file: join(dir, 'httpd.conf'), text }, () => [])
    return true
  } catch {
    return false
  }
}

/** Syntax cases: quotes, continuations, comments, sections and their closing tags, Header's arguments. */
const SYNTAX: readonly string[] = [
  'Header always set X-A "a # b"',
  "Header always set X-A 'single quoted'",
  'Header always set X-A "a \\" b"',
  'Header always set X-A "a \\\n  b"',
  'Header always \\\nset X-A b',
  '# a comment that continues \\\nHeader bogus words',
  'Header always set X-A "1" # not a comment',
  'Header always set X-A "1" env=FOO',
  'Header always set X-A "1" env=',
  'Header set X-A',
  'Header sett X-A 1',
  'Header unset X-A',
  'Header unset X-A 1 2',
  'Header edit X-A ^a b',
  'Header edit X-A ^a',
  'Header always set Access-Control-Allow-Origin: "*"',
  'Header always set X-A "expr=%{req:Origin}"',
  'Header set X-A 1 2 3 4',
  '  Header always set X-A 1   ',
  '<Location "/a">\nHeader set X-A 1\n</Location>',
  '<location "/a">\nHeader set X-A 1\n</LOCATION>',
  '<Location "/a">\nHeader set X-A 1',
  '</Location>',
  '<Location "/a">\n</Directory>',
  '<Location "/a"\n</Location>',
  '<Location>\n</Location>',
  '<Location "/a">\n</Location',
  '<If "%{HTTP:Origin} =~ /a\\.test$/">\nHeader set X-A 1\n</If>\n<ElseIf "-z %{HTTP:Origin}">\n</ElseIf>\n<Else>\nHeader set X-A 2\n</Else>',
  '<Else>\n</Else>',
  '<If "true">\n</If>\nHeader set X-A 1\n<Else>\n</Else>',
  '<IfModule headers_module>\nHeader set X-A 1\n</IfModule>',
  '<IfModule !headers_module>\n</ifmodule>',
  '<VirtualHost *:80>\n<Directory "/srv">\n<Files "a.json">\nHeader set X-A 1\n</Files>\n</Directory>\n</VirtualHost>',
  '<VirtualHost *:80>\n<Location "/a">\n</VirtualHost>\n</Location>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: httpd's own ${VAR} syntax, not a template
  'Define ORIGIN https://a.test\nHeader always set Access-Control-Allow-Origin "${ORIGIN}"',
  'SetEnvIf Origin "^https://(a|b)\\.test$" CORS_ORIGIN=$0',
  'RewriteEngine On\nRewriteCond %{REQUEST_METHOD} OPTIONS\nRewriteRule ^ - [R=204,L]',
]

describe('apache2 -t accepts exactly what lint parses', () => {
  for (const body of SYNTAX) {
    it(JSON.stringify(body), () => {
      const text = wrap(body)
      expect(lintAccepts(text)).toBe(apacheAccepts(text))
    })
  }
})

const codes = (text: string, file = 'httpd.conf'): string[] =>
  lint([{ file, text }], { server: 'apache' }).findings.map((f) => f.code)
const finding = (text: string, code: string): LintFinding | undefined =>
  lint([{ file: 'httpd.conf', text }], { server: 'apache' }).findings.find((f) => f.code === code)
const proxied = (lines: string): string =>
  `<Location "/api/">\n${lines}\nProxyPass "http://127.0.0.1:9/api/"\n</Location>\n`

describe('the Apache rules on small configs', () => {
  const cases: readonly [string, string, string, string | null, string][] = [
    [
      'Header set Access-Control-Allow-Origin "*"',
      'apache-cors-without-always',
      'error-responses',
      'MissingAllowOriginHeader',
      'error',
    ],
    [
      proxied('Header always set Access-Control-Allow-Origin "*"'),
      'apache-acao-in-front-of-upstream',
      'upstream-sends-cors',
      'MultipleAllowOriginValues',
      'warning',
    ],
    [
      proxied('Header append Access-Control-Allow-Origin "https://a.example"'),
      'apache-acao-in-front-of-upstream',
      'upstream-sends-cors',
      'MultipleAllowOriginValues',
      'warning',
    ],
    [
      'Header always set Access-Control-Allow-Origin "https://a.example"\nHeader set Access-Control-Allow-Origin "https://b.example"',
      'apache-multiple-origins',
      'always',
      'MultipleAllowOriginValues',
      'error',
    ],
    [
      'Header always set Access-Control-Allow-Origin "https://a.example https://b.example"',
      'apache-multiple-origins',
      'always',
      'MultipleAllowOriginValues',
      'error',
    ],
    [
      'Header always set Access-Control-Allow-Origin "*"\nHeader always set Access-Control-Allow-Credentials "true"',
      'apache-wildcard-with-credentials',
      'credentials',
      'WildcardOriginNotAllowed',
      'error',
    ],
    [
      'Header always set Access-Control-Allow-Origin "expr=%{req:Origin}"\nHeader always set Access-Control-Allow-Credentials "true"\nHeader always merge Vary Origin',
      'apache-reflects-any-origin-with-credentials',
      'other-origins',
      null,
      'error',
    ],
    [
      'SetEnvIfNoCase Origin "^(.+)$" O=$1\nHeader always set Access-Control-Allow-Origin "%{O}e" env=O\nHeader always set Access-Control-Allow-Credentials "true"\nHeader always merge Vary Origin',
      'apache-reflects-any-origin-with-credentials',
      'other-origins',
      null,
      'error',
    ],
    [
      'RewriteEngine On\nRewriteCond %{HTTP:Origin} (.+)\nRewriteRule ^ - [E=O:%1]\nHeader always set Access-Control-Allow-Origin "%{O}e"\nHeader always set Access-Control-Allow-Credentials "true"\nHeader always merge Vary Origin',
      'apache-reflects-any-origin-with-credentials',
      'other-origins',
      null,
      'error',
    ],
    [
      proxied('Header always set Access-Control-Allow-Origin "%{HTTP_ORIGIN}e"'),
      'apache-origin-variable-never-set',
      'always',
      'InvalidAllowOriginValue',
      'error',
    ],
    [
      'SetEnvIf Origin "^https://app.example$" O=$0\nHeader always set Access-Control-Allow-Origin "%{O}e" env=O\nHeader always merge Vary Origin',
      'apache-loose-origin-regex',
      'other-origins',
      null,
      'error',
    ],
    [
      'SetEnvIf Origin "^https://app\\.example" O=$0\nHeader always set Access-Control-Allow-Origin "%{O}e" env=O\nHeader always merge Vary Origin',
      'apache-loose-origin-regex',
      'other-origins',
      null,
      'error',
    ],
    [
      '<If "%{HTTP:Origin} =~ m#example\\.com#">\nHeader always set Access-Control-Allow-Origin "expr=%{req:Origin}"\nHeader always merge Vary Origin\n</If>',
      'apache-loose-origin-regex',
      'other-origins',
      null,
      'error',
    ],
    [
      'RewriteEngine On\nRewriteCond %{HTTP:Origin} example\\.com\nRewriteRule ^ - [E=OK:1]',
      'apache-loose-origin-regex',
      'other-origins',
      null,
      'error',
    ],
    [
      'SetEnvIf Origin "^https://(a|b)\\.example$" O=$0\nHeader always set Access-Control-Allow-Origin "%{O}e" env=O',
      'apache-origin-dependent-without-vary',
      'other-origins',
      'AllowOriginMismatch',
      'warning',
    ],
    [
      'RewriteEngine On\nRewriteCond %{REQUEST_METHOD} OPTIONS\nRewriteRule ^(.*)$ $1 [R=200,L]\nHeader set Access-Control-Allow-Origin "*"',
      'apache-rewrite-preflight-without-acao',
      'preflight',
      'PreflightMissingAllowOriginHeader',
      'error',
    ],
    [
      'RewriteEngine On\nRewriteCond %{REQUEST_METHOD} =OPTIONS\nRewriteRule ^ - [R=204,L]\nHeader always set Access-Control-Allow-Origin "*"\nHeader always set Access-Control-Allow-Methods "GET, PUT"',
      'apache-rewrite-preflight-incomplete',
      'preflight',
      'HeaderDisallowedByPreflightResponse',
      'warning',
    ],
    [
      'Header always set Access-Control-Allow-Origin "*"\nRewriteEngine On\nRewriteCond %{HTTPS} off\nRewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [L]',
      'apache-redirect-catches-preflight',
      'preflight',
      'PreflightDisallowedRedirect',
      'error',
    ],
    [
      'Header always set Access-Control-Allow-Origin "*"\nRedirect permanent "/old" "https://api.example/new"',
      'apache-redirect-catches-preflight',
      'preflight',
      'PreflightDisallowedRedirect',
      'error',
    ],
    [
      'Header always set Access-Control-Allow-Origin "*"\nHeader always set Access-Control-Max-Age "86400"',
      'apache-max-age-above-cap',
      'other',
      null,
      'info',
    ],
  ]
  for (const [text, code, when, corsError, severity] of cases) {
    it(`${code}: ${JSON.stringify(text)}`, () => {
      const f = finding(text, code)
      expect(f, JSON.stringify(codes(text))).toBeDefined()
      expect([f?.when, f?.corsError, f?.severity, f?.server]).toEqual([when, corsError, severity, 'apache'])
      expect(apacheAccepts(wrap(text))).toBe(true)
      // Snippets hold config lines only: no control characters, no free text from the config.
      expect([...(f?.fix.snippet ?? '')].some((c) => c !== '\n' && (c < ' ' || c === '\x7f'))).toBe(false)
    })
  }

  it('correct configs give no error finding', () => {
    const correct = [
      proxied('Header unset Access-Control-Allow-Origin\nHeader always set Access-Control-Allow-Origin "*"'),
      proxied(''),
      'SetEnvIf Origin "^https://(app|admin)\\.example$" O=$0\nHeader always set Access-Control-Allow-Origin "%{O}e" env=O\nHeader always set Access-Control-Allow-Credentials "true" env=O\nHeader always merge Vary "Origin"',
      '<If "%{HTTP:Origin} == \'https://app.example\'">\nHeader always set Access-Control-Allow-Origin "https://app.example"\n</If>',
      'Header always set Access-Control-Allow-Origin "*"\nHeader always set Access-Control-Allow-Methods "GET, PUT"\nHeader always set Access-Control-Allow-Headers "Content-Type"\nRewriteEngine On\nRewriteCond %{REQUEST_METHOD} OPTIONS\nRewriteRule ^(.*)$ $1 [R=200,L]',
      'Header always set Access-Control-Allow-Origin "*"\nRewriteEngine On\nRewriteCond %{REQUEST_METHOD} !=OPTIONS\nRewriteRule ^/old$ /new [R=301,L]',
      'Header always set Access-Control-Allow-Origin "*"\nHeader always set Access-Control-Max-Age "7200"',
    ]
    for (const text of correct) {
      const errs = lint([{ file: 'httpd.conf', text }], { server: 'apache' }).findings.filter(
        (f) => f.severity === 'error',
      )
      expect(
        errs.map((f) => f.code),
        text,
      ).toEqual([])
      expect(apacheAccepts(wrap(text)), text).toBe(true)
    }
  })

  it("a <VirtualHost> does not inherit the main server's rewrite rules", () => {
    const text =
      'RewriteEngine On\nRewriteRule ^/old$ /new [R=301,L]\n<VirtualHost *:80>\n    Header always set Access-Control-Allow-Origin "*"\n</VirtualHost>'
    expect(codes(text)).toEqual([])
    const inVhost = text.replace(
      '    Header',
      '    RewriteEngine On\n    RewriteRule ^/old$ /new [R=301,L]\n    Header',
    )
    expect(
      lint([{ file: 'httpd.conf', text: inVhost }], { server: 'apache' }).findings.map((f) => [
        f.code,
        f.line,
      ]),
    ).toEqual([['apache-redirect-catches-preflight', 5]])
  })

  it('<If>/<ElseIf>/<Else> branches are exclusive: one ACAO each is not "multiple origins"', () => {
    const text = [
      '<If "%{HTTP:Origin} == \'https://a.example\'">',
      '    Header always set Access-Control-Allow-Origin "https://a.example"',
      '</If>',
      '<ElseIf "%{HTTP:Origin} == \'https://b.example\'">',
      '    Header always set Access-Control-Allow-Origin "https://b.example"',
      '</ElseIf>',
      'Header always merge Vary "Origin"',
    ].join('\n')
    expect(codes(text)).toEqual([])
  })

  it('the finding names the file and line of the offending Header, and its fix is filled from the config', () => {
    const text =
      '# api\n<VirtualHost *:80>\n  <Location "/api/">\n    Header set Access-Control-Allow-Origin "https://app.example"\n    ProxyPass "http://127.0.0.1:9/api/"\n  </Location>\n</VirtualHost>\n'
    const f = finding(text, 'apache-cors-without-always')
    expect([f?.file, f?.line]).toEqual(['httpd.conf', 4])
    expect(f?.fix.snippet).toBe(
      'Header unset Access-Control-Allow-Origin\nHeader always set Access-Control-Allow-Origin "https://app.example"',
    )
    expect(apacheAccepts(wrap(text.replace('*:80', '127.0.0.1:1')))).toBe(true)
  })
})

describe('Include, IncludeOptional, .htaccess, auto-detection', () => {
  const root = join(dir, 'site')
  mkdirSync(join(root, 'conf.d'), { recursive: true })
  writeFileSync(join(root, 'conf.d', 'a.conf'), 'Header always set X-A "1"\n')
  writeFileSync(join(root, 'conf.d', 'b.conf'), '\n\nHeader set Access-Control-Allow-Origin "*"\n')
  writeFileSync(join(root, 'conf.d', 'skip.txt'), 'not included\n')

  it('globs relative to ServerRoot, sorted; the finding is in the included file at its line; httpd agrees', () => {
    const main = join(root, 'httpd.conf')
    const text = wrap('Include conf.d/*.conf\nIncludeOptional optional.d/*.conf').replace(
      `ServerRoot "${dir}"`,
      `ServerRoot "${root}"`,
    )
    writeFileSync(main, text)
    const found = lintFindings([main], 'apache')
    expect(found.map((f) => [f.code, f.file, f.line])).toEqual([
      ['apache-cors-without-always', join(root, 'conf.d', 'b.conf'), 3],
    ])
    execFileSync(APACHE, ['-t', '-d', root, '-f', main], { stdio: 'pipe' })
  })

  it('an Include whose glob matches nothing is refused, as httpd refuses it; a directory includes its files', () => {
    const main = join(root, 'none.conf')
    writeFileSync(main, wrap('Include none.d/*.conf').replace(`ServerRoot "${dir}"`, `ServerRoot "${root}"`))
    expect(() => lintFindings([main], 'apache')).toThrow(/none\.d/)
    expect(() => execFileSync(APACHE, ['-t', '-d', root, '-f', main], { stdio: 'pipe' })).toThrow()
    const whole = join(root, 'dir.conf')
    writeFileSync(whole, wrap('Include conf.d').replace(`ServerRoot "${dir}"`, `ServerRoot "${root}"`))
    expect(lintFindings([whole], 'apache').map((f) => f.code)).toEqual(['apache-cors-without-always'])
  })

  it('a .htaccess file and an Apache-looking file are linted as Apache without --server; nginx stays nginx', () => {
    const ht = readFileSync(join(import.meta.dirname, 'fixtures/apache/front-controller.htaccess'), 'utf8')
    expect(looksLikeApache({ file: 'site/.htaccess', text: ht })).toBe(true)
    expect(lint([{ file: 'site/.htaccess', text: ht }]).findings.every((f) => f.server === 'apache')).toBe(
      true,
    )
    expect(looksLikeApache({ file: 'api.conf', text: proxied('Header set X-A 1') })).toBe(true)
    expect(looksLikeApache({ file: 'api.conf', text: 'server {\n listen 80;\n location / { }\n}\n' })).toBe(
      false,
    )
    // Ambiguous (no section, no Apache-only directive): the default stays nginx.
    expect(looksLikeApache({ file: 'x.conf', text: '# nothing\n' })).toBe(false)
  })
})

describe('hostile input: a clear one-line error, never a hang or a crash', () => {
  const refuse = (text: string, file = 'httpd.conf'): string => {
    try {
      parseApache({ file, text }, () => [])
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      return (e as Error).message
    }
    throw new Error('accepted')
  }
  it('deep nesting, binary bytes, unclosed sections, an nginx block, an over-long .htaccess line', () => {
    expect(refuse('<Location "/a">\n'.repeat(200))).toMatch(/nested deeper/)
    expect(refuse('Header set X \u0000')).toMatch(/binary/)
    expect(refuse('<If "true">\nHeader set X 1\n')).toMatch(/<If> was not closed/)
    expect(refuse('http {\n  server { }\n}\n')).toMatch(/nginx or Caddy/)
    expect(refuse(`Header set X "${'a'.repeat(9000)}"`, 'x/.htaccess')).toMatch(/longer than httpd reads/)
    for (const m of [refuse('<Location "/a">\n'.repeat(200))]) expect(m.split('\n')).toHaveLength(1)
  })
  it('many sections under many outer Header lines: a clear error, not quadratic work', () => {
    const text = `${'Header always set X-A "1"\n'.repeat(3000)}${'<Location "/a">\nHeader set X-B 1\n</Location>\n'.repeat(3000)}`
    expect(() => lint([{ file: 'httpd.conf', text }], { server: 'apache' })).toThrow(/too many sections/)
  })
  it('random configs from Apache tokens: lint answers or refuses with a ConfigError, nothing else', () => {
    const tokens = [
      '<Location "/a">',
      '</Location>',
      '<If "%{HTTP:Origin} =~ /a.b/">',
      '</If>',
      '<Else>',
      '</Else>',
      '<IfModule !x>',
      '</IfModule>',
      'Header always set Access-Control-Allow-Origin "*"',
      'Header append Access-Control-Allow-Origin x',
      'Header set Access-Control-Allow-Credentials true',
      'Header unset Access-Control-Allow-Origin',
      'ProxyPass "http://127.0.0.1:9/"',
      'SetEnvIf Origin "(.*)" O=$1',
      'Header set Access-Control-Allow-Origin "%{O}e" env=O',
      'RewriteEngine On',
      'RewriteCond %{REQUEST_METHOD} OPTIONS',
      'RewriteRule ^ - [R=204,L]',
      'RewriteRule ^ /x [R]',
      '"',
      "'",
      '\\',
      '#',
      '{',
      '>',
      '<',
    ]
    let seed = 7
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    for (let i = 0; i < 400; i++) {
      const text = Array.from({ length: 1 + next(30) }, () => tokens[next(tokens.length)]).join(
        next(2) ? '\n' : ' ',
      )
      try {
        for (const f of lint([{ file: 'r.conf', text }], { server: 'apache' }).findings)
          expect(f.line).toBeGreaterThan(0)
      } catch (e) {
        expect(e, text).toBeInstanceOf(ConfigError)
      }
    }
  })
  it('large inputs are read in one pass: 40 000 lines, a 1 MB quoted word, 10 000 continuations', () => {
    const many = 'Header always set X-A "1"\n'.repeat(40_000)
    expect(parseApache({ file: 'big.conf', text: many }, () => [])).toHaveLength(40_000)
    expect(confWords(`"${'\\"'.repeat(500_000)}"`)[0]).toHaveLength(500_000)
    const cont = `Header always set X-A "${'a \\\n'.repeat(10_000)}"`
    expect(parseApache({ file: 'c.conf', text: cont }, () => [])[0]?.args[3]).toHaveLength(20_000)
  })
})

describe('public configs (patterns from GitHub, source in each file): reasoned expectations', () => {
  const fixture = (name: string): string =>
    readFileSync(join(import.meta.dirname, 'fixtures/apache', name), 'utf8')
  const expectations: Readonly<Record<string, readonly string[]>> = {
    // Bare dots: example.com also matches exampleXcom; Header add without always: missing on httpd's 404.
    'fonts-allow-list.htaccess': ['apache-loose-origin-regex', 'apache-cors-without-always'],
    // Dots escaped; no ^ before "http(s)?://" is harmless (an origin holds "://" once): only "always" is missing.
    'escaped-allow-list.conf': ['apache-cors-without-always'],
    // A front controller: CORS lines without always, a Max-Age above Chromium's 7200 s.
    'front-controller.htaccess': ['apache-cors-without-always', 'apache-max-age-above-cap'],
    // Every line "always": nothing to report.
    'laravel-always.htaccess': [],
  }
  for (const [name, expected] of Object.entries(expectations)) {
    it(name, () => {
      const text = fixture(name)
      expect(codes(text, name).sort()).toEqual([...expected].sort())
      // httpd accepts it (a .htaccess holds what a <Directory> may hold).
      expect(apacheAccepts(wrap(`<Directory "${dir}">\n${text}\n</Directory>`))).toBe(true)
    })
  }
})

describe('cors-lens lint on Apache files (the issue 18 contract)', () => {
  it('no --server: a .htaccess is linted as Apache, exit 1 on an error finding, the JSON fields; exit 2 on a broken file', async () => {
    const ht = join(dir, 'cli', '.htaccess')
    mkdirSync(join(dir, 'cli'), { recursive: true })
    writeFileSync(ht, readFileSync(join(import.meta.dirname, 'fixtures/apache/front-controller.htaccess')))
    const r = await runInProcess(['lint', '--json', ht])
    expect(r.code).toBe(1)
    const { findings } = JSON.parse(r.stdout) as { findings: Record<string, unknown>[] }
    expect(findings[0]).toMatchObject({
      server: 'apache',
      file: ht,
      line: 7,
      severity: 'error',
      when: 'error-responses',
    })
    expect(Object.keys(findings[0] ?? {}).sort()).toEqual(
      [
        'code',
        'corsError',
        'explanation',
        'file',
        'fix',
        'line',
        'server',
        'severity',
        'title',
        'when',
      ].sort(),
    )
    const human = await runInProcess(['lint', ht])
    expect(human.stdout).toContain(`${ht}:7: error:`)
    const clean = join(dir, 'cli', 'clean.conf')
    writeFileSync(
      clean,
      'Header unset Access-Control-Allow-Origin\nHeader always set Access-Control-Allow-Origin "*"\n',
    )
    expect((await runInProcess(['lint', '--server', 'apache', clean])).code).toBe(0)
    const broken = join(dir, 'cli', 'broken.conf')
    writeFileSync(broken, '<VirtualHost *:80>\n<Location "/api/">\n</VirtualHost>\n')
    const b = await runInProcess(['lint', '--server', 'apache', broken])
    expect(b.code).toBe(2)
    expect(b.stderr.trim().split('\n')).toHaveLength(1)
    expect(b.stderr).toContain('broken.conf:3')
  })
})
