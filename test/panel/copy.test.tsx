import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { version } from '../../package.json' with { type: 'json' }
import { shellWord } from '../../src/core/fixes/escape.ts'
import {
  actualRequest,
  checkCommand,
  consoleSentence,
  curlFor,
  markdownReport,
  preflightHeaderNames,
  preflightRequest,
  REDACTED,
  redactHeaders,
  shellQuote,
} from '../../src/panel/copy.ts'
import { diagnosis, exchange } from './fixtures.ts'

const secrets = [
  { name: 'Cookie', value: 'session=abc' },
  { name: 'authorization', value: 'Bearer t0ken' },
  { name: 'Proxy-Authorization', value: 'Basic eA==' },
  { name: 'X-Custom', value: 'v' },
]

describe('redaction', () => {
  it('hides Cookie, Authorization and Proxy-Authorization (any case) unless asked', () => {
    expect(redactHeaders(secrets, { includeSecrets: false }).map((h) => h.value)).toEqual([
      REDACTED,
      REDACTED,
      REDACTED,
      'v',
    ])
    expect(redactHeaders(secrets, { includeSecrets: true }).map((h) => h.value)).toEqual(
      secrets.map((h) => h.value),
    )
  })
})

describe('curl', () => {
  it('quotes for the shell so a header value cannot break out', () => {
    expect(shellQuote("it's $(rm -rf /)")).toBe(`'it'\\''s $(rm -rf /)'`)
  })

  it('copies the request with its headers, secrets redacted, without headers curl computes', () => {
    const text = curlFor(
      {
        method: 'PUT',
        url: 'http://api.test/x',
        headers: [
          ...secrets,
          { name: 'Host', value: 'api.test' },
          { name: 'Content-Length', value: '3' },
          { name: ':authority', value: 'x' },
        ],
      },
      { includeSecrets: false },
    )
    expect(text.split(' \\\n  ')[0]).toBe("curl -i -X 'PUT' 'http://api.test/x'")
    expect(text).toContain(`-H 'Cookie: ${REDACTED}'`)
    expect(text).toContain(`-H 'authorization: ${REDACTED}'`)
    expect(text).not.toContain('t0ken')
    expect(text).not.toContain('session=abc')
    expect(text).toContain("-H 'X-Custom: v'")
    expect(text).not.toMatch(/Host:|Content-Length:|:authority/)
    expect(curlFor({ method: 'PUT', url: 'u', headers: secrets }, { includeSecrets: true })).toContain(
      'Bearer t0ken',
    )
  })

  it('uses the captured preflight, else rebuilds it from the request when one is required', () => {
    const ex = exchange({
      request: {
        method: 'DELETE',
        url: 'http://api.test/x',
        headers: [
          { name: 'Origin', value: 'http://app.test' },
          { name: 'X-B', value: '1' },
          { name: 'x-a', value: '2' },
          { name: 'Content-Type', value: 'application/json' },
          { name: 'Cookie', value: 'c=1' },
        ],
      },
    })
    const rebuilt = preflightRequest(
      ex,
      diagnosis({ preflight: { required: true, seen: false, probablyCached: true } }),
    )
    expect(rebuilt?.method).toBe('OPTIONS')
    expect(rebuilt?.headers).toEqual([
      { name: 'Origin', value: 'http://app.test' },
      { name: 'Access-Control-Request-Method', value: 'DELETE' },
      // A JSON Content-Type is announced too (the browser's rule, not a name list).
      { name: 'Access-Control-Request-Headers', value: 'content-type,x-a,x-b' },
    ])
    expect(preflightRequest(ex, diagnosis())).toBeNull()
    const captured = {
      request: { method: 'OPTIONS', url: 'http://api.test/x', headers: [{ name: 'A', value: 'b' }] },
    }
    expect(preflightRequest(exchange({ preflight: captured }), diagnosis())).toBe(captured.request)
    expect(curlFor(rebuilt ?? captured.request, { includeSecrets: false })).toContain("-X 'OPTIONS'")
  })

  it('adds the Origin line to the request when the capture lacks it', () => {
    const ex = exchange({ request: { method: 'GET', url: 'http://api.test/x', headers: [] } })
    expect(actualRequest(ex, diagnosis()).headers).toEqual([{ name: 'Origin', value: 'http://app.test' }])
  })

  it('names only the headers a page sets and a preflight announces', () => {
    expect(
      preflightHeaderNames([
        { name: 'Accept', value: '*/*' },
        { name: 'Sec-Fetch-Mode', value: 'cors' },
        { name: 'User-Agent', value: 'x' },
        { name: 'X-Requested-With', value: 'y' },
        { name: 'x-requested-with', value: 'z' },
      ]),
    ).toEqual(['x-requested-with'])
  })

  it('announces a JSON Content-Type, as the browser does (the value decides)', () => {
    expect(
      preflightHeaderNames([
        { name: 'Content-Type', value: 'application/json' },
        { name: 'Accept', value: 'application/json' },
      ]),
    ).toEqual(['content-type'])
    expect(preflightHeaderNames([{ name: 'Content-Type', value: 'text/plain' }])).toEqual([])
  })
})

