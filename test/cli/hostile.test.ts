// The CLI's standing adversarial suite (issue 8), grouped by class: injection, crash, wrong verdict, size.
// Every bound is an input size; nothing here measures time.
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_REDIRECTS } from '../../src/cli/check.ts'
import { MAX_SHOWN_ENTRIES } from '../../src/cli/explain.ts'
import { HarEntryScanner, readHarExchanges, TooBigError } from '../../src/cli/har-stream.ts'
import { MAX_HEADER_BYTES } from '../../src/cli/http.ts'
import type { Io } from '../../src/cli/io.ts'
import { main } from '../../src/cli/main.ts'
import { escapeControls, MAX_LINE_CHARS, Output } from '../../src/cli/terminal.ts'
import { har, harEntry } from '../harness/har.ts'
import { ESC, type HostileServer, startHostileServer, TERMINAL_ATTACKS } from '../lab/hostile-server.ts'
import { BIN, buildCli, hasStackTrace, runInProcess } from './run.ts'

let dir = ''
let hostile: HostileServer
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cors-lens-hostile-'))
  hostile = await startHostileServer()
  buildCli()
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await hostile?.close()
})

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

/**
 * A request the browser failed, as DevTools writes it (`response._error`, devtools-frontend Log.ts) and as
 * older readers looked for it (on the entry).
 */
function failedEntry(url: string, responseHeaders: { name: string; value: string }[] = []): object {
  const e = harEntry({
    url,
    requestHeaders: [{ name: 'Origin', value: 'https://app.example' }],
    responseHeaders,
  })
  const response = { ...(e as { response: object }).response, _error: 'net::ERR_FAILED' }
  return { ...e, response, _error: 'net::ERR_FAILED' }
}

