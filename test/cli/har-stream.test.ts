// The streamed reader (the CLI's) against the whole-file reader (the panel's), and what it holds.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type HarTotals, readHarExchanges } from '../../src/cli/har-stream.ts'
import { HAR_SPAN, HarReader, harToExchanges } from '../../src/core/har/index.ts'
import type { Exchange } from '../../src/core/index.ts'
import { har, harEntry, sessionEntries } from '../harness/har.ts'

const FIXTURES = resolve(import.meta.dirname, '../fixtures/har')
const dir = mkdtempSync(join(tmpdir(), 'cors-lens-har-stream-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function streamed(file: string): Promise<{ exchanges: Exchange[] } & HarTotals> {
  const exchanges: Exchange[] = []
  const read = readHarExchanges(file, 256 * 1024 * 1024)
  for (let next = await read.next(); ; next = await read.next()) {
    if (next.done) return { exchanges, ...next.value }
    exchanges.push(next.value)
  }
}

/** The whole-file reader's answer, without the start times the panel's import shows (the CLI prints none). */
function whole(file: string) {
  const r = harToExchanges(JSON.parse(readFileSync(file, 'utf8')))
  if ('error' in r) throw new Error(r.error)
  const { startedAt: _times, ...rest } = r
  return rest
}

describe('the streamed reader gives what the whole-file reader gives', () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.har'))
  it.each(fixtures)('%s', async (name) => {
    const file = resolve(FIXTURES, name)
    const w = whole(file)
    expect(w.exchanges.length + w.skipped).toBeGreaterThan(0)
    expect(await streamed(file)).toEqual(w)
  })

  it('a generated 40,000-entry session with redirect chains, preflights before and after, retries', async () => {
    const file = join(dir, 'session.har')
    writeFileSync(file, har(sessionEntries(40_000, 7)))
    const w = whole(file)
    // The file has what the reader pairs and chains, or the comparison proves little.
    expect(w.exchanges.filter((x) => x.redirects && x.response).length).toBeGreaterThan(500)
    expect(w.exchanges.filter((x) => x.preflight && x.request.headers.length).length).toBeGreaterThan(1_000)
    // A failed preflight pairs with the request that never went out (no response), not with a retry.
    expect(
      w.exchanges.filter((x) => x.preflight?.response?.status === 403 && !x.response).length,
    ).toBeGreaterThan(500)
    expect(w.skipped).toBeGreaterThan(15_000)
    expect(await streamed(file)).toEqual(w)
  })
})

describe('the reader holds a bounded span, whatever the length of the file', () => {
  const log = { creator: { name: 'WebInspector' } }

  it('an entry that makes no CORS request is let go as it is read', () => {
    const reader = new HarReader(log)
    for (let i = 0; i < 5_000; i++)
      reader.add(harEntry({ url: `https://app.example/static/${i}.js`, requestHeaders: [] }))
    expect(reader.held).toBe(0)
    expect(reader.skipped).toBe(5_000)
  })

  it('a long session: never more than twice the span held, and Exchanges handed out as it goes', () => {
    const span = 200
    const reader = new HarReader(log, span)
    const entries = sessionEntries(20_000, 3)
    let most = 0
    let out = 0
    for (const [i, e] of entries.entries()) {
      reader.add(e)
      if (i % 97 === 0) most = Math.max(most, reader.held)
      out += reader.take().length
      // What is handed out lags the file by the span, never by the file.
      if (i > 10 * span && i % 1_000 === 0) expect(out).toBeGreaterThan((i - 3 * span) * 0.2)
    }
    reader.finish()
    out += reader.take().length
    expect(most).toBeGreaterThan(span / 2)
    expect(most).toBeLessThanOrEqual(2 * span)
    const all = harToExchanges({ log: { ...log, entries } })
    expect('exchanges' in all && all.exchanges.length).toBe(out)
  })

  it('a preflight pairs with its request within the span, and not beyond it', () => {
    const request = (url: string) =>
      harEntry({
        method: 'PUT',
        url,
        requestHeaders: [{ name: 'Origin', value: 'https://app.example' }],
        // Allowed: DevTools marks a blocked one, and an unmarked one without ACAO was never CORS-checked.
        responseHeaders: [{ name: 'Access-Control-Allow-Origin', value: 'https://app.example' }],
        startedAt: 0,
      })
    const preflight = (url: string) =>
      harEntry({
        method: 'OPTIONS',
        url,
        requestHeaders: [
          { name: 'Origin', value: 'https://app.example' },
          { name: 'Access-Control-Request-Method', value: 'PUT' },
        ],
        status: 204,
        startedAt: 0,
      })
    const filler = (n: number) =>
      Array.from({ length: n }, (_, i) => harEntry({ url: `https://app.example/${i}`, requestHeaders: [] }))
    const read = (entries: object[]) => {
      const r = harToExchanges({ log: { ...log, entries } })
      if ('error' in r) throw new Error(r.error)
      return r.exchanges
    }
    const near = read([
      request('https://api.example/a'),
      ...filler(HAR_SPAN - 1),
      preflight('https://api.example/a'),
    ])
    expect(near).toHaveLength(1)
    expect(near[0]?.preflight).toBeDefined()
    const far = read([
      request('https://api.example/a'),
      ...filler(HAR_SPAN),
      preflight('https://api.example/a'),
    ])
    expect(far).toHaveLength(2)
    expect(far[0]?.preflight).toBeUndefined()
  })
})

describe('the stream reads the header that comes before the entries', () => {
  it('creator after log.entries: read without it, and said so', async () => {
    const file = join(dir, 'late.har')
    const entry = harEntry({ url: 'https://api.example/x', status: 0 })
    writeFileSync(file, JSON.stringify({ log: { entries: [entry], creator: { name: 'Firefox' } } }))
    const r = await streamed(file)
    expect(r.warnings.at(-1)).toMatch(/after log\.entries/)
    expect(r.exchanges[0]?.browser).toBeUndefined()
  })
})
