/**
 * `npm start` stops everything it started — the seed's nginx and Express (each in its own process group,
 * so Ctrl+C in the terminal does not reach them), Chromium, the lab's ports and the temporary profile —
 * however it ends: Ctrl+C, or the browser closing under it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const PORTS = [8700, 8701, 8702, 8703]

/** Alive and not a zombie (a reparented child may wait for a reaper that never comes). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Every process below `root`, by parent links. */
function descendants(root: number): { pid: number; command: string }[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), command: m[3] ?? '' }))
  const out: { pid: number; command: string }[] = []
  const queue = [root]
  while (queue.length > 0) {
    const parent = queue.shift()
    for (const r of rows)
      if (r.ppid === parent) {
        out.push({ pid: r.pid, command: r.command })
        queue.push(r.pid)
      }
  }
  return out
}

/** The profile this run's Chromium uses, from its command line (other tests' browsers have their own). */
function profileOf(started: readonly { command: string }[]): string | null {
  for (const p of started) {
    const dir = /--user-data-dir=(\S+)/.exec(p.command)?.[1]
    if (dir) return dir
  }
  return null
}

function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      done(true)
    })
    socket.once('error', () => done(false))
  })
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return check()
}

/** Starts `npm start`'s script headless and waits until it says it is running. */
async function start(): Promise<{ child: ChildProcess; output: () => string }> {
  // As `npm start` runs it, in a process group of its own like a terminal's foreground job. Not through the
  // tsx command: it relays Ctrl+C to its child and SIGKILLs it if the child has not answered in 30 ms.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/harness/start.ts', '--headless'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const ready = await until(() => out.includes('CORS Lens is running.') || child.exitCode !== null, 150_000)
  if (!ready || child.exitCode !== null) {
    child.kill('SIGKILL')
    throw new Error(`npm start did not come up:\n${out}`)
  }
  return { child, output: () => out }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((done) => child.once('exit', (code) => done(code)))
}

async function expectAllStopped(started: { pid: number; command: string }[], output: string): Promise<void> {
  const left = async () => started.filter((p) => alive(p.pid))
  await until(async () => (await left()).length === 0, 10_000)
  expect(
    (await left()).map((p) => p.command.slice(0, 120)),
    output.slice(-3000),
  ).toEqual([])
  for (const port of PORTS) expect(await listening(port)).toBe(false)
  const profile = profileOf(started)
  expect(profile, 'the Chromium command line names its profile').not.toBeNull()
  expect(existsSync(profile ?? ''), `${profile} is removed`).toBe(false)
}

describe('npm start cleans up after itself', () => {
  it('on Ctrl+C: nginx, Express, Chromium, the lab ports and the profile are gone', async () => {
    const { child, output } = await start()
    const started = descendants(child.pid ?? -1)
    expect(started.some((p) => /nginx/.test(p.command))).toBe(true)
    expect(started.some((p) => /chromium/.test(p.command))).toBe(true)
    // Ctrl+C: the terminal signals the whole foreground group (tsx, node, Chromium), not the lab's servers.
    process.kill(-(child.pid ?? -1), 'SIGINT')
    await exited(child)
    await expectAllStopped(started, output())
  }, 240_000)

  it('when the browser goes away under it', async () => {
    const { child, output } = await start()
    const started = descendants(child.pid ?? -1)
    const browser = started.find((p) => /chromium/.test(p.command) && !/--type=/.test(p.command))
    expect(browser).toBeDefined()
    process.kill(browser?.pid ?? -1, 'SIGKILL')
    expect(await exited(child)).toBe(0)
    await expectAllStopped(started, output())
  }, 240_000)
})
