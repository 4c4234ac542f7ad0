/**
 * The stacks lab: real proxies (nginx, Apache httpd, Caddy, HAProxy, the Varnish cache) and real apps (Express + cors, Fastify +
 * @fastify/cors, Hono on @hono/node-server, Koa + @koa/cors, FastAPI on
 * uvicorn, Flask + Flask-CORS, Django + django-cors-headers, Go net/http + rs/cors, Rails + rack-cors on
 * Puma) started unprivileged on loopback, each from a
 * template whose {{slots}} a scenario (or a generated fix) fills. Everything lives in a temp dir that is
 * removed on stop; every child process is killed on stop, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Stack } from '../../../src/core/fix.ts'
import { STACKS } from '../../../src/core/stacks/index.ts'

export type ProxyKind = 'nginx' | 'apache' | 'caddy' | 'varnish' | 'haproxy'
export type AppKind = 'express' | 'fastapi' | 'flask' | 'django' | 'go' | 'rails' | 'fastify' | 'hono' | 'koa'

/** Slot name → text. Unfilled slots become empty. */
export type Slots = Readonly<Record<string, string>>

export interface StackSpec {
  readonly proxy: ProxyKind | null
  readonly app: AppKind
  /** Slots of the proxy template (nginx: http, server, location, location_extra; apache: server, location; caddy: site, reverse_proxy, global, top (and the snippet `import lab_app`); varnish: top, vcl_recv, vcl_backend_response, vcl_deliver, vcl_synth; haproxy: frontend, frontend_rules, server_options). */
  readonly proxySlots?: Slots
  /** Slots of the app template (app_cors, app_cors_late, app_middleware, auth_guard, app_powered_by). */
  readonly appSlots?: Slots
  /** The proxied location (nginx `location`, Apache `<Location>`). Default "/api/". */
  readonly locationPath?: string
}

export interface RunningStack {
  /** http://127.0.0.1:PORT of the outermost layer (the proxy when there is one). */
  readonly origin: string
  readonly port: number
  /** http://127.0.0.1:PORT of the app itself, behind the proxy (what `check --upstream` asks). */
  readonly appOrigin: string
  /** The rendered configs, for failure messages. */
  readonly files: Readonly<Record<string, string>>
  stop(): Promise<void>
}

const ROOT = resolve(import.meta.dirname, '../../..')
const TEMPLATES = join(import.meta.dirname, 'templates')
/** Debian's python has fastapi/flask/django; the first python3 on PATH may be another one. */
/**
 * Where a cure's change goes in the lab: its `where` phrase is a place in one stack's config (the stack
 * modules' `config`, src/core/stacks/); a proxy template's slot is named after that place, and an app's CORS
 * setup (or auth guard) fills the app template's slots for it.
 */
export function placeOf(where: string): { readonly stack: Stack; readonly place: string } | null {
  for (const m of Object.values(STACKS))
    for (const [place, phrase] of Object.entries(m.config ?? {}))
      if (phrase === where) return { stack: m.id, place }
  return null
}

/** An app change replaces its whole CORS setup (both places a scenario may have put it). */
export const APP_SLOTS: Readonly<Record<string, readonly string[]>> = {
  cors: ['app_cors', 'app_cors_late'],
  auth: ['auth_guard'],
}

export const PYTHON = '/usr/bin/python3'

/** The file each app is written to, and (TEMPLATE) the template it is filled from. */
const APP_FILE: Record<AppKind, string> = {
  express: 'express.mjs',
  fastapi: 'fastapi_app.py',
  flask: 'flask_app.py',
  django: 'django_app.py',
  go: 'main.go',
  rails: 'config.ru',
  fastify: 'fastify.mjs',
  hono: 'hono.mjs',
  koa: 'koa.mjs',
}
const TEMPLATE: Record<AppKind, string> = {
  express: 'express.mjs.tpl',
  fastapi: 'fastapi_app.py',
  flask: 'flask_app.py',
  django: 'django_app.py',
  go: 'go_app.go',
  rails: 'rails_app.ru',
  fastify: 'fastify.mjs.tpl',
  hono: 'hono.mjs.tpl',
  koa: 'koa.mjs.tpl',
}
/** Go builds in GOPATH mode against Debian's packaged sources; the build cache outlives one stack. */
const GO_ENV = {
  GOPATH: '/usr/share/gocode',
  GO111MODULE: 'off',
  GOFLAGS: '',
  GOCACHE: join(tmpdir(), 'cors-lens-gocache'),
}
const GO_BIN_DIR = join(tmpdir(), 'cors-lens-gobin')

