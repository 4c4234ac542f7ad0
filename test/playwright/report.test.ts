// The pure parts of cors-lens/playwright: `allow` globs, and reading Firefox's console line back into the
// reason key the engine knows (the line as core/firefox-reasons.ts writes it, verbatim from Firefox ESR 153).
import { describe, expect, it } from 'vitest'
import { firefoxConsoleMessage, firefoxReasonKey } from '../../src/core/index.ts'
import { parseFirefoxBlock } from '../../src/playwright/page-events.ts'
import { globMatches } from '../../src/playwright/report.ts'

describe('allow globs', () => {
  it('** crosses slashes, * does not, everything else is literal', () => {
    expect(globMatches('**/s/pw-known', 'http://api.test:1234/s/pw-known')).toBe(true)
    expect(globMatches('**/api/*', 'https://api.example/api/items')).toBe(true)
    expect(globMatches('**/api/*', 'https://api.example/api/items/1')).toBe(false)
    expect(globMatches('**/api/**', 'https://api.example/api/items/1')).toBe(true)
    expect(globMatches('https://api.example/a.b', 'https://api.example/aXb')).toBe(false)
    expect(globMatches('https://api.example/a?b', 'https://api.example/a?b')).toBe(true)
    expect(globMatches('', '')).toBe(true)
    expect(globMatches('*', '')).toBe(true)
  })

  it('answers a hostile pattern against a long URL without backtracking blow-up', () => {
    const url = `https://x.example/${'a'.repeat(5_000)}`
    expect(globMatches(`${'**a'.repeat(30)}b`, url)).toBe(false)
    expect(globMatches(`${'*a'.repeat(30)}`, url)).toBe(false)
  })
})

describe("Firefox's console line", () => {
  it('gives back the URL and the reason key of the line Firefox prints', () => {
    const url = 'http://api.test:8701/api/items'
    const line = firefoxConsoleMessage(
      {
        key: 'CORSMultipleAllowOriginNotAllowed',
        text: 'Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed',
        mdn: '',
      },
      url,
      200,
    )
    expect(firefoxReasonKey('Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed')).toBe(
      'CORSMultipleAllowOriginNotAllowed',
    )
    expect(parseFirefoxBlock(line)).toEqual({ url, reason: 'CORSMultipleAllowOriginNotAllowed' })
  })

  it('ignores anything else', () => {
    expect(parseFirefoxBlock('Failed to load resource')).toBeNull()
    expect(parseFirefoxBlock('Cross-Origin Request Blocked: something else')).toBeNull()
  })
})
