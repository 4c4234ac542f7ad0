#!/usr/bin/env node
// Installs the system prerequisites of the lab (`npm run setup`; `npm start`, `npm test` and `npm run bench`
// call it first). It acts only when something is missing: apt-get where it can, otherwise it names what to
// install and stops.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const DEBIAN_PYTHON = '/usr/bin/python3'
const PY_MODULES = ['fastapi', 'uvicorn', 'flask_cors', 'django', 'corsheaders']

/** Each prerequisite: how to tell it is there, and the Debian package that brings it. */
const NEEDS = [
  {
    what: 'Chromium',
    pkg: 'chromium',
    ok: () =>
      ['/usr/lib/chromium/chromium', '/usr/bin/chromium', process.env.CHROMIUM_PATH].some(
        (p) => p && existsSync(p),
      ),
  },
  { what: 'Firefox ESR', pkg: 'firefox-esr', ok: () => existsSync('/usr/bin/firefox-esr') },
  { what: 'nginx', pkg: 'nginx-light', ok: () => existsSync('/usr/sbin/nginx') },
  { what: 'Apache httpd', pkg: 'apache2', ok: () => existsSync('/usr/sbin/apache2') },
  { what: 'Caddy', pkg: 'caddy', ok: () => existsSync('/usr/bin/caddy') },
  { what: 'Varnish', pkg: 'varnish', ok: () => existsSync('/usr/sbin/varnishd') },
  { what: 'HAProxy', pkg: 'haproxy', ok: () => existsSync('/usr/sbin/haproxy') },
  // vmod_header's header.append adds a line where VCL's own `set` replaces them all (a lab scenario needs it).
  {
    what: 'varnish-modules (vmod_header)',
    pkg: 'varnish-modules',
    ok: () => existsSync('/usr/share/doc/varnish-modules'),
  },
  // Go + rs/cors, built offline in GOPATH mode against /usr/share/gocode.
  { what: 'Go', pkg: 'golang-go', ok: () => existsSync('/usr/bin/go') },
  {
    what: 'rs/cors (Go)',
    pkg: 'golang-github-rs-cors-dev',
    ok: () => existsSync('/usr/share/gocode/src/github.com/rs/cors/cors.go'),
  },
  // php -l checks the generated config/cors.php (Debian's Laravel 8 has no CORS middleware to run it with).
  { what: 'PHP CLI', pkg: 'php-cli', ok: () => existsSync('/usr/bin/php') },
  // Rails (railties + actionpack) with rack-cors, served by Puma through rackup.
  { what: 'rackup', pkg: 'ruby-rack', ok: () => existsSync('/usr/bin/rackup') },
  { what: 'Puma', pkg: 'puma', ok: () => existsSync('/usr/bin/puma') },
  {
    what: 'rack-cors',
    pkg: 'ruby-rack-cors',
    ok: () => existsSync('/usr/lib/ruby/vendor_ruby/rack/cors.rb'),
  },
  {
    what: 'Rails (railties, actionpack)',
    pkg: 'ruby-railties',
    ok: () => spawnSync('ruby', ['-e', 'require "action_controller/railtie"']).status === 0,
  },
  // The Local Network Access pages are https with a certificate the lab makes at run time.
  { what: 'openssl', pkg: 'openssl', ok: () => existsSync('/usr/bin/openssl') },
  // xmllint --schema validates the CLI's JUnit output (test/cli/formats.test.ts).
  { what: 'xmllint', pkg: 'libxml2-utils', ok: () => existsSync('/usr/bin/xmllint') },
  ...PY_MODULES.map((m) => ({
    what: `Python module ${m} (Debian's python3)`,
    pkg: {
      fastapi: 'python3-fastapi',
      uvicorn: 'python3-uvicorn',
      flask_cors: 'python3-flask-cors',
      django: 'python3-django',
      corsheaders: 'python3-django-cors-headers',
    }[m],
    module: m,
  })),
]

function missingModules() {
  if (!existsSync(DEBIAN_PYTHON)) return new Set(PY_MODULES)
  const code = `import importlib.util as u\nfor m in ${JSON.stringify(PY_MODULES)}:\n    print(m) if u.find_spec(m) is None else None`
  const r = spawnSync(DEBIAN_PYTHON, ['-c', code], { encoding: 'utf8' })
  return new Set(r.status === 0 ? r.stdout.split('\n').filter(Boolean) : PY_MODULES)
}

function missing() {
  const mods = missingModules()
  return NEEDS.filter((n) =>
    n.module ? mods.has(n.module) : !(process.env.CHROMIUM_PATH && n.pkg === 'chromium') && !n.ok(),
  )
}

let todo = missing()
if (todo.length === 0) process.exit(0)

const pkgs = [...new Set(todo.map((n) => n.pkg))]
const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')
if (!canApt) {
  console.error(`CORS Lens needs: ${todo.map((n) => n.what).join(', ')}.`)
  console.error(`On Debian/Ubuntu: sudo apt-get install -y ${pkgs.join(' ')}`)
  console.error('Then run this command again. (Set CHROMIUM_PATH to use another Chromium.)')
  process.exit(1)
}
console.log(`setup: installing ${pkgs.join(' ')} (apt-get)…`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  // --no-install-recommends keeps it small; the services must not start system-wide (the lab runs its own).
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    stdio: 'inherit',
    env,
  })
} catch {
  console.error(`setup: apt-get failed. Install by hand: apt-get install -y ${pkgs.join(' ')}`)
  process.exit(1)
}
todo = missing()
if (todo.length > 0) {
  console.error(`setup: still missing after apt-get: ${todo.map((n) => n.what).join(', ')}`)
  process.exit(1)
}
console.log('setup: all prerequisites present.')
