import { describe, expect, it } from 'vitest'
import { entryLines, toJsonEntry } from '../../src/cli/report.ts'
import { diagnose } from '../../src/core/index.ts'
import { fixLabel, headline, orderFixes, recommendedFix } from '../../src/panel/fix-order.ts'
import { duplicateLines, lineSeverities, offendingIndexes } from '../../src/panel/header-lines.ts'
import { InitiatorIndex, initiatorFromHarEntry } from '../../src/panel/initiator.ts'
import { checkWorkerMessage } from '../../src/panel/messages.ts'
import { DISPLAY_LIMIT, richParts, shown, splitUrl, visible } from '../../src/panel/text.ts'
import { RECORDED_IDS, recording } from '../core/stack-fixtures.ts'
import { diagnosis, record } from './fixtures.ts'

describe('header view', () => {
  const headers = [
    { name: 'Access-Control-Allow-Origin', value: 'http://app.test' },
    { name: 'Vary', value: 'Origin' },
    { name: 'access-control-allow-origin', value: '*' },
  ]
  it('highlights the lines findings point at, by place and index', () => {
    const refs = [
      { place: 'response' as const, name: 'Access-Control-Allow-Origin', value: '*', index: 2 },
      { place: 'preflight-response' as const, name: 'Vary', value: 'Origin', index: 1 },
      { place: 'response' as const, name: 'X', value: '', index: 99 },
    ]
    expect([...offendingIndexes(headers, 'response', refs)]).toEqual([2])
    expect([
      ...offendingIndexes(headers, 'redirect', [
        { place: 'redirect', name: 'VARY', value: 'Origin', index: 7 },
      ]),
    ]).toEqual([1])
  })
  it('marks a line with the worst severity naming it: a note is never painted as an error', () => {
    const ref = (index: number) => ({ place: 'response' as const, name: 'x', value: '', index })
    const marks = lineSeverities(headers, 'response', [
      { severity: 'info', headers: [ref(0), ref(1)] },
      { severity: 'error', headers: [ref(1)] },
    ])
    expect([...marks]).toEqual([
      [0, 'info'],
      [1, 'error'],
    ])
  })
  it('finds repeated header names (case-insensitive) with their values in wire order', () => {
    expect([...duplicateLines(headers)]).toEqual([['Access-Control-Allow-Origin', ['http://app.test', '*']]])
  })
})

describe('untrusted text', () => {
  it('cuts a 1 MB value for display and shows it whole on request', () => {
    const big = 'a'.repeat(1024 * 1024)
    const cut = shown(big, false)
    expect(cut.truncated).toBe(true)
    expect(cut.text).toHaveLength(DISPLAY_LIMIT)
    expect(cut.fullLength).toBe(big.length)
    expect(shown(big, true).text).toHaveLength(big.length)
  })
  it('makes control characters visible', () => {
    expect(visible('a\r\nb\u0000c\td\ufffd')).toBe('a\\x0d\\x0ab\\x00c\td\ufffd')
  })
  it('splits URLs without throwing on junk', () => {
    expect(splitUrl('http://api.test:81/a?b')).toEqual({ origin: 'http://api.test:81', rest: '/a?b' })
    expect(splitUrl('%%%')).toEqual({ origin: '', rest: '%%%' })
  })
})

