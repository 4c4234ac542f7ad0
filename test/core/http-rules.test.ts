/**
 * The HTTP rules every part of the engine shares, one copy each: the list splitter (its whitespace rule is
 * Fetch's HTTP whitespace: https://fetch.spec.whatwg.org/#http-whitespace), tokens (RFC 9110 §5.6.2) and
 * redirect statuses (https://fetch.spec.whatwg.org/#redirect-status).
 */
import { describe, expect, it } from 'vitest'
import { isRedirectStatus, isToken, splitHeaderList } from '../../src/core/index.ts'

describe('splitHeaderList', () => {
  it('trims HTTP whitespace (SP, HT, CR, LF) and drops empty items', () => {
    expect(splitHeaderList(' a ,\tb\t,, \r\nc\n ,')).toEqual(['a', 'b', 'c'])
    expect(splitHeaderList(null)).toEqual([])
    expect(splitHeaderList('')).toEqual([])
  })

  it('keeps other white space, so a value with it is not read as a token', () => {
    // U+00A0 and U+000B are not HTTP whitespace: Chromium keeps them, and the item is not a token.
    expect(splitHeaderList('\u00a0x-a, x-b\u000b')).toEqual(['\u00a0x-a', 'x-b\u000b'])
    expect(splitHeaderList('\u00a0x-a').every(isToken)).toBe(false)
  })

  it('keeps case and order (callers lower-case names where the rule is case-insensitive)', () => {
    expect(splitHeaderList('X-B, x-a, X-B')).toEqual(['X-B', 'x-a', 'X-B'])
  })
})

describe('isToken and isRedirectStatus', () => {
  it('tokens are tchar runs', () => {
    expect(isToken('X-Api-Key')).toBe(true)
    expect(isToken("!#$%&'*+-.^_`|~")).toBe(true)
    for (const bad of ['', 'a b', 'a,b', 'a:b', 'ä', 'a\u0000']) expect(isToken(bad)).toBe(false)
  })

  it('redirects are 301, 302, 303, 307 and 308; 300 and 304 are not', () => {
    expect([300, 301, 302, 303, 304, 305, 306, 307, 308, 399].filter(isRedirectStatus)).toEqual([
      301, 302, 303, 307, 308,
    ])
  })
})
