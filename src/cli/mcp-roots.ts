/**
 * The MCP server's file access: only inside the roots it was started with (`cors-lens mcp --root DIR`, the
 * current directory by default). A path is judged twice: as written (so nothing outside is even looked up)
 * and after realpath (so a symlink inside a root cannot lead out of it). The real path is what is read.
 */
import { realpathSync, statSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import { CliError } from './io.ts'

/** Longer than any real path (PATH_MAX is 4096 on Linux): a longer argument is refused unread. */
export const MAX_PATH_CHARS = 4096

/**
 * C0 controls, DEL and C1: no file name, URL or method an agent means has them (fetch() refuses them in a URL
 * or a method), and they would reach our messages.
 */
export function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true
  }
  return false
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

function errnoCode(e: unknown): string {
  return e !== null && typeof e === 'object' && 'code' in e ? String(e.code) : ''
}

export class Roots {
  private constructor(readonly dirs: readonly string[]) {}

  /** Each DIR as its real path; a DIR that is not a directory is a start-up error (exit 2). */
  static of(dirs: readonly string[]): Roots {
    return new Roots(dirs.map(realDirectory))
  }

  /** The real path to read for `path` (relative: to the first root), or a CliError saying why not. */
  confine(path: string): string {
    if (path === '' || path.length > MAX_PATH_CHARS || hasControl(path))
      throw new CliError('the path is empty, too long or has a control character')
    const base = this.dirs[0] ?? process.cwd()
    const lexical = resolve(base, path)
    if (!this.allows(lexical)) throw this.outside(path)
    let real: string
    try {
      real = realpathSync(lexical)
    } catch (e) {
      const code = errnoCode(e)
      throw new CliError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code || e})`}`)
    }
    if (!this.allows(real)) throw this.outside(path, 'through a symbolic link')
    return real
  }

  private allows(path: string): boolean {
    return this.dirs.some((root) => within(path, root))
  }

  private outside(path: string, how = ''): CliError {
    return new CliError(
      `${path}: outside the directories this server may read${how ? ` (${how})` : ''}: ${this.dirs.join(', ')}. Start it with --root DIR to allow another one.`,
    )
  }
}

function realDirectory(dir: string): string {
  let real: string
  try {
    real = realpathSync(resolve(dir))
  } catch {
    throw new CliError(`--root "${dir}": no such directory`, { usage: true })
  }
  if (!statSync(real).isDirectory()) throw new CliError(`--root "${dir}": not a directory`, { usage: true })
  return real
}
