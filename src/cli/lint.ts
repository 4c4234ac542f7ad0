/** `cors-lens lint [--json] [--server nginx|apache|caddy] PATH...`: config files read here, linted by the core. */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  ConfigError,
  fullName,
  globMatch,
  hasGlob,
  LINT_LIMITS as LIMITS,
  type LintFinding,
  type LintServer,
  lint,
  type SourceFile,
  whenWords,
} from '../core/index.ts'
import { formatOption, isCi, lintCi } from './formats.ts'
import { CliError, EXIT } from './io.ts'
import type { Output } from './terminal.ts'

/**
 * Maps a path to the one to read, or throws a CliError: the MCP server's allowed roots (mcp-roots.ts), for
 * the files named and every file an `include` reaches.
 */
export type Confine = (path: string) => string

export function readText(path: string, confine?: Confine): string {
  const real = confine ? confine(path) : path
  try {
    if (!confine && path === '-') return readFileSync(0, 'utf8')
    const s = statSync(real)
    if (s.isDirectory()) throw new CliError(`${path}: is a directory, not a config file`)
    if (s.size > LIMITS.maxBytes)
      throw new CliError(`${path}: more than cors-lens reads (${LIMITS.maxBytes / 1024 / 1024} MB)`)
    return readFileSync(real, 'utf8')
  } catch (e) {
    if (e instanceof CliError) throw e
    const code = (e as NodeJS.ErrnoException).code ?? ''
    throw new CliError(
      `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code || String(e)})`}`,
    )
  }
}

/** nginx's include: relative to the main file's directory; a glob expands to its sorted matches. */
function resolver(main: string, confine?: Confine) {
  return (pattern: string): SourceFile[] | string => {
    const full = fullName(pattern, main === '-' ? './' : main)
    try {
      if (!hasGlob(full)) return [{ file: full, text: readText(full, confine) }]
      const dir = dirname(full)
      if (hasGlob(dir)) return `include "${pattern}": globs in directory names are not supported`
      return readdirSync(confine ? confine(dir) : dir)
        .map((n) => join(dir, n))
        .filter((p) => globMatch(full, p))
        .sort()
        .map((p) => ({ file: p, text: readText(p, confine) }))
    } catch (e) {
      return e instanceof Error ? e.message : String(e)
    }
  }
}

export function human(f: LintFinding): string[] {
  return [
    `${f.file}:${f.line}: ${f.severity}: ${f.title} [${f.code}]`,
    `  ${f.explanation}`,
    `  Bites ${whenWords(f.when, f.server)}${f.corsError ? `: Chromium reports ${f.corsError}` : ' (no browser error: a security risk)'}.`,
    `  Fix (${f.fix.where}):`,
    ...f.fix.snippet.split('\n').map((l) => `    ${l}`),
    '',
  ]
}

export function runLint(argv: readonly string[], out: Output): number {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), { usage: true })
  }
  const { values, positionals } = parsed
  if (positionals.length === 0)
    throw new CliError('lint takes at least one PATH (- for stdin)', { usage: true })
  // No --server: the core tells nginx, Apache and Caddy apart by the file's name and content.
  const server = values.server
  if (server !== undefined && server !== 'nginx' && server !== 'apache' && server !== 'caddy')
    throw new CliError(`--server must be nginx, apache or caddy (not "${server}")`, { usage: true })
  const format = formatOption(values)
  const findings = lintFindings(positionals, server as LintServer | undefined)
  if (isCi(format)) lintCi(format, findings, human, out)
  else if (format === 'json') out.json(JSON.stringify({ findings }, null, 2))
  else {
    for (const f of findings) out.lines(human(f))
    const errors = findings.filter((f) => f.severity === 'error').length
    out.line(
      `${findings.length} finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'})`,
    )
  }
  return findings.some((f) => f.severity === 'error') ? EXIT.blocked : EXIT.allowed
}

/**
 * What `lint --json` prints under "findings": the one path behind `lint` and the MCP server's `lint_config`.
 * A path is read (`-`: stdin, unless confined); a SourceFile is linted as given.
 */
export function lintFindings(
  inputs: readonly (string | SourceFile)[],
  /** Without one, each file's server is detected (detectServer). */
  server: LintServer | undefined,
  confine?: Confine,
): LintFinding[] {
  const findings: LintFinding[] = []
  for (const input of inputs) {
    const file = typeof input === 'string' ? input : input.file
    try {
      const source = typeof input === 'string' ? { file, text: readText(file, confine) } : input
      findings.push(...lint([source], { server, resolve: resolver(file, confine) }).findings)
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(e.message)
      if (e instanceof RangeError) throw new CliError(`${file}: too large or too deeply nested to read`)
      throw e
    }
  }
  return findings
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' }, server: { type: 'string' }, format: { type: 'string' } },
  })
}
