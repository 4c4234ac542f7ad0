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

const APACHE = '/usr/sbin/apache2'
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-lint-apache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const MODULES = ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http', 'rewrite', 'setenvif']
/** A whole httpd.conf around `body` (the lab template's header: our own root, only the modules needed). */
export const wrap = (body: string): string =>
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
