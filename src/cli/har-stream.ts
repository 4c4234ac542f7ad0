/**
 * Reads a HAR file as a stream: `log.entries` items are cut out one at a time, parsed on their own and
 * handed to the engine's HarReader, which lets each go as soon as what it contributes is known; everything
 * else (creator, browser, pages) is kept as a small skeleton. Memory follows the span the reader holds, not
 * the file; the byte limit is checked while reading, so a device or an endless stream (`/dev/zero`) stops at
 * the limit instead of filling memory first.
 */
import { createReadStream } from 'node:fs'
import { type Exchange, HarReader, harLogOf } from '../core/index.ts'

export class NotJsonError extends Error {
  readonly truncated: boolean
  constructor(message: string, truncated = false) {
    super(message)
    this.name = 'NotJsonError'
    this.truncated = truncated
  }
}

/** JSON, but not a HAR file this reader can read. */
export class NotHarError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotHarError'
  }
}

export class TooBigError extends Error {
  constructor(readonly bytes: number) {
    super('too big')
    this.name = 'TooBigError'
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09

type Container = 'object' | 'array'

/** Index of the next quote or bracket at or after `from` (or the end): the bytes an item's end depends on. */
function nextStructural(chunk: Buffer, from: number): number {
  let i = from
  for (; i < chunk.length; i++) {
    const b = chunk[i]
    if (b === QUOTE || b === 0x7b || b === 0x7d || b === 0x5b || b === 0x5d) break
  }
  return i
}

/**
 * A byte-level scanner of JSON structure: strings (skipped with indexOf, escapes counted), brackets, and
 * the key before each value in the top two objects. Linear in the input; it validates only what it needs
 * to find the items; JSON.parse on each item and on the skeleton checks the rest.
 */
export class HarEntryScanner {
  private readonly stack: Container[] = []
  /** The last key read in each open object (only tracked in the top two levels). */
  private readonly keys: (string | null)[] = []
  private expectKey = false
  private inString = false
  /** The string started in an earlier chunk and its bytes are wanted (a key): collected here. */
  private stringBytes: Buffer[] = []
  private stringIsKey = false
  private escapePending = false
  private started = false
  /** Inside `log.entries`: depth of the array, and the item being collected. */
  private entriesDepth = -1
  private item: Buffer[] | null = null
  private itemStartDepth = 0
  private itemScalar = false
  /** What was last seen between the items of log.entries. */
  private between: 'start' | 'item' | 'comma' = 'start'
  /** Copies, never slices of a chunk: a slice would keep the whole megabyte chunk alive to the end. */
  private readonly skeleton: Buffer[] = []
  private count = 0

  /**
   * `onEntry` gets each item of `log.entries`, parsed; `onEntriesStart` the HAR as read so far, when
   * `log.entries` opens (with it empty): the creator, browser and pages every exporter writes first.
   */
  constructor(
    private readonly onEntry: (raw: unknown) => void,
    private readonly onEntriesStart?: (root: unknown) => void,
  ) {}

  feed(chunk: Buffer): void {
    let i = 0
    let copyFrom = 0
    const len = chunk.length
    while (i < len) {
      if (this.inString) {
        const end = this.stringEnd(chunk, i)
        if (end < 0) {
          if (this.stringIsKey) this.stringBytes.push(chunk.subarray(i))
          i = len
          break
        }
        if (this.stringIsKey) {
          this.stringBytes.push(chunk.subarray(i, end))
          this.keys[this.stack.length - 1] = decodeKey(Buffer.concat(this.stringBytes))
          this.stringBytes = []
        }
        this.inString = false
        i = end + 1
        if (this.item && this.stack.length === this.entriesDepth && !this.itemScalar) {
          // A string item ends here.
          this.finishItem(chunk, copyFrom, i)
          copyFrom = i
        }
        continue
      }
      if (this.item !== null && !this.itemScalar) {
        // Inside an item only strings and brackets matter (keys are tracked above it): skip to the next.
        i = nextStructural(chunk, i)
        if (i >= len) break
      }
      const b = chunk[i] as number
      if (isSpace(b)) {
        i++
        continue
      }
      if (!this.started) {
        if (b === 0xef || b === 0xbb || b === 0xbf) {
          // A byte order mark (EF BB BF, maybe split across chunks): not part of the JSON text.
          i++
          copyFrom = i
          continue
        }
        this.started = true
        if (b !== 0x7b) throw new NotJsonError('a HAR file starts with "{"')
      }
      const depth = this.stack.length
      if (this.entriesDepth >= 0 && depth === this.entriesDepth && this.item === null) {
        // Between items: the separators are checked here, as they never reach a JSON.parse.
        if (b === 0x5d) {
          if (this.between === 'comma') throw new NotJsonError('a comma before "]" in log.entries')
          this.entriesDepth = -1
        } else if (b === 0x2c) {
          if (this.between !== 'item') throw new NotJsonError('an empty item in log.entries')
          this.between = 'comma'
          this.keep(chunk, copyFrom, i)
          i++
          copyFrom = i
          continue
        } else {
          if (this.between === 'item') throw new NotJsonError('a missing comma in log.entries')
          // An item starts: the skeleton stops here, the item's bytes go to the item.
          this.keep(chunk, copyFrom, i)
          copyFrom = i
          this.item = []
          this.itemStartDepth = depth
          this.itemScalar = b !== 0x7b && b !== 0x5b && b !== QUOTE
        }
      }
      if (this.item && this.itemScalar && depth === this.entriesDepth && (b === 0x2c || b === 0x5d)) {
        // The separator is read again, now between items.
        this.finishItem(chunk, copyFrom, i)
        copyFrom = i
        continue
      }
      if (b === QUOTE) {
        this.inString = true
        this.escapePending = false
        this.stringIsKey = this.expectKey && depth <= 2 && this.item === null
        this.stringBytes = []
        i++
        continue
      }
      if (b === 0x7b || b === 0x5b) {
        const entering =
          b === 0x5b &&
          this.item === null &&
          depth === 2 &&
          this.stack[0] === 'object' &&
          this.stack[1] === 'object' &&
          this.keys[0] === 'log' &&
          this.keys[1] === 'entries'
        this.stack.push(b === 0x7b ? 'object' : 'array')
        this.keys.push(null)
        this.expectKey = b === 0x7b
        if (entering) {
          this.entriesDepth = this.stack.length
          this.between = 'start'
          this.keep(chunk, copyFrom, i + 1)
          copyFrom = i + 1
          this.onEntriesStart?.(this.readSoFar())
        }
        i++
        continue
      }
      if (b === 0x7d || b === 0x5d) {
        this.stack.pop()
        this.keys.pop()
        i++
        if (this.item && !this.itemScalar && this.stack.length === this.itemStartDepth) {
          this.finishItem(chunk, copyFrom, i)
          copyFrom = i
        }
        continue
      }
      if (b === 0x3a) this.expectKey = false
      else if (b === 0x2c) this.expectKey = this.stack[this.stack.length - 1] === 'object'
      i++
    }
    if (this.item) {
      // Only until the item ends: then its parts are let go.
      if (copyFrom < len) this.item.push(chunk.subarray(copyFrom, len))
    } else this.keep(chunk, copyFrom, len)
  }

  /** The skeleton: the HAR with `log.entries` empty (its items went to `onEntry`). */
  end(): unknown {
    if (this.item || this.inString || this.stack.length)
      throw new NotJsonError('Unexpected end of JSON input', true)
    if (!this.started) throw new NotJsonError('empty file', true)
    return JSON.parse(Buffer.concat(this.skeleton).toString('utf8')) as unknown
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    if (to > from) this.skeleton.push(Buffer.from(chunk.subarray(from, to)))
  }

  /** The skeleton so far, closed where `log.entries` opened: `{"log":{…,"entries":[` + `]}}`. */
  private readSoFar(): unknown {
    try {
      return JSON.parse(`${Buffer.concat(this.skeleton).toString('utf8')}]}}`) as unknown
    } catch {
      return null
    }
  }

  /** Index of the closing quote at or after `from`, or -1; backslash runs decide whether a quote counts. */
  private stringEnd(chunk: Buffer, from: number): number {
    let at = from
    for (;;) {
      const q = chunk.indexOf(QUOTE, at)
      if (q < 0) {
        let run = 0
        for (let k = chunk.length - 1; k >= at && chunk[k] === BACKSLASH; k--) run++
        this.escapePending =
          run === chunk.length - at ? this.escapePending !== (run % 2 === 1) : run % 2 === 1
        return -1
      }
      let run = 0
      for (let k = q - 1; k >= at && chunk[k] === BACKSLASH; k--) run++
      const escaped = run === q - at ? this.escapePending !== (run % 2 === 1) : run % 2 === 1
      this.escapePending = false
      if (!escaped) return q
      at = q + 1
    }
  }

  private finishItem(chunk: Buffer, from: number, to: number): void {
    const parts = this.item ?? []
    this.item = null
    // Most items lie in one chunk: decoded in place, without a copy.
    const text =
      parts.length === 0
        ? chunk.toString('utf8', from, to)
        : Buffer.concat([...parts, chunk.subarray(from, to)]).toString('utf8')
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      throw new NotJsonError(`log.entries item ${this.count}: ${e instanceof Error ? e.message : String(e)}`)
    }
    this.count++
    this.between = 'item'
    this.onEntry(value)
  }
}

function decodeKey(bytes: Buffer): string | null {
  try {
    return JSON.parse(`"${bytes.toString('utf8')}"`) as string
  } catch {
    return null
  }
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
}

/** What a reader took from the log besides the entries: read before them (HAR 1.2's order). */
function headerOf(log: Record<string, unknown> | null): string {
  return JSON.stringify([log?.creator, log?.browser, log?.pages]) ?? ''
}

export interface HarTotals {
  readonly skipped: number
  readonly warnings: readonly string[]
}

/**
 * Streams `file` through the scanner into the engine's HarReader and yields each Exchange as soon as the
 * reader lets it go; returns what was skipped. Stops with TooBigError as soon as more than `maxBytes`
 * arrived, with NotJsonError / NotHarError when the file is not a HAR (after what was already yielded).
 */
export async function* readHarExchanges(file: string, maxBytes: number): AsyncGenerator<Exchange, HarTotals> {
  let reader: HarReader | null = null
  let header = ''
  const scanner = new HarEntryScanner(
    (raw) => reader?.add(raw),
    (root) => {
      // JSON.parse would keep the last; a stream has already explained the first.
      if (reader) throw new NotHarError('not a HAR file: "log.entries" appears twice')
      const log = obj(obj(root)?.log)
      reader = new HarReader(log ?? {})
      header = headerOf(log)
    },
  )
  let total = 0
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 })
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > maxBytes) throw new TooBigError(total)
      scanner.feed(chunk)
      if (reader) yield* (reader as HarReader).take()
    }
  } finally {
    stream.destroy()
  }
  const read = harLogOf(scanner.end())
  if ('error' in read) throw new NotHarError(read.error)
  const last: HarReader = reader ?? new HarReader(read.log)
  last.finish()
  yield* last.take()
  const late = reader !== null && headerOf(read.log) !== header
  return {
    skipped: last.skipped,
    warnings: late
      ? [...last.warnings, 'log.creator, log.browser or log.pages come after log.entries: read without them']
      : last.warnings,
  }
}
