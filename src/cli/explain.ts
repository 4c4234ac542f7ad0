/** `cors-lens explain FILE.har`: read a HAR, diagnose every cross-origin request, show the failing ones. */
import { readFile, stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { harToExchanges } from '../core/har.ts'
import { diagnoseSafely as diagnose } from '../core/index.ts'
import { CliError, EXIT, type Io } from './io.ts'
import { entryText, type JsonEntry, toJsonEntry } from './report.ts'

/**
 * JSON.parse needs the whole text in memory, and V8 caps a string at ~512 MB; at 256 MB the parsed tree
 * still fits a default Node heap. DevTools exports of a long session are tens of MB.
 */
export const MAX_HAR_BYTES = 256 * 1024 * 1024

function fsMessage(error: unknown, file: string): string {
  const code = error !== null && typeof error === 'object' && 'code' in error ? String(error.code) : ''
  if (code === 'ENOENT') return `${file}: no such file`
  if (code === 'EACCES' || code === 'EPERM') return `${file}: permission denied`
  if (code === 'EISDIR') return `${file}: is a directory, not a HAR file`
  return `${file}: cannot read (${code || (error instanceof Error ? error.message : String(error))})`
}

/** The file's JSON value, or a CliError that says in one line why not. */
export async function readHarFile(file: string): Promise<unknown> {
  let size: number
  try {
    const s = await stat(file)
    if (s.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' })
    size = s.size
  } catch (e) {
    throw new CliError(fsMessage(e, file))
  }
  if (size > MAX_HAR_BYTES) {
    const mb = (n: number): string => `${Math.round(n / (1024 * 1024))} MB`
    throw new CliError(
      `${file}: ${mb(size)} is more than cors-lens reads (${mb(MAX_HAR_BYTES)}); export only the failing requests (filter the Network panel) and try again`,
    )
  }
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new CliError(fsMessage(e, file))
  }
  if (text.trim() === '') throw new CliError(`${file}: empty file, not a HAR file`)
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : 'invalid JSON'
    const truncated = /end of (JSON )?(input|data)/i.test(why ?? '') ? ' — the file looks truncated' : ''
    throw new CliError(`${file}: not JSON, so not a HAR file (${why})${truncated}`)
  }
}

export interface ExplainResult {
  readonly entries: JsonEntry[]
  readonly skipped: number
  readonly warnings: string[]
}

export function explainHar(har: unknown, file: string): ExplainResult {
  const read = harToExchanges(har)
  if ('error' in read) throw new CliError(`${file}: ${read.error}`)
  const entries = read.exchanges.map((x) => toJsonEntry(x, diagnose(x)))
  return { entries, skipped: read.skipped, warnings: read.warnings }
}

export async function runExplain(argv: readonly string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), { usage: true })
  }
  const { values, positionals } = parsed
  const file = positionals[0]
  if (!file || positionals.length > 1)
    throw new CliError('explain takes exactly one HAR file', { usage: true })
  const result = explainHar(await readHarFile(file), file)
  const blocked = result.entries.some((e) => e.blocked)
  if (values.json) {
    io.out(JSON.stringify({ entries: result.entries }, null, 2))
    return blocked ? EXIT.blocked : EXIT.allowed
  }
  const shown = values.all
    ? result.entries
    : result.entries.filter((e) => e.verdict !== 'ok' && e.verdict !== 'not-cors')
  for (const e of shown) io.out(`${entryText(e)}\n`)
  const count = (v: JsonEntry['verdict']): number => result.entries.filter((e) => e.verdict === v).length
  const total = result.entries.length
  io.out(
    `${file}: ${total} cross-origin request${total === 1 ? '' : 's'} — ${count('blocked')} blocked, ${count('at-risk')} at risk, ${count('unknown')} unexplained, ${count('ok')} ok, ${count('not-cors')} failed for other reasons; ${result.skipped} entr${result.skipped === 1 ? 'y' : 'ies'} skipped (same-origin, not CORS, or unreadable)`,
  )
  if (shown.length === 0 && total > 0 && !values.all) io.out('Nothing blocked or at risk.')
  for (const w of result.warnings.slice(0, 5)) io.err(`warning: ${w}`)
  if (result.warnings.length > 5) io.err(`warning: … and ${result.warnings.length - 5} more`)
  return blocked ? EXIT.blocked : EXIT.allowed
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' }, all: { type: 'boolean' } },
  })
}