describe('the answer first', () => {
  const seed = diagnose(recording('nginx-express-dup-star').exchange)
  it("opens the seed case with what happened → what to do, in the user's terms", () => {
    expect(headline(seed)).toBe(
      "nginx and Express both send Access-Control-Allow-Origin → remove nginx's `add_header Access-Control-Allow-Origin *`",
    )
  })
  it("keeps the engine's order: the one recommended fix first, nothing re-decided", () => {
    expect(orderFixes(seed.fixes)).toEqual(seed.fixes)
    expect(recommendedFix(seed)).toBe(seed.fixes[0])
  })
  it('the CLI prints the same recommendation, with its reason (one decision, in the engine)', () => {
    const rec = recording('nginx-express-dup-star').exchange
    const lines = entryLines(toJsonEntry(rec, diagnose(rec)))
    const at = lines.findIndex((l) => l.startsWith('  Fix ('))
    expect(lines.slice(at, at + 3)).toEqual([
      "  Fix (nginx, proxy): Remove nginx's `add_header Access-Control-Allow-Origin *`",
      '    Recommended: smallest change: the app already answers correctly.',
      "    The app already sends a valid Access-Control-Allow-Origin; deleting nginx's add_header lines leaves exactly one.",
    ])
    expect(lines.filter((l) => l.startsWith('  Fix ('))).toHaveLength(1)
  })
  it('without a fix, says what happened only (the verdict words stay in the pill)', () => {
    const d = diagnosis({ summary: 'Blocked by CORS — No Access-Control-Allow-Origin header.', fixes: [] })
    expect(headline(d)).toBe('No Access-Control-Allow-Origin header')
  })
  it.each(RECORDED_IDS)('%s: exactly one recommended fix, with a reason; tab labels unique', (id) => {
    const d = diagnose(recording(id).exchange)
    const recommended = d.fixes.filter((f) => f.recommended)
    expect(recommended).toHaveLength(d.fixes.length ? 1 : 0)
    if (d.fixes.length) expect(recommended[0]?.reason?.length).toBeGreaterThan(10)
    const labels = d.fixes.map(fixLabel)
    expect(new Set(labels).size).toBe(labels.length)
    // "detected" is its own mark: only on the stacks the headers name.
    for (const f of d.fixes)
      expect(f.detected === true).toBe(f.stack === d.attribution?.proxy || f.stack === d.attribution?.app)
  })
})

describe('rich text', () => {
  it('splits `code` spans into parts rendered as text nodes', () => {
    expect(richParts('answer at nginx, `always`, a `map`')).toEqual([
      { text: 'answer at nginx, ', code: false },
      { text: 'always', code: true },
      { text: ', a ', code: false },
      { text: 'map', code: true },
    ])
    expect(richParts('no code')).toEqual([{ text: 'no code', code: false }])
    // An unpaired backtick is text, not the start of code that never ends.
    expect(richParts('a ` b')).toEqual([{ text: 'a ` b', code: false }])
    expect(richParts('`<b>x</b>`')).toEqual([{ text: '<b>x</b>', code: true }])
  })
})

describe('worker messages', () => {
  const good = record()
  it('accepts well-formed messages for this tab only', () => {
    expect(checkWorkerMessage({ type: 'records', tabId: 1, records: [good] }, 1)?.message).toEqual({
      type: 'records',
      tabId: 1,
      records: [good],
    })
    expect(checkWorkerMessage({ type: 'records', tabId: 2, records: [good] }, 1)).toBeNull()
    expect(
      checkWorkerMessage({ type: 'settings', settings: { captureScope: 'all-tabs' } }, 1)?.message.type,
    ).toBe('settings')
  })
  it('drops malformed records and counts them, and ignores junk', () => {
    const checked = checkWorkerMessage(
      { type: 'records', tabId: 1, records: [good, { id: 3 }, null, { ...good, analysis: {} }] },
      1,
    )
    expect(checked?.dropped).toBe(3)
    expect(checked?.message.type === 'records' && checked.message.records).toEqual([good])
    for (const junk of [
      null,
      'x',
      42,
      {},
      { type: 'snapshot', tabId: 1 },
      { type: 'nope', tabId: 1 },
      { type: 'cleared', tabId: 1, reason: 'x' },
    ])
      expect(checkWorkerMessage(junk, 1)).toBeNull()
  })
})

describe('initiator from the DevTools HAR entry', () => {
  it('takes the first stack frame with a URL, following async parents', () => {
    const entry = {
      request: { method: 'get', url: 'http://api.test/x' },
      _initiator: {
        type: 'script',
        stack: {
          callFrames: [],
          parent: { callFrames: [{ url: 'http://app.test/app.js', lineNumber: 41, columnNumber: 3 }] },
        },
      },
    }
    expect(initiatorFromHarEntry(entry)).toEqual({ url: 'http://app.test/app.js', line: 41 })
    expect(
      initiatorFromHarEntry({ _initiator: { type: 'parser', url: 'http://app.test/', lineNumber: 3 } }),
    ).toEqual({
      url: 'http://app.test/',
      line: 3,
    })
    expect(initiatorFromHarEntry({ _initiator: { type: 'other' } })).toBeNull()
    const index = new InitiatorIndex(2)
    expect(index.add(entry)).toBe(true)
    const r = record({ exchange: { request: { method: 'GET', url: 'http://api.test/x', headers: [] } } })
    expect(index.lookup(r)).toEqual({ url: 'http://app.test/app.js', line: 41 })
  })
})
