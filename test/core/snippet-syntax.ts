/**
 * Parses fix snippets with each language's own checker, many snippets per checker run (one process per
 * language, whatever the count): V8 (vm.SourceTextModule, what `node --check` runs), CPython's compile()
 * (what py_compile runs), javac's parser, Ruby's compiler, `nginx -t`, `apache2 -t`, `caddy adapt` and
 * `varnishd -C` (VCL compiled to C: syntax, and which variables each sub may touch).
 * A checker the machine lacks is reported as missing, never counted as a pass.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WHERE as NGINX } from '../../src/core/fixes/nginx.ts'
import type { Fix } from '../../src/core/index.ts'
import { STACKS } from '../../src/core/stacks/index.ts'

export interface SyntaxReport {
  /** Snippets parsed per checker. */
  readonly checked: Record<string, number>
  readonly missing: string[]
  /** "checker: label: message" for every snippet that does not parse. */
  readonly failures: string[]
}

interface Piece {
  readonly label: string
  readonly code: string
}

const has = (cmd: string, args: string[]): boolean =>
  spawnSync(cmd, args, { encoding: 'utf8' }).error === undefined

/** The app-side changes of a stack's fix (what goes into a program file), without shell lines. */
function appParts(fix: Fix): string[] {
  return fix.changes
    .filter((c) => c.layer !== 'proxy' && !c.where.startsWith('shell'))
    .map((c) => {
      // A guard's first line goes inside the user's own auth function: checked there.
      if (c.where === STACKS.express.config?.auth) return `function auth(req, res, next) {\n${c.snippet}\n}`
      if (c.where === STACKS.flask.config?.auth) return `def auth():\n${c.snippet.replace(/^/gm, '    ')}`
      return c.snippet
    })
}

function proxyParts(fix: Fix): { where: string; snippet: string }[] {
  return fix.changes.filter((c) => c.layer === 'proxy')
}

export function collect(fixes: readonly Fix[]): Record<string, Piece[]> {
  const out: Record<string, Piece[]> = {
    js: [],
    python: [],
    java: [],
    ruby: [],
    nginx: [],
    apache: [],
    caddy: [],
    vcl: [],
  }
  fixes.forEach((fix, i) => {
    const label = `${fix.stack}#${i} ${fix.title.slice(0, 60)}`
    const add = (lang: string, code: string): void => {
      out[lang]?.push({ label, code })
    }
    switch (fix.stack) {
      case 'express':
      case 'client':
        for (const p of appParts(fix)) add('js', p)
        break
      case 'fastify':
        add('js', fix.snippet)
        break
      case 'fastapi':
      case 'flask':
      case 'django':
        for (const p of appParts(fix)) add('python', p)
        break
      case 'spring':
        if (/public class \w+/.test(fix.snippet)) add('java', fix.snippet)
        break
      case 'rails':
        add('ruby', fix.snippet)
        break
      case 'nginx':
        // A cure for a newer nginx than the machine's (add_header_inherit needs 1.29.3): not parseable here.
        if (!fix.requires) add('nginx', JSON.stringify(proxyParts(fix)))
        break
      case 'apache':
      case 'caddy':
        add(fix.stack, JSON.stringify(proxyParts(fix)))
        break
      case 'varnish':
        add('vcl', JSON.stringify(proxyParts(fix)))
        break
      default:
        break
    }
  })
  return out
}

function run(cmd: string, args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 })
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` }
}

const JS_CHECK = `
const vm = require('node:vm'); const fs = require('node:fs')
const bad = []
for (const [label, code] of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  try { new vm.SourceTextModule(code) } catch (e) { bad.push(label + ': ' + e.message) }
}
process.stdout.write(JSON.stringify(bad))`

const PY_CHECK = `
import json, sys
bad = []
for label, code in json.load(sys.stdin):
    try:
        compile(code, label, "exec")
    except SyntaxError as e:
        bad.append(label + ": " + str(e))
sys.stdout.write(json.dumps(bad))`

const RUBY_CHECK = `
require 'json'
bad = []
JSON.parse(STDIN.read).each do |label, code|
  begin
    RubyVM::InstructionSequence.compile(code)
  rescue SyntaxError => e
    bad << "#{label}: #{e.message.lines.first}"
  end
end
print JSON.generate(bad)`

function listChecker(cmd: string, args: string[], pieces: readonly Piece[]): string[] {
  const r = run(cmd, args, JSON.stringify(pieces.map((p) => [p.label, p.code])))
  try {
    return JSON.parse(r.out) as string[]
  } catch {
    return [`${cmd} did not run: ${r.out.slice(0, 300)}`]
  }
}

function javaCheck(pieces: readonly Piece[], dir: string): string[] {
  const files = pieces.map((p, i) => {
    const name = /public class (\w+)/.exec(p.code)?.[1] ?? 'Unnamed'
    const sub = join(dir, `j${i}`)
    mkdirSync(sub, { recursive: true })
    writeFileSync(join(sub, `${name}.java`), p.code)
    return join(sub, `${name}.java`)
  })
  const r = run('javac', ['-proc:none', '-XDshould-stop.ifNoError=PARSE', '-d', join(dir, 'out'), ...files])
  return r.status === 0 ? [] : [`javac: ${r.out.slice(0, 2000)}`]
}

const parts = (p: Piece): { where: string; snippet: string }[] =>
  JSON.parse(p.code) as { where: string; snippet: string }[]

function nginxCheck(pieces: readonly Piece[], dir: string): string[] {
  const http: string[] = []
  pieces.forEach((p, i) => {
    // Each fix gets its own map variable and server: several fixes in one config must not collide.
    const slot = (where: string): string =>
      parts(p)
        .filter((c) => c.where === where)
        .map((c) => c.snippet.replaceAll('$cors_origin', `$cors_origin_${i}`))
        .join('\n')
    http.push(slot(NGINX.http))
    http.push(`server {
  listen 127.0.0.1:9;
  server_name s${i}.test;
${slot(NGINX.server)}
  location /api/ {
${slot(NGINX.location)}
    proxy_pass http://127.0.0.1:9;
  }
}`)
  })
  const conf = `pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/px; fastcgi_temp_path ${dir}/fc;
  uwsgi_temp_path ${dir}/uw; scgi_temp_path ${dir}/sc;
