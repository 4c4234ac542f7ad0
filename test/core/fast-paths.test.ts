// The engine's shortcuts give the long way's answer: origins read in one pass (plainOrigin) against URL, header
// names matched without lower-casing every line against lower-casing, and analyze on the common passing and
// near-passing exchanges (test/core/near-passing.ts) taking the shortcuts against the same exchanges forced
// the long way. A drift fails here, before the differential suite.
import { describe, expect, it } from 'vitest'
import type { Analysis } from '../../src/core/analysis.ts'
import { analyze } from '../../src/core/analyze.ts'
import type { Exchange } from '../../src/core/exchange.ts'
import {
  type HeaderLine,
  hasHeader,
  headerValue,
  linesNamed,
  trimHttpWhitespace,
} from '../../src/core/headers.ts'
import { originOf, plainOrigin } from '../../src/core/origin.ts'
import { chance, hostileExchange, pick, type Rand, recased, rng } from './hostile.ts'
import { nearPassingExchange } from './near-passing.ts'

const urlOrigin = (url: string): string | null => {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

// Plain pieces most of the time (the one-pass road), with everything URL rewrites or refuses mixed in.
const SCHEMES = ['https://', 'http://', 'HTTPS://', 'ftp://', 'http:/', ' https://', 'https:']
const PLAIN_LABELS = ['api', 'example', 'a-b', 'x1', 'localhost', 'test']
const ODD_LABELS = ['1', '0x7f', '127', 'xn--bcher-kva', 'xn--x', 'API', 'K', 'é', '']
const SEPARATORS = ['..', '@', ':', '%2e', '\\', '\t', ' ']
const PLAIN_PORTS = ['', ':443', ':80', ':8080', ':65535']
const ODD_PORTS = [':0', ':08080', ':65536', ':', ':1x', ':123456']
const PLAIN_ENDS = ['', '/', '/items?x=1', '?q', '#f', '/a b']
const ODD_ENDS = [' ', '\n', '@evil', ':', '\\x']

/** Each piece plain 90% of the time. */
const piece = (r: Rand, plain: readonly string[], odd: readonly string[]): string =>
  chance(r, 0.9) ? pick(r, plain) : pick(r, odd)

function generatedUrl(r: Rand): string {
  const labels = Array.from({ length: 1 + Math.floor(r() * 3) }, () => piece(r, PLAIN_LABELS, ODD_LABELS))
  const host = labels.map((l, i) => (i === 0 ? l : `${piece(r, ['.'], SEPARATORS)}${l}`)).join('')
  const scheme = piece(r, ['https://', 'http://'], SCHEMES)
  const dot = () => (chance(r, 0.03) ? '.' : '')
  return `${scheme}${dot()}${host}${dot()}${piece(r, PLAIN_PORTS, ODD_PORTS)}${piece(r, PLAIN_ENDS, ODD_ENDS)}`
}

describe('origins read in one pass', () => {
  it('agree with URL on 20,000 generated URLs, and take the one-pass road for most plain ones', () => {
    const r = rng(11)
    let plain = 0
    for (let i = 0; i < 20_000; i++) {
      const url = generatedUrl(r)
      const fast = plainOrigin(url)
      if (fast !== null) {
        plain++
        expect(fast, url).toBe(urlOrigin(url))
      }
      expect(originOf(url), url).toBe(urlOrigin(url))
    }
    expect(plain).toBeGreaterThan(5_000)
  })

  it('read the usual URLs themselves and leave every form URL rewrites to URL', () => {
    expect(plainOrigin('https://api.example/items/1')).toBe('https://api.example')
    expect(plainOrigin('http://localhost:3000')).toBe('http://localhost:3000')
    expect(plainOrigin('https://api.example:443/x')).toBe('https://api.example')
    expect(plainOrigin('http://api.example:80?x')).toBe('http://api.example')
    for (const url of [
      'https://API.example/', // lower-cased by URL
      'http://127.1/', // an IPv4 form URL rewrites
      'https://xn--x/', // punycode URL may refuse
      'https://u:p@api.example/', // userinfo
      'https://api.example:0443/', // a port URL rewrites
      'https://a..b/',
      'https://api.example./',
    ])
      expect(plainOrigin(url), url).toBeNull()
  })
})

/** The long way: every line's name lower-cased, as headers.ts did before. */
const slowLines = (headers: readonly HeaderLine[], name: string): HeaderLine[] =>
  headers.filter((h) => h.name.toLowerCase() === name.toLowerCase())

describe('header names matched without lower-casing every line', () => {
  const NAMES = [
    'Vary',
    'vary',
    'VARY',
    'VARİ',
    'x-İ',
    'x-i̇',
    'X-K',
    'x-\u212a',
    'x-k',
    'ſ',
    'S',
    'straße',
    'STRASSE',
  ]
  it('find the same lines as lower-casing each name, non-ASCII names included', () => {
    const r = rng(5)
    for (let i = 0; i < 2_000; i++) {
      const headers = Array.from({ length: Math.floor(r() * 6) }, () => ({
        name: pick(r, NAMES),
        value: pick(r, [' a ', 'b', '', '\tc']),
      }))
      const name = pick(r, NAMES)
      const slow = slowLines(headers, name)
      expect(linesNamed(headers, name)).toEqual(slow)
      expect(hasHeader(headers, name)).toBe(slow.length > 0)
      expect(headerValue(headers, name)).toBe(
        slow.length === 0 ? null : slow.map((h) => trimHttpWhitespace(h.value)).join(', '),
      )
    }
  })
})

/** What a verdict is made of, without the texts that quote a URL or a header name as written. */
function verdictOf(a: Analysis): unknown {
  return {
    verdict: a.verdict,
    corsError: a.corsError,
    failedParameter: a.failedParameter,
    stage: a.stage,
    credentials: a.credentials,
    origin: a.origin,
    crossOrigin: a.crossOrigin,
    preflight: a.preflight,
    unsafe: a.unsafeRequestHeaders,
    findings: a.findings.map((f) => `${f.severity}:${f.code}:${f.headers.length}`),
  }
}

/** The URL with the same origin in a form the one-pass reader leaves to URL: host in capitals, default port. */
function longWay(url: string): string {
  if (plainOrigin(url) === null) return url
  const scheme = url.startsWith('https:') ? 'https://' : 'http://'
  const rest = url.slice(scheme.length)
  const end = [...rest].findIndex((c) => c === '/' || c === '?' || c === '#')
  const authority = end === -1 ? rest : rest.slice(0, end)
  const tail = end === -1 ? '' : rest.slice(end)
  const port = authority.includes(':') ? '' : scheme === 'https://' ? ':443' : ':80'
  return `${scheme}${authority.toUpperCase()}${port}${tail}`
}

/** The same exchange with every URL written the long way: the engine must read the same origins from it. */
function urlsTheLongWay(x: Exchange): Exchange {
  return {
    ...x,
    ...(x.initiator ? { initiator: longWay(x.initiator) } : {}),
    request: { ...x.request, url: longWay(x.request.url) },
    ...(x.preflight
      ? {
          preflight: {
            ...x.preflight,
            request: { ...x.preflight.request, url: longWay(x.preflight.request.url) },
          },
        }
      : {}),
    ...(x.redirects
      ? {
          redirects: x.redirects.map((h) => ({
            ...h,
            fromUrl: longWay(h.fromUrl),
            location: longWay(h.location),
          })),
        }
      : {}),
  }
}

describe('analyze on passing and near-passing exchanges', () => {
  const r = rng(2026)
  const exchanges = Array.from({ length: 6_000 }, (_, i) =>
    i % 4 === 3 ? hostileExchange(r) : nearPassingExchange(r),
  )

  it('covers every verdict, most of them passing', () => {
    const verdicts = new Map<string, number>()
    for (const x of exchanges) {
      const v = analyze(x).verdict
      verdicts.set(v, (verdicts.get(v) ?? 0) + 1)
    }
    expect([...verdicts.keys()].sort()).toEqual(['at-risk', 'blocked', 'not-cors', 'ok', 'unknown'])
    expect((verdicts.get('ok') ?? 0) + (verdicts.get('at-risk') ?? 0)).toBeGreaterThan(exchanges.length / 3)
  })

  it('gives the same verdict when every URL must go through URL', () => {
    let rewritten = 0
    for (const x of exchanges) {
      const long = urlsTheLongWay(x)
      if (long.request.url !== x.request.url) rewritten++
      expect(verdictOf(analyze(long)), JSON.stringify(x)).toEqual(verdictOf(analyze(x)))
    }
    expect(rewritten).toBeGreaterThan(exchanges.length / 2)
  })

  it('gives the same verdict when every header name is in another case', () => {
    const flip = rng(3)
    for (const x of exchanges) {
      expect(verdictOf(analyze(recased(x, flip))), JSON.stringify(x)).toEqual(verdictOf(analyze(x)))
    }
  })
})
