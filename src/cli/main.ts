/** The `cors-lens` command: picks the subcommand, and turns every failure into one line and exit code 2. */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runCheck } from './check.ts'
import { runExplain } from './explain.ts'
import { ciErrorLines } from './formats.ts'
import { CliError, EXIT, type Io, processIo } from './io.ts'
import { runLint } from './lint.ts'
import { Output } from './terminal.ts'
import { USAGE, VERSION } from './usage.ts'

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const out = new Output(io)
  try {
    return await run(argv, out)
  } finally {
    out.end()
  }
}

async function run(argv: readonly string[], out: Output): Promise<number> {
  const usage = USAGE.split('\n')
  const [command, ...rest] = argv
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      if (command === undefined) {
        for (const l of usage) out.error(l)
        return EXIT.unusable
      }
      out.lines(usage)
      return EXIT.allowed
    }
    if (command === '--version' || command === '-v' || command === 'version') {
      out.line(VERSION)
      return EXIT.allowed
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      out.lines(usage)
      return EXIT.allowed
    }
    if (command === 'explain') return await runExplain(rest, out)
    if (command === 'check') return await runCheck(rest, out)
    if (command === 'lint') return runLint(rest, out)
    // Loaded only for `mcp`: the SDK and zod would double every other command's start-up time.
    if (command === 'mcp') return await (await import('./mcp.ts')).runMcp(rest)
    throw new CliError(`unknown command "${command}"`, { usage: true })
  } catch (e) {
    if (e instanceof CliError) {
      for (const l of ciErrorLines(rest, e.message)) out.json(l)
      out.error(`cors-lens: ${e.message}`)
      if (e.showUsage) for (const l of ['', ...usage]) out.error(l)
      return EXIT.unusable
    }
    // A bug of ours: still one line, never a stack trace in a user's terminal or CI log.
    out.error(`cors-lens: internal error: ${e instanceof Error ? e.message : String(e)}`)
    return EXIT.unusable
  }
}

/** Only when run as the bin, not when a test imports this module. */
function isEntryPoint(): boolean {
  try {
    // npm links the bin through a symlink; compare real paths.
    return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  const fail = (e: unknown): void => {
    new Output(processIo).error(`cors-lens: internal error: ${e instanceof Error ? e.message : String(e)}`)
    process.exit(EXIT.unusable)
  }
  process.on('uncaughtException', fail)
  process.on('unhandledRejection', fail)
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // EPIPE when piped into `head`: the reader left; not an error worth a message.
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    // A full disk (`> /dev/full`) or a closed descriptor: the answer was lost, so say so and fail.
    process.stderr.write(`cors-lens: cannot write the output (${e.code ?? e.message})\n`)
    process.exit(EXIT.unusable)
  })
  main(process.argv.slice(2), processIo).then((code) => {
    process.exitCode = code
  }, fail)
}