describe('cors-lens check command', () => {
  it('carries origin, method, custom headers and credentials, secrets redacted', () => {
    const ex = exchange({
      request: {
        method: 'PUT',
        url: 'http://api.test/x?a=1',
        headers: [
          { name: 'Origin', value: 'http://app.test' },
          { name: 'X-Custom', value: '1' },
          { name: 'Cookie', value: 'sid=secret' },
          { name: 'Accept', value: '*/*' },
        ],
      },
    })
    const cmd = checkCommand(
      ex,
      diagnosis({ credentials: { mode: 'include', inferred: true, basis: 'Cookie sent' } }),
      {
        includeSecrets: false,
      },
    )
    expect(cmd).toBe(
      `npx --yes cors-lens@${version} check 'http://api.test/x?a=1' --origin 'http://app.test' --method 'PUT' --header 'X-Custom: 1' --header 'Cookie: ${REDACTED}' --credentials`,
    )
    expect(checkCommand(exchange(), diagnosis(), { includeSecrets: false })).toBe(
      `npx --yes cors-lens@${version} check 'http://api.test/x' --origin 'http://app.test'`,
    )
  })
})

describe('markdown report', () => {
  const ex = exchange({
    request: {
      method: 'GET',
      url: 'http://api.test/x',
      headers: [{ name: 'Authorization', value: 'Bearer t0ken' }],
    },
    response: {
      status: 200,
      headers: [
        { name: 'Access-Control-Allow-Origin', value: 'http://app.test' },
        { name: 'Access-Control-Allow-Origin', value: '*' },
        { name: 'Set-Cookie', value: 'sid=1' },
        { name: 'X-Evil', value: 'a ``` fence' },
      ],
    },
    outcome: { kind: 'error', error: 'net::ERR_FAILED' },
  })
  const d = diagnosis({
    verdict: 'blocked',
    blocked: true,
    corsError: 'MultipleAllowOriginValues',
    failedParameter: 'http://app.test, *',
    summary: 'Two layers both set Access-Control-Allow-Origin.',
    findings: [
      {
        code: 'multiple-allow-origin-values',
        severity: 'error',
        title: 'Access-Control-Allow-Origin sent twice',
        explanation: 'nginx and the app both add it.',
        headers: [],
        links: [{ title: 'MDN', url: 'https://developer.mozilla.org/' }],
      },
    ],
    fixes: [
      {
        stack: 'express',
        layer: 'app',
        recommended: false,
        title: 'Drop cors()',
        why: 'one layer',
        snippet: 'app.js',
        changes: [],
      },
      {
        stack: 'nginx',
        layer: 'proxy',
        recommended: true,
        title: 'Remove add_header',
        why: 'one layer',
        snippet: 'location / {}',
        changes: [],
      },
    ],
  })

  it('has the verdict, the console sentence, the findings, the recommended fix and the redacted exchange', () => {
    const md = markdownReport(ex, d, { includeSecrets: false, seen: 3 })
    expect(md).toContain('## CORS: GET http://api.test/x')
    expect(md).toContain('`MultipleAllowOriginValues`')
    expect(md).toContain(
      "The 'Access-Control-Allow-Origin' header contains multiple values 'http://app.test, *'",
    )
    expect(md).toContain('**Seen:** 3 times')
    expect(md).toContain(
      '- **Access-Control-Allow-Origin sent twice** (error): nginx and the app both add it.',
    )
    expect(md).toContain('### Suggested fix (nginx)')
    expect(md).toContain(`Authorization: ${REDACTED}`)
    expect(md).toContain(`Set-Cookie: ${REDACTED}`)
    expect(md).not.toContain('t0ken')
    // A value with a fence inside cannot close the block it sits in.
    expect(md).toContain('````http')
    expect(md).toContain('Network error: `net::ERR_FAILED`')
  })

  it('uses the engine console sentence when it has one', () => {
    expect(consoleSentence(ex, { ...d, consoleMessage: 'exact sentence' })).toBe('exact sentence')
    expect(consoleSentence(ex, diagnosis())).toBeNull()
  })
})

describe('shell words in the copies', () => {
  it('reach bash as the exact value, and carry no raw terminal control (a page can put ESC in a header)', () => {
    const values = [
      "plain it's",
      'esc \u001b[201~ ctrl-o \u000f del \u007f',
      'c1 \u009b bidi \u202e ls \u2028',
      "back\\slash 'q'",
    ]
    for (const v of values) {
      const word = shellWord(v)
      expect(
        [...word].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || c === '\u202e'),
      ).toEqual([])
      expect(execFileSync('bash', ['-c', `printf %s ${word}`], { encoding: 'utf8' })).toBe(v)
    }
  })
})
