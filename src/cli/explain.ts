/** `cors-lens explain FILE.har`: read a HAR, diagnose every cross-origin request, show the failing ones. */
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { diagnoseIn, type Exchange, Session } from '../core/index.ts'
import { explainCi, formatOption, isCi } from './formats.ts'
import { type HarTotals, NotHarError, NotJsonError, readHarExchanges, TooBigError } from './har-stream.ts'
import { CliError, EXIT } from './io.ts'
import { entryLines, type JsonEntry, toJsonEntry } from './report.ts'
import type { Output } from './terminal.ts'

/**
 * The file is read as a stream (har-stream.ts), so this bounds memory and time, not a string length.
 * DevTools exports of a long session are tens of MB.
 */
export const MAX_HAR_BYTES = 256 * 1024 * 1024
/** Distinct failing requests explained in full; the rest are counted (--json lists every one). */
export const MAX_SHOWN_ENTRIES = 1_000

const mb = (n: number): string => `${Math.round(n / (1024 * 1024))} MB`

function fsMessage(error: unknown, file: string): string {
  const code = error !== null && typeof error === 'object' && 'code' in error ? String(error.code) : ''
  if (code === 'ENOENT') return `${file}: no such file`
  if (code === 'EACCES' || code === 'EPERM') return `${file}: permission denied`
  if (code === 'EISDIR') return `${file}: is a directory, not a HAR file`
  return `${file}: cannot read (${code || (error instanceof Error ? error.message : String(error))})`
}

/**
 * The file's Exchanges, each as soon as the reader lets it go (then what was skipped), or a CliError that
 * says in one line why not — after the Exchanges already read, when the fault comes late in the file.
 */
export async function* readHar(file: string): AsyncGenerator<Exchange, HarTotals> {
  const tooBig = (): CliError =>
    new CliError(
      `${file}: more than cors-lens reads (${mb(MAX_HAR_BYTES)}); export only the failing requests (filter the Network panel) and try again`,
    )
  try {
    const s = await stat(file)
    if (s.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' })
    // A regular file says its size up front; a device or a pipe is measured while it is read.
    if (s.size > MAX_HAR_BYTES) throw tooBig()
    return yield* readHarExchanges(file, MAX_HAR_BYTES)
  } catch (e) {
    if (e instanceof CliError) throw e
    if (e instanceof TooBigError) throw tooBig()
    if (e instanceof NotHarError) throw new CliError(`${file}: ${e.message}`)
    if (e instanceof NotJsonError && e.message === 'empty file')
      throw new CliError(`${file}: empty file, not a HAR file`)
    if (e instanceof NotJsonError || e instanceof SyntaxError) {
      const why = e.message.split('\n')[0] ?? 'invalid JSON'
      const truncated =
        (e instanceof NotJsonError && e.truncated) || /end of (JSON )?(input|data)/i.test(why)
          ? ' — the file looks truncated'
          : ''
      throw new CliError(`${file}: not JSON, so not a HAR file (${why})${truncated}`)
    }
    throw new CliError(fsMessage(e, file))
  }
}

/**
 * Diagnoses one exchange at a time, so output and memory never hold every entry's report at once; one
 * session for the file, so cross-request findings are the worker's for the same traffic.
 */
export async function* explainEach(
  exchanges: AsyncGenerator<Exchange, HarTotals>,
): AsyncGenerator<JsonEntry, HarTotals> {
  const session = new Session()
  for (let n = 0; ; n++) {
    const next = await exchanges.next()
    if (next.done) return next.value
    yield toJsonEntry(next.value, diagnoseIn(session, String(n), next.value))
  }
}

type Explained = AsyncGenerator<JsonEntry, HarTotals>

type Counts = Record<JsonEntry['verdict'], number>

export async function runExplain(argv: readonly string[], out: Output): Promise<number> {
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
  const read = explainEach(readHar(file))
  const counts: Counts = { blocked: 0, 'at-risk': 0, unknown: 0, ok: 0, 'not-cors': 0 }
  const format = formatOption(values)
  if (isCi(format)) await explainCi(format, read, { out, counts, file, all: values.all ?? false })
  else if (format === 'json') await streamJson(read, out, counts)
  else await printHuman(read, out, counts, file, values.all ?? false)
  return counts.blocked > 0 ? EXIT.blocked : EXIT.allowed
}

/** `{ "entries": [...] }` exactly as JSON.stringify(…, null, 2) would print it, one entry at a time. */
async function streamJson(read: Explained, out: Output, counts: Counts): Promise<void> {
  // One entry is held back: only the next one tells whether it needs a comma.
  let held: string | null = null
  for await (const e of read) {
    counts[e.verdict]++
    if (held === null) out.json('{\n  "entries": [')
    else out.json(`${held},`)
    held = `    ${JSON.stringify(e, null, 2).replaceAll('\n', '\n    ')}`
    await out.drain()
  }
  if (held === null) out.json('{\n  "entries": []\n}')
  else out.json(`${held}\n  ]\n}`)
}

async function printHuman(read: Explained, out: Output, counts: Counts, file: string, all: boolean) {
  // Identical reports (a retry loop, a polling endpoint) are printed once and counted.
  const seen = new Map<string, number>()
  let shown = 0
  let notShown = 0
  let repeats = 0
  let total = 0
  let totals: HarTotals
  for (;;) {
    const next = await read.next()
    if (next.done) {
      totals = next.value
      break
    }
    const e = next.value
    total++
    counts[e.verdict]++
    if (!all && (e.verdict === 'ok' || e.verdict === 'not-cors')) continue
    const lines = entryLines(e)
    const key = createHash('sha256').update(lines.join('\n')).digest('base64')
    if (seen.has(key)) {
      repeats++
      continue
    }
    if (shown >= MAX_SHOWN_ENTRIES) {
      notShown++
      continue
    }
    seen.set(key, 1)
    shown++
    out.lines([...lines, ''])
    await out.drain()
  }
  const { skipped, warnings } = totals
  if (repeats > 0)
    out.line(`(${repeats} more request${repeats === 1 ? '' : 's'} with a report identical to one above)`)
  if (notShown > 0)
    out.line(`(${notShown} more not shown: the first ${MAX_SHOWN_ENTRIES} are; --json lists every one)`)
  out.line(
    `${file}: ${total} cross-origin request${total === 1 ? '' : 's'} — ${counts.blocked} blocked, ${counts['at-risk']} at risk, ${counts.unknown} unexplained, ${counts.ok} ok, ${counts['not-cors']} failed for other reasons; ${skipped} entr${skipped === 1 ? 'y' : 'ies'} skipped (same-origin, not CORS, or unreadable)`,
  )
  if (shown + repeats + notShown === 0 && total > 0 && !all) out.line('Nothing blocked or at risk.')
  for (const w of warnings.slice(0, 5)) out.error(`warning: ${w}`)
  if (warnings.length > 5) out.error(`warning: … and ${warnings.length - 5} more`)
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' }, all: { type: 'boolean' }, format: { type: 'string' } },
  })
}