const ATTACK = TERMINAL_ATTACKS.join('')
/** A raw control a terminal obeys: C0 but LF, DEL, C1, or a bidi override. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding raw control characters is the assertion.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

const check = (path: string, ...extra: string[]) =>
  // --origin-address: a page on this machine, so no Local Network Access block hides what the server sent.
  runInProcess([
    'check',
    hostile.url(path),
    '--origin',
    'https://app.example',
    '--origin-address',
    'loopback',
    '--timeout',
    '20',
    ...extra,
  ])

describe('injection: nothing a HAR or a server sends reaches the terminal raw', () => {
  const hostileHar = (): string =>
    har([
      {
        ...harEntry({
          url: `https://api.example/${ATTACK}`,
          method: `GET${ESC}[2K`,
          requestHeaders: [{ name: 'Origin', value: `https://app.example${ATTACK}` }],
          status: 200,
          responseHeaders: [
            { name: `X-${ATTACK}`, value: ATTACK },
            { name: 'Access-Control-Allow-Origin', value: `https://evil.example${ATTACK}` },
            { name: 'Vary', value: `Origin\r\nOK  GET https://api.example/fine` },
          ],
        }),
        _error: `net::ERR_FAILED${ATTACK}`,
        _initiator: { type: 'script', url: `https://app.example/${ATTACK}` },
      },
    ])

  it('explain (human, --all, --json): every field escaped, the escaped form visible', async () => {
    const p = file('inject.har', hostileHar())
    for (const args of [[], ['--all'], ['--json']]) {
      const r = await runInProcess(['explain', p, ...args])
      expect(r.code).toBeLessThan(2)
      expect(r.stdout).not.toMatch(RAW_CONTROL)
      expect(r.stderr).not.toMatch(RAW_CONTROL)
      if (args[0] === '--json') expect(() => JSON.parse(r.stdout)).not.toThrow()
      if (args[0] === '--all') expect(r.stdout).toContain('\\x1b]52;c;')
    }
  })

  it('a header value with a newline cannot start a line of its own (no forged verdict line)', async () => {
    const r = await runInProcess(['explain', file('forge.har', hostileHar()), '--all'])
    expect(r.stdout).not.toMatch(/^OK {2}GET https:\/\/api.example\/fine/m)
  })

  it('the "not JSON" error echoes no raw byte of the file', async () => {
    const r = await runInProcess(['explain', file('notjson.har', `{"log": ${ATTACK}}`)])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/not JSON/)
    expect(r.stderr).not.toMatch(RAW_CONTROL)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('check: a status line and header values full of escape sequences', async () => {
    for (const extra of [[], ['--json']]) {
      const r = await check('/inject', ...extra)
      expect(r.code).toBe(1)
      expect(r.stdout).not.toMatch(RAW_CONTROL)
      expect(r.stdout).toContain(extra.length ? '\\u001b' : '\\x1b')
    }
  })

  it('the one escaping function: linear class, every C0/C1/DEL/bidi character, valid JSON after it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(escapeControls(s, 'text')).not.toMatch(RAW_CONTROL)
        expect(escapeControls(s, 'text')).not.toContain('\n')
        const json = escapeControls(JSON.stringify({ s }), 'json')
        expect(json).not.toMatch(RAW_CONTROL)
        expect((JSON.parse(json) as { s: string }).s).toBe(s)
      }),
      { numRuns: 500 },
    )
  })
})

describe('crash: hostile input ends in one line and exit 2, never a stack trace', () => {
  it('/dev/zero is refused at its first byte', async () => {
    const r = await runInProcess(['explain', '/dev/zero'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/not JSON/)
  })

  it('a stream longer than the limit stops at the limit (checked while reading, not by stat)', async () => {
    const p = file('long.har', `{"log":{"entries":[${'{},'.repeat(400_000)}{}]}}`)
    await expect(
      (async () => {
        for await (const _ of readHarExchanges(p, 64 * 1024));
      })(),
    ).rejects.toBeInstanceOf(TooBigError)
  })

  it('explain > /dev/full: exit 2 and one line, not exit 0', () => {
    const out = openSync('/dev/full', 'w')
    try {
      const r = spawnSync(
        process.execPath,
        [BIN, 'explain', join(import.meta.dirname, '../fixtures/har/firefox.har')],
        {
          stdio: ['ignore', out, 'pipe'],
          encoding: 'utf8',
        },
      )
      expect(r.status).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(/cannot write the output \(ENOSPC\)/)
    } finally {
      closeSync(out)
    }
  })

  it('check: an endless response head stops at 256 KB like Chromium (ERR_RESPONSE_HEADERS_TOO_BIG)', async () => {
    const r = await check('/endless-head')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/ERR_RESPONSE_HEADERS_TOO_BIG/)
    expect(hasStackTrace(r.stderr)).toBe(false)
    const big = await check('/too-big-head')
    expect(big.code).toBe(2)
    expect(big.stderr).toMatch(/ERR_RESPONSE_HEADERS_TOO_BIG/)
    expect(MAX_HEADER_BYTES).toBe(256 * 1024)
  })

  it('check: --header with CR/LF is a usage error (no request-splitting)', async () => {
    const r = await check('/ok', '--header', 'X-A: 1\r\nX-Injected: 2')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/control character/)
    expect(hostile.requests.some((h) => h.includes('X-Injected'))).toBe(false)
  })
})

describe('wrong verdict: check sees the headers and redirects a browser would', () => {
  it('5,000 header lines: the Access-Control-Allow-Origin after them counts (node:http stopped at 2,000)', async () => {
    expect((await check('/many-lines')).code).toBe(0)
  })

  it('200 KB of headers (over node:http 16 KB, under Chromium 256 KB): allowed', async () => {
    expect((await check('/big-head')).code).toBe(0)
  })

  it('bare LF line ends and an obs-fold continuation are read as Chromium reads them', async () => {
    expect((await check('/bare-lf')).code).toBe(0)
    const fold = await check('/obs-fold', '--json')
    expect(fold.code).toBe(0)
    expect(fold.stdout).toContain('"value": "*"')
  })

  it('a body that never ends (SSE): judged at the end of the headers', async () => {
    const r = await check('/sse')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('would let the page read')
  })

  it('1xx responses are skipped (103 Early Hints)', async () => {
    expect((await check('/early-hints')).code).toBe(0)
  })

  it(`a redirect loop: ${MAX_REDIRECTS} redirects followed, the ${MAX_REDIRECTS + 1}st fails with ERR_TOO_MANY_REDIRECTS`, async () => {
    const before = hostile.requests.length
    const r = await check('/loop')
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('net::ERR_TOO_MANY_REDIRECTS')
    expect(r.stderr).toMatch(/ERR_TOO_MANY_REDIRECTS \(20 redirects followed\)/)
    expect(hostile.requests.length - before).toBe(MAX_REDIRECTS + 1)
  })

  it('a chain of exactly 20 redirects is followed to its end (the old off-by-one stopped at 19)', async () => {
    const r = await check(`/hop/0?to=${MAX_REDIRECTS}`)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('would let the page read')
  })

  it.each([
    ['/redirect-file', 'net::ERR_UNSAFE_REDIRECT'],
    ['/redirect-data', 'net::ERR_UNSAFE_REDIRECT'],
    ['/redirect-invalid', 'net::ERR_INVALID_REDIRECT'],
  ])('%s: not "allowed" but %s, not a CORS failure', async (path, error) => {
    const r = await check(path, '--json')
    expect(r.code).toBe(2)
    const entry = JSON.parse(r.stdout) as { verdict: string; error: string }
    expect(entry.verdict).toBe('not-cors')
    expect(entry.error).toBe(error)
  })

  it('a forbidden header (Host) is dropped as fetch() drops it, and the user is told', async () => {
    const before = hostile.requests.length
    const r = await check('/ok', '--header', 'Host: evil.example', '--header', 'Accept-Language: de')
    expect(r.stderr).toMatch(/--header "Host" left out/)
    const sent = hostile.requests.slice(before)
    expect(sent.some((h) => /\r\nHost: evil\.example/i.test(h))).toBe(false)
    expect(sent.some((h) => h.includes('Accept-Language: de'))).toBe(true)
    expect(r.code).toBe(0)
  })
})

describe('size: output and memory bounded by the input, not proportional to it', () => {
  it('a 1 MB header value prints as one bounded line', async () => {
    const p = file(
      'huge-value.har',
      har([
        failedEntry('https://api.example/x', [
          { name: 'Access-Control-Allow-Origin', value: `https://e.example/${'v'.repeat(1024 * 1024)}` },
        ]),
      ]),
    )
    const r = await runInProcess(['explain', p])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/more characters\)/)
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThan(MAX_LINE_CHARS + 100)
  })

  it('100,000 identical lines print once with a count', () => {
    const writes: string[] = []
    const out = new Output({ out: (t) => writes.push(t), err: (t) => writes.push(t) })
    for (let i = 0; i < 100_000; i++) out.line('    response  < Vary: Origin')
    out.end()
    expect(writes).toEqual(['    response  < Vary: Origin', '  (the line above repeated 99,999 more times)'])
  })

  it('5,000 identical blocked requests: one report and a count', async () => {
    const one = failedEntry('https://api.example/poll', [
      { name: 'Access-Control-Allow-Origin', value: 'https://other.example' },
    ])
    const r = await runInProcess(['explain', file('dupes.har', har(Array(5_000).fill(one)))])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('(4999 more requests with a report identical to one above)')
    expect(r.stdout.split('\n').length).toBeLessThan(100)
  })

  it(`distinct failing requests beyond ${MAX_SHOWN_ENTRIES} are counted, not printed`, async () => {
    const n = MAX_SHOWN_ENTRIES + 500
    const entries = Array.from({ length: n }, (_, i) => failedEntry(`https://api.example/item/${i}`))
    const r = await runInProcess(['explain', file('many.har', har(entries))])
    expect(r.stdout).toContain(
      `(500 more not shown: the first ${MAX_SHOWN_ENTRIES} are; --json lists every one)`,
    )
  })

  it('5,000 header lines in one response: a bounded list with a count', async () => {
    const p = file(
      'many-lines.har',
      har([
        failedEntry(
          'https://api.example/v',
          Array(5_000).fill({
            name: 'Access-Control-Allow-Origin',
            value: 'https://x.example',
          }),
        ),
      ]),
    )
    const r = await runInProcess(['explain', p])
    expect(r.stdout.split('\n').length).toBeLessThan(200)
  })

  it('--json streams: no single write holds more than one entry, whatever the entry count', async () => {
    const entries = Array.from({ length: 1_000 }, (_, i) => failedEntry(`https://api.example/j/${i}`))
    const p = file('stream.har', har(entries))
    const writes: string[] = []
    const io: Io = { out: (t) => writes.push(t), err: () => {} }
    expect(await main(['explain', p, '--json'], io)).toBe(1)
    expect(writes.length).toBe(1_000 + 1)
    const largest = Math.max(...writes.map((w) => w.length))
    expect(largest * 100).toBeLessThan(writes.join('\n').length)
    expect((JSON.parse(writes.join('\n')) as { entries: unknown[] }).entries).toHaveLength(1_000)
  })

  it('the streaming reader equals JSON.parse on any JSON, cut into chunks anywhere', () => {
    const value = fc.jsonValue({ maxDepth: 4 })
    fc.assert(
      fc.property(
        fc.record({
          log: fc.record({ version: value, entries: fc.array(value, { maxLength: 8 }), pages: value }),
        }),
        fc.integer({ min: 1, max: 64 }),
        (doc, size) => {
          const text = Buffer.from(JSON.stringify(doc))
          const items: unknown[] = []
          let head: unknown = null
          const scanner = new HarEntryScanner(
            (x) => items.push(x),
            (h) => {
              head = h
            },
          )
          for (let i = 0; i < text.length; i += size) scanner.feed(text.subarray(i, i + size))
          // The skeleton with the items put back is the file; what preceded the items came first, whole.
          const skeleton = scanner.end() as typeof doc
          const parsed = JSON.parse(text.toString()) as typeof doc
          expect({ log: { ...skeleton.log, entries: items } }).toEqual(parsed)
          expect(head).toEqual({ log: { version: parsed.log.version, entries: [] } })
        },
      ),
      { numRuns: 300 },
    )
  })

  it('the streaming reader refuses what JSON.parse refuses around the entries', () => {
    for (const bad of [
      '{"log":{"entries":[1,]}}',
      '{"log":{"entries":[,1]}}',
      '{"log":{"entries":[1 2]}}',
      '{"log":{"entries":[{]}}',
      '{"log":{"entries":[',
      '[]',
    ])
      for (const size of [1, 3, 100]) {
        const scanner = new HarEntryScanner(() => {})
        const text = Buffer.from(bad)
        expect(() => {
          for (let i = 0; i < text.length; i += size) scanner.feed(text.subarray(i, i + size))
          scanner.end()
        }, bad).toThrow()
      }
  })
})
