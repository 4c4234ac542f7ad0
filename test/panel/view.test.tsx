import { describe, expect, it } from 'vitest'
import { orderFixes } from '../../src/panel/fix-order.ts'
import { duplicateLines, offendingIndexes } from '../../src/panel/header-lines.ts'
import { InitiatorIndex, initiatorFromHarEntry } from '../../src/panel/initiator.ts'
import { checkWorkerMessage } from '../../src/panel/messages.ts'
import { DISPLAY_LIMIT, shown, splitUrl, visible } from '../../src/panel/text.ts'
import { record } from './fixtures.ts'

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

describe('fix order', () => {
  it('puts the detected (recommended) stack first and keeps the engine order otherwise', () => {
    const fix = (stack: 'nginx' | 'express' | 'django', recommended: boolean) => ({
      stack,
      layer: 'app' as const,
      recommended,
      title: stack,
      why: '',
      snippet: '',
      changes: [],
    })
    expect(
      orderFixes([fix('express', false), fix('django', false), fix('nginx', true)]).map((f) => f.stack),
    ).toEqual(['nginx', 'express', 'django'])
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
