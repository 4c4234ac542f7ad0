/**
 * The CLI's one output boundary. Everything a command prints goes through `Output`, which escapes what a
 * terminal would obey (C0/C1 controls, DEL, bidi overrides: OSC 52 clipboard writes, title sets, cursor
 * moves that rewrite a BLOCKED line to read OK) and bounds what a stranger's bytes can make us print.
 */
import type { Io } from './io.ts'

/**
 * C0 (incl. CR, LF, TAB), DEL, C1, and the Unicode format characters that reorder or hide text
 * (bidi embeddings/overrides/isolates, LRM/RLM/ALM, line/paragraph separators). One character class: linear.
 * Also `##[`: a CI log is a terminal too, and the GitHub Actions runner obeys its legacy `##[set-output …]`
 * command anywhere in a line (actions/runner src/Runner.Worker/ActionCommand.cs TryParse).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this regex's job.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|##\[/g

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0')

/**
 * The one escaping function. 'text': a visible `\x1b` / `\u202e` in a terminal line. 'json': `\u001b`
 * inside JSON text — JSON.stringify already escapes C0, but leaves DEL, C1 and bidi characters raw.
 */
export function escapeControls(text: string, style: 'text' | 'json'): string {
  return text.replace(UNSAFE, (c) => {
    // The second # escaped: `\u0023` is still "#" to a JSON reader, and no runner reads `##[` in either.
    if (c === '##[') return style === 'json' ? '#\\u0023[' : '#\\x23['
    const code = c.charCodeAt(0)
    // In JSON text a C0 character is the layout's own newline: JSON.stringify escaped every one in a string.
    if (style === 'json') return code < 0x20 ? c : `\\u${hex(c, 4)}`
    return code > 0xff ? `\\u${hex(c, 4)}` : `\\x${hex(c, 2)}`
  })
}

/** A line longer than this is cut (a 10 MB header value is not printed whole; --json has it all). */
export const MAX_LINE_CHARS = 2_000

/**
 * A line the GitHub Actions runner would take for a workflow command (`::set-output …` after spaces:
 * actions/runner ActionCommand.cs TryParseV2). Data can start a line where the engine's own text is split
 * into lines (an explanation quoting a header value with a newline in it).
 */
const COMMAND_START = /^(\s*):(?=:)/

/** One printed line: cut to the bound first (so escaping stays linear in what is printed), then escaped. */
export function safeLine(line: string): string {
  const cut = line.length <= MAX_LINE_CHARS ? line : line.slice(0, MAX_LINE_CHARS)
  const safe = escapeControls(cut, 'text').replace(COMMAND_START, '$1\\x3a')
  if (cut === line) return safe
  return `${safe}… (${(line.length - MAX_LINE_CHARS).toLocaleString('en-US')} more characters)`
}

/**
 * Human output, one logical line per call: data inside a line (a URL, a header value with a newline in
 * it) can never start a line of its own. A run of identical lines prints once with a count.
 */
export class Output {
  private last: { stream: 'out' | 'err'; line: string } | null = null
  private repeats = 0

  constructor(private readonly io: Io) {}

  line(text: string): void {
    this.write('out', safeLine(text))
  }

  lines(texts: readonly string[]): void {
    for (const t of texts) this.line(t)
  }

  error(text: string): void {
    this.write('err', safeLine(text))
  }

  /** Machine output (--json): a chunk of JSON text, made safe for a terminal and still valid JSON. */
  json(text: string): void {
    this.flushRepeats()
    this.io.out(escapeControls(text, 'json'))
  }

  /** Waits while the sink is full (a long stream must not pile up in memory). */
  async drain(): Promise<void> {
    await this.io.drain?.()
  }

  /** Prints the pending "repeated" note; call before the command returns. */
  end(): void {
    this.flushRepeats()
  }

  private write(stream: 'out' | 'err', line: string): void {
    if (line !== '' && this.last?.stream === stream && this.last.line === line) {
      this.repeats++
      return
    }
    this.flushRepeats()
    this.last = { stream, line }
    this.io[stream](line)
  }

  private flushRepeats(): void {
    const last = this.last
    if (last && this.repeats > 0)
      this.io[last.stream](`  (the line above repeated ${this.repeats.toLocaleString('en-US')} more times)`)
    this.repeats = 0
    this.last = null
  }
}