/** Replace every {{name}} with its value ('' when not given), indenting multi-line values like the slot. */
export function fillTemplate(template: string, slots: Slots): string {
  return template.replace(/^([ \t]*)\{\{(\w+)\}\}[ \t]*$|\{\{(\w+)\}\}/gm, (_m, indent, lineSlot, inline) => {
    if (lineSlot !== undefined) {
      const v = slots[lineSlot] ?? ''
      return v
        .split('\n')
        .map((l) => (l === '' ? l : indent + l))
        .join('\n')
    }
    return slots[inline] ?? ''
  })
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => res(port))
    })
  })
}

/** Poll until the port answers HTTP (any status) or the process dies. */
async function waitReady(port: number, proc: ChildProcess, name: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}):\n${log()}`)
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`${name} did not answer on port ${port}:\n${log()}`)
}

interface Child {
  readonly proc: ChildProcess
  readonly name: string
  readonly log: () => string
}

function launch(
  name: string,
  cmd: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Child {
  // detached: the child leads its own process group, so stop() can end it and anything it forked.
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: 'pipe' })
  let out = ''
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-8000)
  }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  return { proc, name, log: () => out }
}

async function kill(child: Child): Promise<void> {
  const { proc } = child
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  try {
    process.kill(-proc.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      if (proc.pid !== undefined) process.kill(-proc.pid, 'SIGKILL')
    } catch {}
  }, 3000)
  await exited
  clearTimeout(timer)
}

function startApp(app: AppKind, dir: string, port: number, slots: Slots): Child {
  const source = fillTemplate(readFileSync(join(TEMPLATES, TEMPLATE[app]), 'utf8'), slots)
  const file = join(dir, APP_FILE[app])
  writeFileSync(file, source)
  const env = { PORT: String(port), PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' }
  switch (app) {
    case 'express':
      // The app imports express/cors: resolve them from the repo's node_modules.
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
      return launch('express', process.execPath, [file], dir, env)
    case 'fastify':
    case 'hono':
    case 'koa':
      // Fastify 5 + @fastify/cors, Hono 4 + @hono/node-server, Koa 2 + @koa/cors: from the repo's node_modules, as Express.
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
      return launch(app, process.execPath, [file], dir, env)
    case 'fastapi':
      return launch(
        'uvicorn',
        PYTHON,
        [
          '-m',
          'uvicorn',
          'fastapi_app:app',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--no-access-log',
        ],
        dir,
        env,
      )
    case 'flask':
      return launch('flask', PYTHON, [file], dir, env)
    case 'django':
      return launch('django', PYTHON, [file], dir, env)
    case 'go': {
      // One build per distinct source (a cure re-runs the same program); exec, so stopping the group stops it.
      const bin = join(GO_BIN_DIR, `${createHash('sha256').update(source).digest('hex').slice(0, 16)}`)
      mkdirSync(GO_BIN_DIR, { recursive: true })
      const script = `[ -x ${bin} ] || go build -o ${bin} main.go && exec ${bin}`
      return launch('go', '/bin/sh', ['-c', script], dir, { ...env, ...GO_ENV })
    }
    case 'rails':
      return launch(
        'rails',
        '/usr/bin/rackup',
        ['-s', 'puma', '-o', '127.0.0.1', '-p', String(port), file],
        dir,
        { ...env, RACK_ENV: 'production', RAILS_ENV: 'production' },
      )
  }
}

function startProxy(
  proxy: ProxyKind,
  dir: string,
  port: number,
  appPort: number,
  spec: StackSpec,
): [Child, string] {
  const prefix = join(dir, proxy)
  mkdirSync(prefix, { recursive: true })
  const slots: Slots = {
    ...spec.proxySlots,
    prefix,
    port: String(port),
    app_port: String(appPort),
    location_path: spec.locationPath ?? '/api/',
  }
  switch (proxy) {
    case 'nginx': {
      const conf = fillTemplate(readFileSync(join(TEMPLATES, 'nginx.conf'), 'utf8'), slots)
      writeFileSync(join(prefix, 'nginx.conf'), conf)
      const args = ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', join(prefix, 'nginx.conf')]
      return [launch('nginx', '/usr/sbin/nginx', [...args, '-g', 'daemon off;'], prefix, {}), conf]
    }
    case 'apache': {
      const conf = fillTemplate(readFileSync(join(TEMPLATES, 'apache.conf'), 'utf8'), slots)
      writeFileSync(join(prefix, 'httpd.conf'), conf)
      // -X: one process in the foreground; -d/-f: our server root and config, nothing from /etc/apache2.
      return [
        launch(
          'apache2',
          '/usr/sbin/apache2',
          ['-X', '-d', prefix, '-f', join(prefix, 'httpd.conf')],
          prefix,
          {},
        ),
        conf,
      ]
    }
    case 'caddy': {
      const conf = fillTemplate(readFileSync(join(TEMPLATES, 'Caddyfile'), 'utf8'), slots)
      writeFileSync(join(prefix, 'Caddyfile'), conf)
      // Caddy writes its data and config under XDG dirs: keep them in the prefix.
      const env = {
        XDG_DATA_HOME: join(prefix, 'data'),
        XDG_CONFIG_HOME: join(prefix, 'config'),
        HOME: prefix,
      }
      return [
        launch(
          'caddy',
          '/usr/bin/caddy',
          ['run', '--config', join(prefix, 'Caddyfile'), '--adapter', 'caddyfile'],
          prefix,
          env,
        ),
        conf,
      ]
    }
    case 'varnish':
      return startVarnish(prefix, port, slots)
    case 'haproxy': {
      const conf = fillTemplate(readFileSync(join(TEMPLATES, 'haproxy.cfg'), 'utf8'), slots)
      writeFileSync(join(prefix, 'haproxy.cfg'), conf)
      // -db: foreground, no daemon (https://docs.haproxy.org/2.6/management.html#3).
      return [
        launch('haproxy', '/usr/sbin/haproxy', ['-db', '-f', join(prefix, 'haproxy.cfg')], prefix, {}),
        conf,
      ]
    }
  }
}

/**
 * varnishd in the foreground (-F) with its own work dir (-n) and a small malloc store. `-j none`: no
 * privilege-dropping jail, so it runs as whoever runs the lab (as root the unix jail's users could not
 * enter the lab's 0700 temp dir); see https://varnish-cache.org/docs/7.1/reference/varnishd.html
 */
function startVarnish(prefix: string, port: number, slots: Slots): [Child, string] {
  const vcl = fillTemplate(readFileSync(join(TEMPLATES, 'varnish.vcl'), 'utf8'), slots)
  writeFileSync(join(prefix, 'default.vcl'), vcl)
  const args = ['-F', '-j', 'none', '-a', `127.0.0.1:${port}`, '-f', join(prefix, 'default.vcl')]
  const store = ['-n', join(prefix, 'work'), '-s', 'malloc,32m', '-T', 'none']
  return [launch('varnishd', '/usr/sbin/varnishd', [...args, ...store], prefix, {}), vcl]
}

/** Start the app (and the proxy in front of it) on free loopback ports; wait until both answer. */
export async function startStack(spec: StackSpec): Promise<RunningStack> {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-stack-'))
  const children: Child[] = []
  const files: Record<string, string> = {}
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(kill))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const appPort = await freePort()
    const app = startApp(spec.app, dir, appPort, spec.appSlots ?? {})
    children.push(app)
    files[spec.app] = readFileSync(join(dir, APP_FILE[spec.app]), 'utf8')
    let port = appPort
    if (spec.proxy) {
      port = await freePort()
      const [proxy, conf] = startProxy(spec.proxy, dir, port, appPort, spec)
      children.push(proxy)
      files[spec.proxy] = conf
    }
    await waitReady(appPort, app.proc, app.name, app.log)
    const outer = children[children.length - 1]
    if (outer && outer !== app) await waitReady(port, outer.proc, outer.name, outer.log)
    return { origin: `http://127.0.0.1:${port}`, port, appOrigin: `http://127.0.0.1:${appPort}`, files, stop }
  } catch (e) {
    await stop()
    throw e
  }
}
