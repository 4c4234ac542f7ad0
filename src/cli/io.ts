/** Where a command writes, so tests can run commands in-process; and the one error type that means "exit 2". */
import { once } from 'node:events'

/** Raw sinks: every command writes through `Output` (terminal.ts), the one place that escapes and bounds. */
export interface Io {
  out(text: string): void
  err(text: string): void
  /** Resolves when the sink can take more (a long --json stream must not pile up in memory). */
  drain?(): Promise<void>
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  drain: async () => {
    if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain')
  },
}

/** Unusable input or a network failure: printed as one line, exit code 2, never a stack trace. */
export class CliError extends Error {
  /** Print the usage after the message (wrong arguments). */
  readonly showUsage: boolean
  constructor(message: string, options?: { usage?: boolean }) {
    super(message)
    this.name = 'CliError'
    this.showUsage = options?.usage ?? false
  }
}

export const EXIT = { allowed: 0, blocked: 1, unusable: 2 } as const
