/** The `cors-lens` command: picks the subcommand, and turns every failure into one line and exit code 2. */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runCheck } from './check.ts'
import { runExplain } from './explain.ts'
import { CliError, EXIT, type Io, processIo } from './io.ts'
import { USAGE, VERSION } from './usage.ts'

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      if (command === undefined) {
        io.err(USAGE)
        return EXIT.unusable
      }
      io.out(USAGE)
      return EXIT.allowed
    }
    if (command === '--version' || command === '-v' || command === 'version') {
      io.out(VERSION)
      return EXIT.allowed
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(USAGE)
      return EXIT.allowed
    }
    if (command === 'explain') return await runExplain(rest, io)
    if (command === 'check') return await runCheck(rest, io)
    throw new CliError(`unknown command "${command}"`, { usage: true })
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`cors-lens: ${e.message}`)
      if (e.showUsage) io.err(`\n${USAGE}`)
      return EXIT.unusable
    }
    // A bug of ours: still one line, never a stack trace in a user's terminal or CI log.
    io.err(`cors-lens: internal error: ${e instanceof Error ? e.message : String(e)}`)
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
    process.stderr.write(`cors-lens: internal error: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(EXIT.unusable)
  }
  process.on('uncaughtException', fail)
  process.on('unhandledRejection', fail)
  // EPIPE when piped into `head`: the reader left; not an error worth a message.
  process.stdout.on('error', () => process.exit(process.exitCode ?? 0))
  main(process.argv.slice(2), processIo).then((code) => {
    process.exitCode = code
  }, fail)
}