${http.join('\n')}
}`
  writeFileSync(join(dir, 'nginx.conf'), conf)
  const r = run('/usr/sbin/nginx', [
    '-t',
    '-q',
    '-p',
    dir,
    '-e',
    join(dir, 'error.log'),
    '-c',
    join(dir, 'nginx.conf'),
  ])
  return r.status === 0 ? [] : [`nginx -t: ${r.out.slice(0, 2000)}`]
}

function apacheCheck(pieces: readonly Piece[], dir: string): string[] {
  const mod = (name: string, file: string): string =>
    `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${file}.so`
  const locations = pieces.map(
    (p, i) =>
      `<Location "/p${i}/">\n${parts(p)
        .map((c) => c.snippet)
        .join('\n')}\n</Location>`,
  )
  const conf = [
    `ServerRoot "${dir}"`,
    'ServerName api.test',
    'Listen 127.0.0.1:9',
    `PidFile "${dir}/httpd.pid"`,
    `ErrorLog "${dir}/error.log"`,
    `DefaultRuntimeDir "${dir}"`,
    `Mutex file:${dir} default`,
    mod('mpm_event', 'mpm_event'),
    mod('authz_core', 'authz_core'),
    mod('headers', 'headers'),
    mod('rewrite', 'rewrite'),
    mod('setenvif', 'setenvif'),
    ...locations,
  ].join('\n')
  writeFileSync(join(dir, 'apache.conf'), conf)
  const r = run('/usr/sbin/apache2', ['-t', '-d', dir, '-f', join(dir, 'apache.conf')])
  return r.status === 0 ? [] : [`apache2 -t: ${r.out.slice(0, 2000)}`]
}

function caddyCheck(pieces: readonly Piece[], dir: string): string[] {
  const sites = pieces.map(
    (p, i) =>
      `http://:${20000 + i} {\n${parts(p)
        .map((c) => c.snippet)
        .join('\n')}\n  respond "ok"\n}`,
  )
  writeFileSync(join(dir, 'Caddyfile'), `{\n  admin off\n  auto_https off\n}\n${sites.join('\n')}\n`)
  const r = run('caddy', ['adapt', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'])
  return r.status === 0 ? [] : [`caddy adapt: ${r.out.slice(0, 2000)}`]
}

/** Varnish's config places are its subs. */
const VCL_SUB: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(STACKS.varnish.config ?? {}).map(([sub, where]) => [where, sub]),
)

/** One VCL file: each change in its own copy of its sub (VCL concatenates subs of one name, in order). */
function vclCheck(pieces: readonly Piece[], dir: string): string[] {
  const subs = pieces.flatMap((p) =>
    parts(p).map(
      (c) =>
        `# ${p.label.replace(/\n/g, ' ')}\nsub ${VCL_SUB[c.where] ?? `unknown_where`} {\n${c.snippet}\n}`,
    ),
  )
  const vcl = `vcl 4.1;\nbackend default { .host = "127.0.0.1"; .port = "9"; }\n${subs.join('\n')}\n`
  writeFileSync(join(dir, 'check.vcl'), vcl)
  const r = run('/usr/sbin/varnishd', [
    '-C',
    '-j',
    'none',
    '-n',
    join(dir, 'work'),
    '-f',
    join(dir, 'check.vcl'),
  ])
  return r.status === 0 ? [] : [`varnishd -C: ${r.out.slice(0, 2000)}`]
}

const CHECKERS: Record<
  string,
  { readonly probe: [string, string[]]; readonly check: (p: readonly Piece[], dir: string) => string[] }
> = {
  js: {
    probe: [process.execPath, ['--version']],
    check: (p) =>
      listChecker(process.execPath, ['--experimental-vm-modules', '--no-warnings', '-e', JS_CHECK], p),
  },
  python: { probe: ['python3', ['--version']], check: (p) => listChecker('python3', ['-c', PY_CHECK], p) },
  java: { probe: ['javac', ['-version']], check: javaCheck },
  ruby: { probe: ['ruby', ['--version']], check: (p) => listChecker('ruby', ['-e', RUBY_CHECK], p) },
  nginx: { probe: ['/usr/sbin/nginx', ['-v']], check: nginxCheck },
  apache: { probe: ['/usr/sbin/apache2', ['-v']], check: apacheCheck },
  caddy: { probe: ['caddy', ['version']], check: caddyCheck },
  vcl: { probe: ['/usr/sbin/varnishd', ['-V']], check: vclCheck },
}

/** Every snippet of these fixes through its language's checker: one run per language. */
export function checkSyntax(fixes: readonly Fix[]): SyntaxReport {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-syntax-'))
  const checked: Record<string, number> = {}
  const missing: string[] = []
  const failures: string[] = []
  try {
    for (const [lang, pieces] of Object.entries(collect(fixes))) {
      const checker = CHECKERS[lang]
      if (!checker || pieces.length === 0) continue
      if (!has(...checker.probe)) {
        missing.push(lang)
        continue
      }
      const sub = join(dir, lang)
      mkdirSync(sub, { recursive: true })
      failures.push(...checker.check(pieces, sub).map((f) => `${lang}: ${f}`))
      checked[lang] = pieces.length
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return { checked, missing, failures }
}
